"""The runs behind the shipped-examples corpus, and their sum per library and mode.

Every notebook runs twice under ipykernel (a cell whose two reference runs differ is
nondeterministic and is not compared) and once under xlazy in each lazy mode. Two workers,
so at most two kernels are alive at once; each run is a process of its own with a deadline.
"""
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # notebook_runner, shared with tests/compat
import notebook_runner  # noqa: E402
import shipped_examples  # noqa: E402

WORKERS = 2
REFERENCE_KERNEL = "python3"  # Debian's ipykernel kernelspec
XLAZY_KERNEL = "xlazy"
MODES = ("off", "cell", "all")
NOTEBOOK_DEADLINE = 300  # seconds for one notebook in one kernel; the slowest take about 30
# The same for every kernel: the Agg backend (ipykernel would pick its inline backend, xlazy
# none), one hash seed (sympy's term order and set reprs follow it), one BLAS/OpenMP thread
# (two kernels share two cores; no output depends on it).
KERNEL_ENV = {"MPLBACKEND": "Agg", "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}

# XLAZY_CORPUS=ci (the default: a fixed subset, what `make test` runs) or full (`make corpus`).
SCOPE = os.environ.get("XLAZY_CORPUS", "ci")
if SCOPE not in ("ci", "full"):
    raise SystemExit(f"XLAZY_CORPUS must be ci or full, not {SCOPE!r}")
EXAMPLES = shipped_examples.selected_examples(SCOPE)

# statsmodels' result summaries carry the wall-clock date and time they were printed at.
SUMMARY_CLOCK = re.compile(r"(Date:\s+)\w{3}, \d{2} \w{3} \d{4}|(Time:\s+)\d{2}:\d{2}:\d{2}")


def shown(cell):
    """What the comparison looks at: everything but stderr, with summary clocks blanked."""
    text = json.dumps({key: value for key, value in cell.items() if key != "stderr"},
                      indent=1, ensure_ascii=False, sort_keys=True)
    return SUMMARY_CLOCK.sub(lambda match: (match.group(1) or match.group(2)) + "<clock>", text)


def lines_of(cell):
    return shown(cell).splitlines()


def compare(example, mode, reference, again, lazy, documented):
    """Counts and differing cell numbers of one xlazy run against the reference."""
    padded = lazy + [{"status": "not run"}] * (len(reference) - len(lazy))
    result = {"example": example.id, "mode": mode, "libraries": example.libraries, "compared": 0,
              "identical": 0, "nondeterministic": 0, "different": [], "documented": []}
    for number, (expected, repeat, actual) in enumerate(zip(reference, again, padded), 1):
        if shown(expected) != shown(repeat):
            result["nondeterministic"] += 1
            continue
        result["compared"] += 1
        if shown(actual) == shown(expected):
            result["identical"] += 1
        elif f"{mode} {example.id} [{number}]" in documented:
            result["documented"].append(number)
        else:
            result["different"].append(number)
    return result


def _run(kernel, example, mode=None):
    env = dict(KERNEL_ENV, **({"XLAZY_MODE": mode} if mode else {}))
    return notebook_runner.run_in_its_own_process(kernel, example.cells, env_overrides=env,
                                                  deadline=NOTEBOOK_DEADLINE)


class CorpusRuns:
    """Every run of every selected example, submitted at once in the order the tests ask."""

    def __init__(self, examples):
        self.pool = ThreadPoolExecutor(WORKERS)
        self.futures = {}
        for example in examples:
            self.futures[example.id] = {
                "reference": self.pool.submit(_run, REFERENCE_KERNEL, example),
                "reference again": self.pool.submit(_run, REFERENCE_KERNEL, example),
                **{mode: self.pool.submit(_run, XLAZY_KERNEL, example, mode) for mode in MODES},
            }
        self.comparisons = []  # one dict per (example, mode), filled by the tests

    def result(self, example, run):
        return self.futures[example.id][run].result()

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
        dump = os.environ.get("XLAZY_COMPAT_DUMP")
        if dump:
            runs = {
                example_id: {run: future.result() for run, future in runs.items()}
                for example_id, runs in self.futures.items()
                if all(f.done() and not f.cancelled() and f.exception() is None for f in runs.values())
            }
            with open(dump, "w") as out:
                json.dump(runs, out, indent=1, ensure_ascii=False)


def summary(comparisons):
    """Per library and mode: cells compared, identical, identical %; a notebook counts for
    every corpus library it imports."""
    def count(row, comparison):
        row["notebooks"] += 1
        for key in ("compared", "identical", "nondeterministic"):
            row[key] += comparison[key]

    def new_row():
        return {"notebooks": 0, "compared": 0, "identical": 0, "nondeterministic": 0}

    table, totals = {}, {}
    for comparison in comparisons:
        for library in comparison["libraries"]:
            count(table.setdefault(library, {}).setdefault(comparison["mode"], new_row()), comparison)
        count(totals.setdefault(comparison["mode"], new_row()), comparison)
    for row in [r for modes in table.values() for r in modes.values()] + list(totals.values()):
        row["identical %"] = round(100 * row["identical"] / row["compared"], 2) if row["compared"] else None
    return {"scope": SCOPE, "libraries": dict(sorted(table.items())), "all notebooks": totals,
            "notebooks": sorted(comparisons, key=lambda c: (c["example"], MODES.index(c["mode"])))}
