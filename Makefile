# leaky: `make run` simulates the default network into out/, `make test`
# runs everything CI runs. See README.md.

GO      ?= go
PYTHON  := /usr/bin/python3

.PHONY: build build-mpi mpi-deps test-mpi run test test-deps peers-deps bench lint generate check-generate libleaky python python-deps test-c test-python

build:
	$(GO) build -o bin/leaky ./cmd/leaky

run:
	$(GO) run ./cmd/leaky run --out out

# bin/leaky-mpi: leaky over MPI ranks (mpirun -np K bin/leaky-mpi run …),
# cgo over the system OpenMPI; mpi-deps installs Debian's packages for it
# (the headers and pkg-config file, and mpirun) when missing.
MPI_DEBS := libopenmpi-dev openmpi-bin

mpi-deps:
	@missing=; \
	pkg-config --exists ompi-c 2>/dev/null || missing="$$missing libopenmpi-dev"; \
	command -v mpirun >/dev/null || missing="$$missing openmpi-bin"; \
	if [ -n "$$missing" ]; then \
		echo "make: installing$$missing for MPI"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build-mpi: mpi-deps
	$(GO) build -tags mpi -o bin/leaky-mpi ./cmd/leaky

# The binding's collectives on 3 ranks, and runs over 1, 2 and 3 ranks
# against one process byte for byte (the tests build bin/leaky-mpi's twin
# themselves and launch mpirun).
test-mpi: mpi-deps
	$(GO) vet -tags mpi ./mpi ./cmd/leaky ./session ./engine
	$(GO) test -tags mpi ./mpi
	$(GO) test -run MPI ./cmd/leaky

# The tests check leaky's files against NumPy, the NIR networks against
# PyTorch (bench/peers/torch_nir.py, reading the .nir with h5py) and COBA's
# rate against Brian2 (bench/peers/brian_coba.py, cpp_standalone, which
# compiles with g++), and hdf5/testdata/gen.py writes the HDF5 golden files
# with h5py (libhdf5 itself); install what is missing (Debian/Ubuntu; as
# root, or through sudo).
test-deps:
	@missing=; \
	$(PYTHON) -c 'import numpy' 2>/dev/null || missing="$$missing python3-numpy"; \
	$(PYTHON) -c 'import h5py' 2>/dev/null || missing="$$missing python3-h5py"; \
	$(PYTHON) -c 'import torch' 2>/dev/null || missing="$$missing python3-torch"; \
	$(PYTHON) -c 'import brian2' 2>/dev/null || missing="$$missing python3-brian"; \
	command -v g++ >/dev/null || missing="$$missing g++"; \
	if [ -n "$$missing" ]; then \
		echo "make: installing$$missing for the tests"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# What bench/peers/run.sh measures leaky against: the tests' peers, and
# SciPy for NumPy's sparse mode of workload d. The script runs this first.
peers-deps: test-deps
	@$(PYTHON) -c 'import scipy' 2>/dev/null || { \
		echo "make: installing python3-scipy for bench/peers"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-scipy; }

# The C ABI: bin/libleaky.so (and the generated bin/libleaky.h; the
# documented header is cabi/leaky.h).
libleaky:
	$(GO) build -buildmode=c-shared -o bin/libleaky.so ./cabi

# The Python package, installed into .venv with Debian's python3 (pip
# builds libleaky.so through python/setup.py). python-deps installs what
# that needs, and the tests and examples/python/seed.py, through apt when
# missing.
VENV     := .venv
PY_DEBS  := python3-numpy python3-venv python3-setuptools python3-pip python3-wheel python3-pytest python3-matplotlib
PY_CHECK := import numpy, pytest, setuptools, wheel, venv, ensurepip, matplotlib

python-deps:
	@if ! $(PYTHON) -c '$(PY_CHECK)' 2>/dev/null; then \
		echo "make: installing $(PY_DEBS)"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PY_DEBS); \
	fi

