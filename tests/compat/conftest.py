"""Runs the adversarial notebooks (cases/) under both kernels ahead of the tests that compare.

Two workers run one kernel each, so at most two kernels are alive at once (the machine has
two cores). Each run is a process of its own (notebook_runner.py) with a deadline: a case
that hangs a kernel or its client fails alone, and the rest of the suite goes on. Every
selected case is submitted when the first comparison test starts, in the order the tests
run; each test then waits only for its own two runs.
xlazy runs each case in the lazy mode its test names (XLAZY_MODE, whatever the client's
environment says); ipykernel runs it once, whatever the number of modes.
Set XLAZY_COMPAT_DUMP=file.json to keep every transcript of every case.
"""
import json
import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

import notebook_runner

WORKERS = 2
REFERENCE_KERNEL = "python3"  # Debian's ipykernel kernelspec
XLAZY_KERNEL = "xlazy"  # found through JUPYTER_PATH (the build tree under ctest)


CASE_DEADLINE = 300  # seconds for one whole case in one kernel; the slowest take about 20


def run_case(kernel, case, reference_shims=False, env_overrides=None):
    return notebook_runner.run_in_its_own_process(kernel, case.cells, case.files, reference_shims,
                                                  env_overrides, deadline=CASE_DEADLINE)


def run_reference(case):
    """ipykernel's run, once more when it produced no transcript at all (its runner failed or
    its kernel never started, on a loaded machine): a reference that did not run says nothing
    about xlazy. xlazy's own runs are never repeated."""
    run = run_case(REFERENCE_KERNEL, case, reference_shims=True)
    return run if run["cells"] else run_case(REFERENCE_KERNEL, case, reference_shims=True)


def run_xlazy(case, lazy_mode):
    return run_case(XLAZY_KERNEL, case, env_overrides={"XLAZY_MODE": lazy_mode})


class CaseRuns:
    def __init__(self, selected):
        """`selected`: (case, lazy mode) pairs, in the order their tests run."""
        self.pool = ThreadPoolExecutor(WORKERS)
        self.futures = {}  # case id -> {"ipykernel": future, "xlazy <mode>": future, ...}
        for case, lazy_mode in selected:
            runs = self.futures.setdefault(case.id, {})
            if "ipykernel" not in runs:
                runs["ipykernel"] = self.pool.submit(run_reference, case)
            runs[f"xlazy {lazy_mode}"] = self.pool.submit(run_xlazy, case, lazy_mode)

    def result(self, case, lazy_mode):
        """(ipykernel's run, xlazy's run in `lazy_mode`) of `case`."""
        runs = self.futures[case.id]
        return runs["ipykernel"].result(), runs[f"xlazy {lazy_mode}"].result()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
        dump = os.environ.get("XLAZY_COMPAT_DUMP")
        if dump:  # every finished run as JSON, to read what each kernel showed
            runs = {
                case_id: {kernel: future.result() for kernel, future in runs.items()
                          if future.done() and not future.cancelled() and future.exception() is None}
                for case_id, runs in self.futures.items()
            }
            with open(dump, "w") as out:
                json.dump(runs, out, indent=1, ensure_ascii=False)


@pytest.hookimpl(trylast=True)  # after -k / -m have deselected what will not run
def pytest_collection_modifyitems(config, items):
    config.selected_compat_cases = [
        (item.callspec.params["case"], item.callspec.params["lazy_mode"])
        for item in items
        if hasattr(item, "callspec") and "case" in item.callspec.params
        and hasattr(item.callspec.params["case"], "cells")
    ]


@pytest.fixture(scope="session")
def case_runs(request):
    for name in (REFERENCE_KERNEL, XLAZY_KERNEL):
        try:
            KernelSpecManager().get_kernel_spec(name)
        except NoSuchKernel:
            pytest.fail(f"no {name!r} kernelspec; for xlazy set JUPYTER_PATH=<build>/share/jupyter")
    runs = CaseRuns(request.config.selected_compat_cases)
    yield runs
    runs.close()
