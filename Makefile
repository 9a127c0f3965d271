# The two commands of the README, and the pieces they are made of.
#   make demo   install what is missing, build, install the kernel, run the tour notebook
#   make test   install what is missing, build, run every test suite, then the sanitizer
#               build's tests and the fuzzers
#   make corpus the whole shipped-examples corpus (tests/compat/corpus), not only its CI subset
PYTHON := /usr/bin/python3
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
SANITIZE_BUILD ?= $(BUILD)-asan
FUZZ_BUILD ?= $(BUILD)-fuzz
FUZZ_SECONDS ?= 60

.PHONY: deps build install demo test test-sanitizers fuzz corpus bench clean

deps:
	.ci/install-deps

build: deps
	cmake -S . -B $(BUILD) -DPython3_EXECUTABLE=$(PYTHON) -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build $(BUILD) -j $(JOBS)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

demo: install
	JUPYTER_PATH=$(PREFIX)/share/jupyter $(PYTHON) notebooks/run_notebook.py notebooks/tour.ipynb

# The browser and JupyterHub tests drive Chromium and the proxy through npm packages.
tests/e2e/node_modules: tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund
	touch $@

# JupyterLab 4, Notebook 7 and JupyterHub 6 for the browser tests: a venv of Debian's Python
# without its site packages, from the lock file only (exact versions and hashes, no resolver).
# The kernel does not use it. Regenerate the lock with tests/e2e/update-frontends-lock.sh.
FRONTENDS_VENV := $(BUILD)/frontends-venv
$(FRONTENDS_VENV)/installed.stamp: tests/e2e/frontends.lock
	rm -rf $(FRONTENDS_VENV)
	$(PYTHON) -m venv $(FRONTENDS_VENV)
	$(FRONTENDS_VENV)/bin/pip install --require-hashes --no-deps --only-binary :all: \
		--quiet --disable-pip-version-check --no-input -r tests/e2e/frontends.lock
	touch $@

test: build tests/e2e/node_modules $(FRONTENDS_VENV)/installed.stamp
	cd $(BUILD) && ctest --output-on-failure
	$(MAKE) test-sanitizers fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS)

# AddressSanitizer + UBSan build of the kernel and the engine, in a folder of its own:
# runs the engine suite and part of the kernel suite (tests/CMakeLists.txt says which).
# SANITIZE_SUITES=engine builds and runs the engine part only.
SANITIZE_SUITES ?= engine|kernel
# CI keeps to its 40 minutes on 2 cores: the fuzzers get 20 s each there (`make fuzz`: 60 s).
CI_FUZZ_SECONDS ?= 20
test-sanitizers: deps
	cmake -S . -B $(SANITIZE_BUILD) -DPython3_EXECUTABLE=$(PYTHON) -DXLAZY_SANITIZE=ON -DXLAZY_IN_PYTHON3=OFF \
	      -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(SANITIZE_BUILD) -j $(JOBS) $(if $(findstring kernel,$(SANITIZE_SUITES)),,--target engine_tests)
	cd $(SANITIZE_BUILD) && ctest -j $(JOBS) --output-on-failure -R '^($(SANITIZE_SUITES))_sanitized$$'

# libFuzzer on what reads untrusted text, FUZZ_SECONDS per fuzzer (fuzz/CMakeLists.txt).
fuzz: deps
	cmake -S fuzz -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DPython3_EXECUTABLE=$(PYTHON) \
	      -DXLAZY_FUZZ_SECONDS=$(FUZZ_SECONDS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(FUZZ_BUILD) && ctest -j $(JOBS) --output-on-failure

# Every example of the shipped-examples corpus (make test runs a fixed subset); the summary
# table is written to $(BUILD)/corpus-summary.json.
corpus: build
	cd $(BUILD) && JUPYTER_PATH=$(abspath $(BUILD))/share/jupyter XLAZY_BUILD_DIR=$(abspath $(BUILD)) \
	  XLAZY_CORPUS=full PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m pytest -q -p no:cacheprovider $(CURDIR)/tests/compat/corpus

bench: build
	JUPYTER_PATH=$(abspath $(BUILD))/share/jupyter $(PYTHON) tests/bench/startup.py
	JUPYTER_PATH=$(abspath $(BUILD))/share/jupyter $(PYTHON) tests/bench/notebooks.py --plot $(BUILD)/bench-notebooks.png
	JUPYTER_PATH=$(abspath $(BUILD))/share/jupyter $(PYTHON) tests/bench/print_flood.py

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(FUZZ_BUILD)
