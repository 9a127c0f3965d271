"""Turns the example code Debian 12's packages ship into notebooks, at test time.

Owns: where each library's examples live on a Debian system, how one example file (or one
docstring's doctest) becomes a list of cell sources, the static screen that sets aside
examples a headless, offline kernel cannot run, and the survey that measures the rest.
It never writes example code into the project: selection.toml names examples, nothing more.

Two kinds of source:
- gallery: a script from a package's examples directory (sphinx-gallery files of
  scikit-learn, scikit-image, networkx; statsmodels' notebooks exported as scripts; sympy's
  examples). Cells are split at `# %%` and sphinx-gallery `# ####...` markers, and at a
  comment block that starts after a blank line (a text cell in the original notebook or
  gallery page); the module docstring, the page's title, is dropped.
- docstring: the `>>>` examples of one function's or class's docstring in an installed
  library (torch, xarray, numpy and pandas ship no example scripts in Debian 12), found by
  reading the source file, not by importing it. Each example is a cell, after one cell of
  the imports the library's documentation assumes.

Run it to see or re-measure the corpus (with /usr/bin/python3):
  shipped_examples.py list [LIBRARY...]        every example found and the screen's verdict
  shipped_examples.py survey OUT.json [LIBRARY...] [--every N]
                                              run candidates as scripts, record time/failure
  shipped_examples.py show ID                 the notebook an example becomes
"""
import ast
import doctest
import functools
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SELECTION = HERE / "selection.toml"
DIST_PACKAGES = Path("/usr/lib/python3/dist-packages")

# Libraries the corpus covers; a notebook counts for each of them it imports.
LIBRARIES = ("numpy", "pandas", "scipy", "matplotlib", "sklearn", "sympy", "torch", "seaborn",
             "statsmodels", "networkx", "skimage", "xarray")


