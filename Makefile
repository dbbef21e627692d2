# leaky: `make run` simulates the default network into out/, `make test`
# runs everything CI runs. See README.md.

GO      ?= go
PYTHON  := /usr/bin/python3

.PHONY: build run test test-deps bench lint

build:
	$(GO) build -o bin/leaky ./cmd/leaky

run:
	$(GO) run ./cmd/leaky run --out out

# The tests check leaky's files against NumPy; install it when missing
# (Debian/Ubuntu; as root, or through sudo).
test-deps:
	@if ! $(PYTHON) -c 'import numpy' 2>/dev/null; then \
		echo "make: installing python3-numpy for the tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy; \
	fi

# Every kernel the CPU has is tested by the table tests; the purego build
# and the GODEBUG runs check the fallbacks a CPU without AVX-512 or AVX2
# would dispatch to.
test: test-deps
	$(GO) vet ./...
	$(GO) test ./...
	$(GO) test -tags purego ./...
	GODEBUG=cpu.avx512f=off $(GO) test ./kernels ./engine
	GODEBUG=cpu.avx2=off,cpu.avx512f=off $(GO) test ./kernels ./engine
	# Fuzz the readers of files from other tools for a short, fixed time
	# (one -fuzz per invocation, Go's rule); no input may make leaky panic.
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 10s ./npy
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 10s ./checkpoint

# make bench: go test benchmarks with -count repetitions (benchstat
# summary) and `leaky bench --json`, turned into BENCHMARKS.md and
# bench/charts/*.png by bench/report. Run it on a quiet machine; it takes a
# few minutes. A smoke run of the pipeline:
#   make bench BENCH_COUNT=1 BENCH_TIME=1x BENCH_FLAGS='--quick --time-budget 2s' REPORT_FLAGS=-smoke
BENCH_COUNT  ?= 6
BENCH_TIME   ?= 300ms
BENCH_FLAGS  ?=
REPORT_FLAGS ?=
BENCH_OUT    := bench/out
BENCHSTAT    := $(shell $(GO) env GOPATH | cut -d: -f1)/bin/benchstat

bench:
	@mkdir -p $(BENCH_OUT)
	@test -x $(BENCHSTAT) || { echo "make: installing benchstat"; $(GO) install golang.org/x/perf/cmd/benchstat@latest; }
	$(GO) test -run '^$$' -bench . -count $(BENCH_COUNT) -benchtime $(BENCH_TIME) ./kernels ./bench ./engine > $(BENCH_OUT)/raw.txt
	$(BENCHSTAT) -col /impl $(BENCH_OUT)/raw.txt > $(BENCH_OUT)/benchstat.txt
	$(GO) run ./cmd/leaky bench $(BENCH_FLAGS) --json $(BENCH_OUT)/suite.json > $(BENCH_OUT)/suite.txt
	$(GO) run ./bench/report -json $(BENCH_OUT)/suite.json -raw $(BENCH_OUT)/raw.txt -benchstat $(BENCH_OUT)/benchstat.txt -charts bench/charts -out BENCHMARKS.md $(REPORT_FLAGS)
	@echo "make: wrote BENCHMARKS.md and bench/charts/"

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
