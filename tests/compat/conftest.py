"""Runs the adversarial notebooks (cases/) under both kernels ahead of the tests that compare.

Two workers run one kernel each, so at most two kernels are alive at once (the machine has
two cores). Each run is a process of its own (notebook_runner.py) with a deadline: a case
that hangs a kernel or its client fails alone, and the rest of the suite goes on. Every
selected case is submitted when the first comparison test starts, in the order the tests
run; each test then waits only for its own two runs.
Set XLAZY_COMPAT_DUMP=file.json to keep both transcripts of every case.
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


def run_case(kernel, case, reference_shims=False):
    return notebook_runner.run_in_its_own_process(kernel, case.cells, case.files, reference_shims,
                                                  deadline=CASE_DEADLINE)


def run_reference(case):
    """ipykernel's run, once more when it produced no transcript at all (its runner failed or
    its kernel never started, on a loaded machine): a reference that did not run says nothing
    about xlazy. xlazy's own runs are never repeated."""
    run = run_case(REFERENCE_KERNEL, case, reference_shims=True)
    return run if run["cells"] else run_case(REFERENCE_KERNEL, case, reference_shims=True)


class CaseRuns:
    def __init__(self, cases):
        self.pool = ThreadPoolExecutor(WORKERS)
        self.futures = {}
        for case in cases:
            self.futures[case.id] = (
                self.pool.submit(run_reference, case),
                self.pool.submit(run_case, XLAZY_KERNEL, case),
            )

    def result(self, case):
        """(ipykernel's run, xlazy's run) of `case`."""
        reference, xlazy = self.futures[case.id]
        return reference.result(), xlazy.result()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
        dump = os.environ.get("XLAZY_COMPAT_DUMP")
        if dump:  # every finished run as JSON, to read what each kernel showed
            runs = {
                case_id: [future.result() for future in pair]
                for case_id, pair in self.futures.items()
                if all(future.done() and not future.cancelled() and future.exception() is None for future in pair)
            }
            with open(dump, "w") as out:
                json.dump(runs, out, indent=1, ensure_ascii=False)


@pytest.hookimpl(trylast=True)  # after -k / -m have deselected what will not run
def pytest_collection_modifyitems(config, items):
    config.selected_compat_cases = [
        item.callspec.params["case"]
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
