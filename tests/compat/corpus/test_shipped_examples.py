"""Real notebooks, made from the examples Debian's packages ship (shipped_examples.py), show
under xlazy in every lazy mode what they show under ipykernel, cell for cell.

Compared per cell as in the adversarial suite (notebook_runner's transcript: reply status
with its ename, stdout, each result's MIME types and text/plain, the error's ename and
evalue, after normalising addresses, timings and temporary paths; here also the clock in
statsmodels' summaries). stderr is set aside:
import warnings come where a module runs, by design. A cell whose two ipykernel runs differ
(an unseeded random draw, a time) is not compared. A difference that is understood and
accepted is listed in selection.toml's [documented-differences] with its reason.

Run: JUPYTER_PATH=build/share/jupyter /usr/bin/python3 -m pytest -q tests/compat/corpus
(XLAZY_CORPUS=full for every surveyed example; -k sklearn for one library).
"""
import difflib

import pytest

from corpus_runs import EXAMPLES, MODES, compare, lines_of
from shipped_examples import load_selection

ENDED = {"kernel died", "timeout", "no reply", "not run"}
DOCUMENTED = load_selection().get("documented-differences", {})


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_example_notebook_shows_what_it_shows_under_ipykernel(example, mode, corpus_runs):
    reference = corpus_runs.result(example, "reference")
    again = corpus_runs.result(example, "reference again")
    lazy = corpus_runs.result(example, mode)
    for run in (reference, again):
        statuses = {cell["status"] for cell in run["cells"]}
        if not run["cells"] or statuses & ENDED:
            pytest.fail(f"broken example: its ipykernel run did not finish ({statuses or 'no cells'})\n{run['log']}",
                        pytrace=False)

    comparison = compare(example, mode, reference["cells"], again["cells"], lazy["cells"], DOCUMENTED)
    corpus_runs.comparisons.append(comparison)

    if comparison["different"]:
        report = []
        for number in comparison["different"]:
            report.append(f"--- In [{number}] ({example.id}, --lazy-mode={mode})\n{example.cells[number - 1]}")
            expected, actual = reference["cells"][number - 1], (lazy["cells"] + [{"status": "not run"}] * number)[number - 1]
            report += difflib.unified_diff(lines_of(expected), lines_of(actual), "ipykernel", f"xlazy {mode}",
                                           lineterm="", n=3)
        ended = {cell["status"] for cell in lazy["cells"]} & ENDED
        log = f"\n--- xlazy kernel log (tail)\n{lazy['log']}" if ended or not lazy["cells"] else ""
        pytest.fail("\n".join(report) + log, pytrace=False)