python: python-deps
	test -x $(VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(VENV)
	$(VENV)/bin/pip install -q --no-build-isolation --no-index --force-reinstall --no-deps ./python

# The C example against leaky run's files for the same parameters.
test-c: build libleaky
	gcc -O2 -Wall -Wextra -Werror -Icabi -o bin/seed-c examples/c/seed.c -Lbin -lleaky -Wl,-rpath,'$$ORIGIN'
	rm -rf bin/seed-c-out && bin/leaky run --steps 2000 --neurons 100 --batch 2 --rate 20 --out bin/seed-c-out > /dev/null
	bin/seed-c bin/seed-c-out

# The Python tests, and the seed example drawing its figure. Without
# Python, NumPy or pytest (and no apt to install them) they are skipped
# with a message, except under CI=true, where that fails.
test-python:
	@if $(MAKE) --no-print-directory python; then \
		$(VENV)/bin/python -m pytest -q python/tests && \
		mkdir -p bin && MPLBACKEND=Agg $(VENV)/bin/python examples/python/seed.py --steps 1000 --neurons 100 --out bin/seed-py.png; \
	elif [ "$(CI)" = true ]; then \
		echo "make: the Python package could not be installed (CI=true: failing)"; exit 1; \
	else \
		echo "make: SKIPPING the Python tests: the Python package could not be installed"; \
	fi

# Every kernel the CPU has is tested by the table tests; the purego build
# and the GODEBUG runs check the fallbacks a CPU without AVX-512 or AVX2
# would dispatch to.
# The assembly, its Go declarations and the Go tables that dispatch to it
# are generated by the avo program in kernels/_gen; never edit them by hand.
generate:
	$(GO) generate ./kernels

# Every file kernels/_gen writes.
GENERATED := kernels/leaky_amd64.s kernels/leaky_stubs_amd64.go \
	kernels/dispatch_gen_amd64.go kernels/geometry_gen.go

# Fails when a generated file is not what the generator writes now, or not
# committed at all (git diff alone misses a file git does not track).
check-generate: generate
	@git diff --exit-code --stat -- $(GENERATED) && test -z "$$(git status --porcelain -- $(GENERATED))" || \
		{ git status --short -- $(GENERATED); echo "make: generated kernels files are stale: run 'make generate' and commit the result"; exit 1; }

test: test-deps mpi-deps check-generate
	$(GO) vet ./...
	$(GO) test ./...
	$(GO) test -tags purego ./...
	GODEBUG=cpu.avx512f=off $(GO) test ./kernels ./engine
	GODEBUG=cpu.avx2=off,cpu.avx512f=off $(GO) test ./kernels ./engine
	# Fuzz the readers of files from other tools for a fixed number of
	# executions (one -fuzz per invocation, Go's rule); no input may make
	# leaky panic. Counts, not durations: Go 1.26's coordinator can report
	# "context deadline exceeded" when a -fuzztime duration ends mid-run
	# (go.dev/issue/75804, fixed in 1.27), a failure with no crasher.
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 300000x ./npy
	$(GO) test -run '^$$' -fuzz '^FuzzDecode$$' -fuzztime 200000x ./checkpoint
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 50000x ./netfile
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime 50000x ./hdf5
	$(GO) test -run '^$$' -fuzz '^FuzzOpen$$' -fuzztime 50000x ./nir
	# 10^7 neurons × 1000 inputs × 1000 steps within the memory leaky
	# reports (a few minutes; its own build tag keeps it out of ./...).
	$(GO) test -tags large -run '^TestLargePopulationWithinReportedMemory$$' -timeout 30m -v ./cmd/leaky
	# The C ABI and the Python package (python/tests), byte for byte
	# against leaky run's files.
	$(MAKE) --no-print-directory test-c
	$(MAKE) --no-print-directory test-python
	$(MAKE) --no-print-directory test-mpi

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