@dataclass(frozen=True)
class Gallery:
    """Example scripts under `root`, as shipped by the Debian package `package`, named by
    their path under `root`, or by file name alone if `by_file_name` (sphinx-gallery's
    download folder keeps each script in a directory named after a hash)."""
    package: str
    root: Path
    by_file_name: bool = False

    def examples(self):
        paths = self.root.rglob("*.py")
        return sorted(path.name if self.by_file_name else str(path.relative_to(self.root)) for path in paths)

    def path(self, name):
        if self.by_file_name:
            return next(self.root.rglob(name))
        return self.root / name

    def cells(self, name):
        return gallery_cells(self.path(name).read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Docstrings:
    """Doctest examples in the docstrings of `modules` (source files of an installed library,
    relative to dist-packages), run after `setup` (the imports its documentation assumes) and
    `seed` (the examples draw random numbers without seeding: the harness seeds once)."""
    package: str
    modules: tuple
    setup: str
    seed: str

    def examples(self):
        names = []
        for module in self.modules:
            for qualname, text in _docstrings_in(DIST_PACKAGES / module):
                if doctest_sources(text):
                    names.append(f"{module}:{qualname}")
        return names

    def path(self, name):
        return DIST_PACKAGES / name.split(":", 1)[0]

    def cells(self, name):
        module, qualname = name.split(":", 1)
        text = dict(_docstrings_in(DIST_PACKAGES / module))[qualname]
        return [self.setup, self.seed] + doctest_sources(text)


SOURCES = {
    "sklearn": Gallery("python-sklearn-doc", Path("/usr/share/doc/python-sklearn-doc/examples")),
    # sphinx-gallery's download folder: one hashed directory per example script
    "skimage": Gallery("python-skimage-doc", Path("/usr/share/doc/python-skimage-doc/html/_downloads"), by_file_name=True),
    "statsmodels": Gallery("python-statsmodels-doc", Path("/usr/share/doc/python-statsmodels-doc/examples/python")),
    "networkx": Gallery("python3-networkx", Path("/usr/share/doc/python3-networkx/examples")),
    "sympy": Gallery("python-sympy-doc", Path("/usr/share/doc/python-sympy-doc/examples")),
    "torch": Docstrings("python3-torch", ("torch/functional.py", "torch/_tensor_docs.py", "torch/_torch_docs.py",
                                          "torch/nn/modules/activation.py", "torch/nn/modules/container.py"),
                        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F", "torch.manual_seed(0);"),
    "xarray": Docstrings("python3-xarray", ("xarray/core/dataarray.py", "xarray/core/dataset.py",
                                            "xarray/core/common.py", "xarray/core/computation.py"),
                         "import numpy as np\nimport pandas as pd\nimport xarray as xr", "np.random.seed(0)"),
    "numpy": Docstrings("python3-numpy", ("numpy/lib/function_base.py", "numpy/core/fromnumeric.py",
                                          "numpy/lib/shape_base.py"),
                        "import numpy as np", "np.random.seed(0)"),
    "pandas": Docstrings("python3-pandas", ("pandas/core/frame.py", "pandas/core/generic.py",
                                            "pandas/core/reshape/merge.py"),
                         "import numpy as np\nimport pandas as pd", "np.random.seed(0)"),
}


# --- one example becomes cells ----------------------------------------------------------------

CELL_MARKER = re.compile(r"^#\s?%%|^#{20,}\s*$")
COMMENT = re.compile(r"^#")


def _starts_a_cell(gap):
    """Whether the lines between two top-level statements separate two cells: a cell marker,
    or a comment block at the left margin that follows a blank line (a text cell)."""
    if any(CELL_MARKER.match(line) for line in gap):
        return True
    return any(not gap[i].strip() and COMMENT.match(gap[i + 1]) for i in range(len(gap) - 1))


def _parse(source):
    """The module's syntax tree, without the warnings its code may earn when compiled
    (`"\\s"` escapes in examples): they belong to the example, not to this reading of it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, SyntaxWarning))
        return ast.parse(source)


def gallery_cells(source):
    """The cells of an example script: its top-level statements, grouped between breaks."""
    tree = _parse(source)
    lines = source.splitlines()
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]  # the page's title and introduction
    cells, current, previous_end = [], [], 0
    for statement in body:
        start = min([statement.lineno] + [d.lineno for d in getattr(statement, "decorator_list", [])])
        if current and _starts_a_cell(lines[previous_end:start - 1]):
            cells.append("\n".join(current))
            current = []
        current.append("\n".join(lines[start - 1:statement.end_lineno]))
        previous_end = statement.end_lineno
    if current:
        cells.append("\n".join(current))
    return cells


def docstrings_of(source):
    """(qualified name, docstring) of every function and class of a module's source."""
    found = []

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                text = ast.get_docstring(child, clean=True)
                if text:
                    found.append((name, text))
                visit(child, name + ".")
            elif isinstance(child, ast.Expr) and isinstance(child.value, ast.Call):
                # torch documents C functions with add_docstr(torch.abs, r"""...""")
                call = child.value
                if len(call.args) == 2 and isinstance(call.args[1], ast.Constant) \
                        and isinstance(call.args[1].value, str):
                    target = call.args[0]  # torch.abs, or "abs" for a Tensor method
                    name = target.value if isinstance(target, ast.Constant) else ast.unparse(target)
                    found.append((f"{prefix}{name}", call.args[1].value))

    visit(_parse(source), "")
    return found


@functools.lru_cache(maxsize=None)
def _docstrings_in(path):
    return docstrings_of(path.read_text(encoding="utf-8"))


def doctest_sources(text):
    """The code of each `>>>` example of a docstring, one cell each."""
    try:
        examples = doctest.DocTestParser().get_examples(text)
    except ValueError:  # malformed doctest (inconsistent indentation): not an example
        return []
    return [example.source.rstrip("\n") for example in examples]


def imported_libraries(cells):
    """Which of LIBRARIES the cells import (top-level package names)."""
    found = set()
    for cell in cells:
        for match in re.finditer(r"^\s*(?:import|from)\s+([A-Za-z_][\w]*)", cell, re.M):
            if match.group(1) in LIBRARIES:
                found.add(match.group(1))
    return found


# --- what a headless, offline kernel cannot run --------------------------------------------

STATIC_SCREEN = (
    (re.compile(r"\bfetch_\w+\(|urlopen|urlretrieve|requests\.get|get_rdataset|webuse\(|\bpooch\b|"
                r"download\(|https?://\S+\.(?:csv|txt|zip|gz|json|dat)\b"), "needs the network"),
    (re.compile(r"\bginput\(|matplotlib\.widgets|\btkinter\b|\bpyglet\b|\bgtk\b|\bQt\w*\b|\binput\("),
     "needs a GUI or a user"),
    (re.compile(r"\bmultiprocessing\b|n_jobs=-1|\bdask\b"), "starts worker processes"),
    (re.compile(r"\bautowrap\b|\bufuncify\b|\bcodegen\b"), "compiles C at run time"),
)


def screen(source):
    """Why an example cannot run here, or None."""
    for pattern, reason in STATIC_SCREEN:
        match = pattern.search(source)
        if match:
            return f"{reason} ({match.group(0).strip()})"
    return None


@dataclass
class Example:
    library: str
    name: str
    cells: list = field(default_factory=list)

    @property
    def id(self):
        return f"{self.library}/{self.name}"

    @property
    def libraries(self):
        return sorted(imported_libraries(self.cells) | {self.library})


def load_selection():
    with open(SELECTION, "rb") as file:
        return tomllib.load(file)


def selected_examples(scope):
    """The corpus: 'ci' (a fixed subset) or 'full' (every example the survey kept)."""
    examples = []
    for library, chosen in load_selection().items():
        if library not in SOURCES:
            continue  # [documented-differences]
        names = chosen["ci"] if scope == "ci" else chosen["ci"] + chosen.get("more", [])
        found = set(SOURCES[library].examples())
        for name in names:
            if name not in found:
                raise LookupError(f"selection.toml names {library}/{name}, which {SOURCES[library].package} "
                                  f"does not ship here (`shipped_examples.py list {library}` lists what it ships)")
            examples.append(Example(library, name, SOURCES[library].cells(name)))
    return examples


def inventory():
    """Every example each source ships here, and whether it is in the corpus or why not."""
    selection = load_selection()
    record = {}
    for library, source in SOURCES.items():
        chosen = selection.get(library, {})
        skipped = chosen.get("skipped", {})
        for name in source.examples():
            if name in chosen.get("ci", []):
                verdict = "corpus (ci subset)"
            elif name in chosen.get("more", []):
                verdict = "corpus (full)"
            elif name in skipped:
                verdict = f"skipped: {skipped[name]}"
            else:
                reason = screen("\n".join(source.cells(name)))
                verdict = f"screened out: {reason}" if reason else "not selected (not surveyed)"
            record[f"{library}/{name}"] = verdict
    return record


# --- survey: run candidates as plain scripts, as the maintainer's measurement ---------------

# An example joins the corpus if it runs as a script in a few seconds of CPU time (wall time
# on a shared 2-core machine says more about the neighbours than about the example).
SURVEY_CPU_SECONDS = 8
SURVEY_TIMEOUT = 120  # wall seconds before an example is given up


def survey_one(library, name):
    source = SOURCES[library]
    text = "\n\n".join(source.cells(name))
    reason = screen(text)
    if reason:
        return {"verdict": "skipped", "reason": reason}
    with tempfile.TemporaryDirectory(prefix="xlazy-survey-") as workdir:
        script = Path(workdir) / "example.py"
        script.write_text(text)
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0", OMP_NUM_THREADS="1")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            run = subprocess.run(["/usr/bin/python3", str(script)], cwd=workdir, env=env, capture_output=True,
                                 text=True, timeout=SURVEY_TIMEOUT)
        except subprocess.TimeoutExpired:
            return {"verdict": "skipped", "reason": f"runs longer than {SURVEY_TIMEOUT} s (wall) as a script"}
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1)
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["exit status %d" % run.returncode])[-1]
        return {"verdict": "skipped", "reason": f"fails as a script: {last[:200]}", "seconds": seconds}
    if seconds > SURVEY_CPU_SECONDS:
        return {"verdict": "skipped", "reason": f"takes {seconds} s of CPU as a script", "seconds": seconds}
    return {"verdict": "runs", "seconds": seconds, "cells": len(source.cells(name))}


def main(argv):
    command, rest = argv[0], argv[1:]
    if command == "show":
        library, name = rest[0].split("/", 1)
        for number, cell in enumerate(SOURCES[library].cells(name), 1):
            print(f"--- In [{number}]\n{cell}")
    elif command == "list":
        for library in rest or SOURCES:
            for name in SOURCES[library].examples():
                reason = screen("\n".join(SOURCES[library].cells(name)))
                print(f"{library}/{name}\t{reason or 'candidate'}")
    elif command == "survey":
        out, every = Path(rest[0]), 1
        libraries = [arg for arg in rest[1:] if not arg.startswith("--") and not arg.isdigit()]
        if "--every" in rest:
            every = int(rest[rest.index("--every") + 1])
        results = json.loads(out.read_text()) if out.exists() else {}
        for library in libraries or SOURCES:
            for name in SOURCES[library].examples()[::every]:
                key = f"{library}/{name}"
                if key not in results:
                    results[key] = survey_one(library, name)
                    print(key, results[key], flush=True)
                    out.write_text(json.dumps(results, indent=1))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
