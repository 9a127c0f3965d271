"""Runs the shipped-examples corpus (corpus_runs.py) ahead of the tests that compare, and
prints and writes the per-library summary at the end of the session: to
$XLAZY_BUILD_DIR/corpus-summary.json (or the working directory), next to
corpus-examples.json, every example the packages ship and why it is in the corpus or not.
XLAZY_COMPAT_DUMP=file.json keeps every transcript.
"""
import json
import os
from pathlib import Path

import pytest
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from corpus_runs import MODES, REFERENCE_KERNEL, SCOPE, XLAZY_KERNEL, CorpusRuns, summary

import shipped_examples

COMPARISONS = pytest.StashKey[list]()
BUILD_DIR = Path(os.environ.get("XLAZY_BUILD_DIR", "."))


@pytest.fixture(scope="session")
def corpus_runs(request):
    for name in (REFERENCE_KERNEL, XLAZY_KERNEL):
        try:
            KernelSpecManager().get_kernel_spec(name)
        except NoSuchKernel:
            pytest.fail(f"no {name!r} kernelspec; for xlazy set JUPYTER_PATH=<build>/share/jupyter")
    wanted = {item.callspec.params["example"].id: item.callspec.params["example"]
              for item in request.session.items if hasattr(item, "callspec") and "example" in item.callspec.params}
    # What was found and why each example is in or out, next to the summary.
    (BUILD_DIR / "corpus-examples.json").write_text(json.dumps(shipped_examples.inventory(), indent=1))
    runs = CorpusRuns(list(wanted.values()))
    request.config.stash[COMPARISONS] = runs.comparisons
    yield runs
    runs.close()


def pytest_terminal_summary(terminalreporter, config):
    comparisons = config.stash.get(COMPARISONS, None)
    if not comparisons:
        return
    result = summary(comparisons)
    write = terminalreporter.write_line
    write(f"\nshipped-examples corpus ({SCOPE}): cells identical to ipykernel, per library and lazy mode")
    header = f"{'library':<12} {'notebooks':>9} {'cells':>6}" + "".join(f" {mode + ' %':>8}" for mode in MODES)
    write(header)
    rows = list(result["libraries"].items()) + [("all", result["all notebooks"])]
    for library, modes in rows:
        first = next(iter(modes.values()))
        percent = "".join(f" {modes[m]['identical %'] if m in modes else '-':>8}" for m in MODES)
        write(f"{library:<12} {first['notebooks']:>9} {first['compared']:>6}{percent}")
    out = BUILD_DIR / "corpus-summary.json"
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    write(f"written to {out}")
