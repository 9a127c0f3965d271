# The two commands of the README, and the pieces they are made of.
#   make demo   install what is missing, build, install the kernel, run the tour notebook
#   make test   install what is missing, build, run every test suite
PYTHON := /usr/bin/python3
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)

.PHONY: deps build install demo test bench clean

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
	$(FRONTENDS_VENV)/bin/pip install --quiet --disable-pip-version-check --no-input \
		--require-hashes --no-deps --only-binary :all: -r tests/e2e/frontends.lock
	touch $@

test: build tests/e2e/node_modules $(FRONTENDS_VENV)/installed.stamp
	cd $(BUILD) && ctest --output-on-failure

bench: build
	JUPYTER_PATH=$(abspath $(BUILD))/share/jupyter $(PYTHON) tests/bench/startup.py
	JUPYTER_PATH=$(abspath $(BUILD))/share/jupyter $(PYTHON) tests/bench/notebooks.py --plot $(BUILD)/bench-notebooks.png

clean:
	rm -rf $(BUILD)
