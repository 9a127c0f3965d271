"""Each adversarial notebook (cases/) shows under xlazy exactly what it shows under ipykernel.

Compared per cell: the execute_reply status (with the reply's ename), stdout and stderr
text, each execute_result/display_data (its MIME types and text/plain) and the error
output's ename and evalue, after notebook_runner.normalise (addresses, timings, temporary
paths, cell file names). A case marked `differs` must differ in exactly its documented way.

Every case runs under xlazy's default `cell` mode; the families in ALL_MODE_FAMILIES run
under `all` mode too (test ids ending in `-all_mode`), against the same ipykernel run.

Run just these: /usr/bin/python3 -m pytest -q tests/compat/test_adversarial_notebooks.py
(JUPYTER_PATH must find the xlazy kernelspec, e.g. build/share/jupyter); one case:
add `-k except_clause_in_function_defined_in_same_cell`.
"""
import difflib

import pytest

from cases import ALL_CASES


def rendered(cells):
    """A transcript as numbered lines, for diffs a reader can follow."""
    lines = []
    for number, cell in enumerate(cells, 1):
        prefix = f"[{number}]"
        lines.append(f"{prefix} status: {cell['status']}")
        for name in ("stdout", "stderr", "page", "next_input"):
            text = cell.get(name)
            if text:
                for line in text.splitlines():
                    lines.append(f"{prefix} {name}| {line}")
                if not text.endswith("\n"):
                    lines.append(f"{prefix} {name}| (no newline at end)")
        for kind, mimetypes, text in cell.get("outputs", []):
            lines.append(f"{prefix} {kind} {' '.join(mimetypes)}")
            lines += [f"{prefix}   | {line}" for line in text.splitlines()]
        if cell.get("error"):
            lines.append(f"{prefix} error: {cell['error']}")
    return lines


def notebook_text(case):
    text = []
    for number, code in enumerate(case.cells, 1):
        text.append(f"In [{number}]:")
        text += [f"    {line}" for line in code.splitlines()]
    for name, content in case.files.items():
        text.append(f"file {name}:")
        text += [f"    {line}" for line in str(content).strip("\n").splitlines()]
    return "\n".join(text)


def diff(expected, actual, expected_name, actual_name):
    return "\n".join(
        difflib.unified_diff(rendered(expected), rendered(actual), expected_name, actual_name, lineterm="", n=99)
    )


def errors_of(cells):
    return {
        number: cell["status"].split(" ", 1)[-1] if cell["status"].startswith("error") else cell["status"]
        for number, cell in enumerate(cells, 1)
        if cell["status"] != "ok"
    }


# The families whose cases most often have a library's own import deferred in `all` mode
# (measured with `%lazy status --deep` after each case, 2026-11-30: 31 of real_libraries'
# 34 cases, 26 of execution_contexts' 41, 18 of error_paths' 27, where IPython's
# tracebacks defer stack_data's and asttokens' imports; 145 of all 347 cases), chosen to add
# under 3 minutes to CI on 2 cores. All 347 passed in `all` mode on that day.
ALL_MODE_FAMILIES = ("real_libraries", "execution_contexts", "error_paths")

RUNS = [(case, "cell") for case in ALL_CASES] + [
    (case, "all") for case in ALL_CASES if case.family in ALL_MODE_FAMILIES
]


@pytest.mark.parametrize(
    "case, lazy_mode", RUNS, ids=[case.id if mode == "cell" else f"{case.id}-{mode}_mode" for case, mode in RUNS]
)
def test_xlazy_shows_what_ipykernel_shows(case, lazy_mode, case_runs):
    reference, xlazy = case_runs.result(case, lazy_mode)
    eager, lazy = reference["cells"], xlazy["cells"]
    notebook = notebook_text(case)

    if not eager:
        pytest.fail(f"ipykernel did not run the case, twice:\n{reference['log']}", pytrace=False)
    # A case whose ipykernel run fails where it is not meant to tests nothing: fix the case.
    if errors_of(eager) != case.errors:
        pytest.fail(
            f"broken case: under ipykernel the failing cells are {errors_of(eager)}, the case "
            f"declares {case.errors}\n{notebook}\n" + "\n".join(rendered(eager)),
            pytrace=False,
        )

    if case.differs is None:
        expected, documented = eager, ""
    else:
        expected = case.differs.expect(eager)
        documented = f"documented difference {case.differs.key!r}: {case.differs.reason}\n"
        if expected == eager:
            pytest.fail(f"broken case: {documented}changes nothing in the ipykernel run\n{notebook}",
                        pytrace=False)
        if lazy == eager:
            pytest.fail(f"{documented}no longer happens: xlazy matches ipykernel; drop `differs`",
                        pytrace=False)

    if lazy != expected:
        ended = {"kernel died", "timeout", "no reply", "not run"} & {cell["status"] for cell in lazy}
        log = f"\n--- xlazy kernel log (tail)\n{xlazy['log']}" if ended else ""
        pytest.fail(
            f"{documented}{notebook}\n--- differences\n"
            + diff(expected, lazy, "ipykernel" + (" + documented difference" if documented else ""),
                   f"xlazy (lazy mode {lazy_mode})")
            + log,
            pytrace=False,
        )


def test_the_all_mode_runs_are_in_all_mode():
    """The `-all_mode` tests above mean something only if the kernel takes the mode from
    the environment the runner gives it (a kernelspec passing --lazy-mode would win)."""
    from conftest import run_xlazy
    from cases import case

    shown = run_xlazy(case("lazy_mode_probe", "%lazy mode"), "all")["cells"]
    assert shown and shown[0]["stdout"] == "lazy mode: all\n", shown
