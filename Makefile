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

bench:
	$(GO) test -run '^$$' -bench . -count 1 ./kernels

lint:
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
