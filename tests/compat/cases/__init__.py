"""The adversarial notebooks, one family per module; each case is run under ipykernel and xlazy.

A case is written as the notebook a user would type, one string per cell:

    case(
        "except_clause_in_function_defined_in_same_cell",
        "import statistics\\nfrom statistics import StatisticsError",
        '''
        def f():
            try:
                statistics.mean([])
            except StatisticsError:
                return "caught"
        f()
        ''',
    )

Cells are dedented. Optional:
- files: {relative path: text} written into the case's private working directory (the
  kernel's cwd) before the kernel starts, e.g. a local module `projmod.py` or `pkg/__init__.py`.
- errors: {cell number: exception name} for cells that fail under ipykernel on purpose
  (cells are numbered from 1, like In [1]). Any other error under ipykernel means the case
  is broken, and its test says so.
- differs: a documented, intended cost of deferral (see the builders below). The test then
  asserts that xlazy differs from ipykernel in exactly that way; every other case must match.
"""
import copy
import importlib
import textwrap
from dataclasses import dataclass, field
from typing import Callable, Optional

FAMILIES = (
    "import_forms",
    "state_between_import_and_use",
    "introspection",
    "execution_contexts",
    "error_paths",
    "real_libraries",
    "magics",
    "kernel_itself",
    "output",
    "pending_modules",
)


@dataclass(frozen=True)
class Differs:
    """How xlazy is documented to differ: `expect` turns ipykernel's cells into xlazy's."""

    key: str
    reason: str
    expect: Callable[[list], list]


@dataclass(frozen=True)
class Case:
    id: str
    cells: tuple
    files: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    differs: Optional[Differs] = None
    family: str = ""


def case(case_id, *cells, files=None, errors=None, differs=None):
    return Case(
        id=case_id,
        cells=tuple(textwrap.dedent(cell).strip("\n") for cell in cells),
        files=dict(files or {}),
        errors=dict(errors or {}),
        differs=differs,
    )


EMPTY_CELL = {"status": "ok", "stdout": "", "stderr": "", "outputs": [], "error": None}


def _moved(cells, from_cell, to_cell):
    """Everything cell `from_cell` showed, shown instead at the start of cell `to_cell`."""
    moved = copy.deepcopy(cells)
    source, target = moved[from_cell - 1], moved[to_cell - 1]
    if target.get("error", "") and target["error"].startswith("NameError"):
        # Under ipykernel the failed import bound nothing, so the later cell's use of the
        # name fails with NameError; under deferral that use is where the import fails.
        target.update(status="ok", error=None)
    target["stdout"] = source["stdout"] + target["stdout"]
    target["stderr"] = source["stderr"] + target["stderr"]
    target["outputs"] = source["outputs"] + target["outputs"]
    if source["error"]:
        target.update(status=source["status"], error=source["error"])
    moved[from_cell - 1] = dict(EMPTY_CELL)
    return moved


def import_output_moves(reason, from_cell, to_cell):
    """What a module prints or warns while it is imported appears in the cell that first
    uses it. `from_cell` must hold only the import."""
    return Differs("import_output_moves", reason, lambda cells: _moved(cells, from_cell, to_cell))


def failing_import_fails_at_first_use(reason, from_cell, to_cell):
    """An import that raises while the module runs fails in the cell that first uses the
    name, not at the import line. `from_cell` must hold only the import, and `to_cell` only
    the first use (under ipykernel a NameError, as the failed import bound nothing)."""
    return Differs(
        "failing_import_fails_at_first_use", reason, lambda cells: _moved(cells, from_cell, to_cell)
    )


def state_read_at_import(key, reason, cell, stdout):
    """The module reads process state (an environment variable, the random state) when it
    runs: under deferral that is at first use, so cell `cell` prints `stdout` instead."""

    def expect(cells):
        changed = copy.deepcopy(cells)
        changed[cell - 1]["stdout"] = textwrap.dedent(stdout).lstrip("\n")
        return changed

    return Differs(key, reason, expect)


def shows_instead(key, reason, cells):
    """A difference left by design: xlazy shows, for each numbered cell in `cells`, the
    given fields (status, stdout, stderr, outputs, error) instead of ipykernel's."""

    def expect(transcript):
        changed = copy.deepcopy(transcript)
        for number, shown in cells.items():
            changed[number - 1].update(shown)
        return changed

    return Differs(key, reason, expect)


def _collect():
    cases = []
    for family in FAMILIES:
        module = importlib.import_module(f"{__name__}.{family}")
        cases += [Case(**{**c.__dict__, "family": family}) for c in module.CASES]
    seen = set()
    for each in cases:
        assert each.id not in seen, f"two cases are named {each.id}"
        seen.add(each.id)
    return cases


ALL_CASES = _collect()
