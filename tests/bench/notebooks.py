#!/usr/bin/python3
"""Benchmark whole notebooks: how soon the first useful result appears, how
long the notebook takes and how much memory the kernel needs.

Compares xlazy (default all mode), xlazy --lazy-mode=off, xlazy
--lazy-mode=cell and ipykernel in one alternated run, so that machine noise
spreads evenly over the variants, and shows the floor: "bare",
/usr/bin/python3 running the same cells as a script (--variants picks some).

    JUPYTER_PATH=build/share/jupyter /usr/bin/python3 tests/bench/notebooks.py

Each scenario is a notebook in notebooks/bench (written by make_notebooks.py).
Every run starts a fresh kernel and sends the code cells in order through a
BlockingKernelClient, each after the previous one's execute_reply and idle
status, as "Run All" in a notebook does. Metrics, medians over the rounds:

  start-up      launch of the kernel process -> its first kernel_info_reply
  first result  launch -> execute_reply of the first cell that is not made of
                import statements only: when the user first sees the result
                of real work. That is the last cell (np.arange(10).sum()) in
                heavy-numpy-only and numpy-only, the first use of pandas in
                realistic, and cell 1 in empty and trivial-200.
  total         launch -> execute_reply of the last cell
  per cell      execute_request sent -> execute_reply, median over the cells
                of one run; shown for trivial-200 only
  start-up CPU  CPU time (user + system) of the kernel process at its first
                kernel_info_reply; xlazy makes its IPython shell right after
                that reply, so its start-up is only complete after cell 1
                (one-plus-one's total CPU and peak RSS)
  total CPU     CPU time of the kernel process after the last cell; on a
                busy machine the fairer comparison, wall time is inflated by
                whatever else runs
  start-up RSS  VmHWM of the kernel process at its first kernel_info_reply
  peak RSS      VmHWM of the kernel process after the last cell

"bare" has only total (launch -> exit), total CPU and peak RSS. Each table
cell is the median with the spread of the rounds (min-max) beside it.

A first, untimed round warms the disk cache (and matplotlib's font cache).
Its outputs, like those of every round, are checked: the text/plain of each
cell's execute_result, its stream text and its error must be the same for
every variant as for ipykernel. Any difference or error is reported as
MISMATCH or ERROR and makes the exit status 1, whatever the timings.

The tables are followed by the targets of the deferred-imports issue, each a
PASS or FAIL line; they are goals, so they do not change the exit status.
"""

import argparse
import ast
import json
import os
import pathlib
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

import nbformat

from kernels import POLL_INTERVAL_S, launch, variants, zmq_context
from kernels import VARIANT_NAMES as KERNEL_VARIANTS

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPOSITORY / "notebooks" / "bench"
CELL_TIMEOUT_S = 300
REFERENCE = "ipykernel"
BASELINES = ["ipykernel", "xlazy-off", "bare"]  # the ratio columns
BARE = "bare"
VARIANT_NAMES = [*KERNEL_VARIANTS, BARE]
BARE_PYTHON = "/usr/bin/python3"

# (label, key in a run's metrics, unit)
METRICS = [
    ("start-up", "startup_ms", "ms"),
    ("first result", "first_result_ms", "ms"),
    ("total", "total_ms", "ms"),
    ("per cell", "cell_median_ms", "ms"),
    ("start-up CPU", "startup_cpu_ms", "ms"),
    ("total CPU", "total_cpu_ms", "ms"),
    ("start-up RSS", "startup_rss_mib", "MiB"),
    ("peak RSS", "peak_rss_mib", "MiB"),
]
# A median cell time only means something when the cells are alike.
CELL_TIMING_SCENARIOS = {"trivial-200"}


@dataclass
class Target:
    """variant must reach metric <= limit x base_variant's metric in
    base_scenario."""
    scenario: str
    metric: str
    limit: float
    base_variant: str
    base_scenario: str
    variant: str = "xlazy"
    issue: str = "deferred imports"


# The performance targets of the deferred-imports issue, then of the
# kernel-speed issue (#8).
TARGETS = [
    Target("heavy-numpy-only", "first_result_ms", 0.2, "xlazy-off",
           "heavy-numpy-only"),
    Target("heavy-numpy-only", "first_result_ms", 1.1, "xlazy", "numpy-only"),
    Target("trivial-200", "cell_median_ms", 1.1, "xlazy-off", "trivial-200"),
    Target("realistic", "total_ms", 1.0, "xlazy-off", "realistic"),
    Target("heavy-numpy-only", "peak_rss_mib", 0.25, "xlazy-off",
           "heavy-numpy-only"),
    Target("heavy-numpy-only", "total_cpu_ms", 1.0, "ipykernel",
           "heavy-numpy-only", variant="xlazy-off", issue="#8"),
    Target("realistic", "total_ms", 0.95, "ipykernel", "realistic",
           issue="#8"),
    Target("realistic", "total_cpu_ms", 0.95, "ipykernel", "realistic",
           issue="#8"),
    Target("one-plus-one", "startup_ms", 0.35, "ipykernel", "one-plus-one",
           issue="#8"),
    Target("one-plus-one", "first_result_ms", 0.40, "ipykernel",
           "one-plus-one", issue="#8"),
    Target("numpy-only", "total_ms", 2.5, BARE, "numpy-only", issue="#8"),
    # After the first cell: the kernel may finish starting once kernel_info is answered.
    Target("one-plus-one", "peak_rss_mib", 0.6, "ipykernel",
           "one-plus-one", issue="#8"),
    Target("sklearn-fit", "total_ms", 0.60, "ipykernel", "sklearn-fit",
           issue="#9"),
    Target("realistic", "total_ms", 0.75, "ipykernel", "realistic",
           issue="#9"),
]


def all_mode_targets(scenario_names):
    """#9: deferring inside libraries must not make any notebook slower."""
    return [Target(name, "total_ms", 1.02, "xlazy-cell", name, issue="#9")
            for name in scenario_names]


# Notebooks as people write them, summed up in one line of the report.
CORPUS_PREFIX = "corpus-"


@dataclass
class Scenario:
    name: str
    path: pathlib.Path
    cells: list  # code cell sources, in order
    first_result_cell: int  # index into cells


def parse_args(available, variant_names):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5,
                        help="timed runs per variant and scenario "
                             "(default: 5)")
    parser.add_argument("--scenarios", default=",".join(available),
                        help="comma-separated scenarios to run (default: "
                             "all, i.e. " + ",".join(available) + ")")
    parser.add_argument("--variants", default=",".join(variant_names),
                        help="comma-separated kernels to compare (default: "
                             + ",".join(variant_names) + "); ipykernel is "
                             "always one, as every ratio's reference")
    parser.add_argument("--xlazy", metavar="PROGRAM",
                        help="xlazy program to run instead of the one named "
                             "by the 'xlazy' kernelspec")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the raw samples to FILE")
    parser.add_argument("--plot", metavar="FILE.png",
                        help="also draw first result and total as bar charts")
    args = parser.parse_args()
    args.scenarios = args.scenarios.split(",")
    unknown = [name for name in args.scenarios if name not in available]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; "
                     f"available: {', '.join(available)}")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    args.variants = args.variants.split(",")
    unknown = [name for name in args.variants if name not in variant_names]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; "
                     f"available: {', '.join(variant_names)}")
    if REFERENCE not in args.variants:
        args.variants.append(REFERENCE)
    return args


def load_scenario(name):
    path = NOTEBOOK_DIR / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cells = [cell.source for cell in notebook.cells
             if cell.cell_type == "code"]
    if not cells:
        sys.exit(f"error: {path} has no code cell")
    return Scenario(name, path, cells, first_result_cell(cells))


def first_result_cell(cells):
    """Index of the first cell that does more than import; the last cell if
    they all only import."""
    for index, source in enumerate(cells):
        try:
            statements = ast.parse(source).body
        except SyntaxError:  # IPython syntax such as a magic: not an import
            return index
        if not all(isinstance(statement, (ast.Import, ast.ImportFrom))
                   for statement in statements):
            return index
    return len(cells) - 1


def run_notebook(argv, scenario, context, workdir):
    """Run the scenario's cells on a fresh kernel; return (metrics,
    outputs)."""
    reply_ms, cell_ms, outputs = [], [], []
    with launch(argv, context, workdir, iopub=True) as kernel:
        startup_ms = kernel.wait_for_kernel_info()
        startup_cpu_ms = kernel.cpu_ms()
        startup_rss_mib = kernel.status_mib("VmHWM")
        kernel.wait_for_iopub()
        for source in scenario.cells:
            sent = time.perf_counter()
            msg_id = kernel.client.execute(source)
            await_reply(kernel, msg_id)
            reply_ms.append(kernel.ms_since_launch())
            cell_ms.append((time.perf_counter() - sent) * 1000)
            outputs.append(cell_outputs(kernel, msg_id))
        peak_rss_mib = kernel.status_mib("VmHWM")
        total_cpu_ms = kernel.cpu_ms()
    metrics = {
        "startup_ms": startup_ms,
        "startup_cpu_ms": startup_cpu_ms,
        "total_cpu_ms": total_cpu_ms,
        "startup_rss_mib": startup_rss_mib,
        "first_result_ms": reply_ms[scenario.first_result_cell],
        "total_ms": reply_ms[-1],
        "cell_median_ms": statistics.median(cell_ms),
        "peak_rss_mib": peak_rss_mib,
        "reply_ms": reply_ms,
        "cell_ms": cell_ms,
    }
    return metrics, outputs


def run_bare(scenario, workdir):
    """The floor: /usr/bin/python3 running the scenario's cells as one
    script, timed from launch to exit; (metrics, None)."""
    script = "".join(f"exec(compile({source!r}, 'cell-{index}', 'exec'))\n"
                     for index, source in enumerate(scenario.cells, start=1))
    start = time.perf_counter()
    process = subprocess.Popen([BARE_PYTHON, "-c", script], cwd=workdir,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    total_ms = (time.perf_counter() - start) * 1000
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode:
        raise RuntimeError(f"{BARE_PYTHON} failed on {scenario.name}:\n"
                           f"{stderr}")
    return {
        "total_ms": total_ms,
        "total_cpu_ms": (usage.ru_utime + usage.ru_stime) * 1000,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # reported in KiB
    }, None


def await_reply(kernel, msg_id):
    # Replies to the handshake's extra kernel_info requests may still come.
    deadline = time.perf_counter() + CELL_TIMEOUT_S
    while time.perf_counter() < deadline:
        try:
            reply = kernel.client.get_shell_msg(timeout=POLL_INTERVAL_S)
        except queue.Empty:
            kernel.fail_if_exited()
            continue
        if reply["parent_header"].get("msg_id") == msg_id:
            return
    raise RuntimeError(f"no execute_reply within {CELL_TIMEOUT_S} s")


def cell_outputs(kernel, msg_id):
    """What the cell showed, up to its idle status: stream text by stream
    name, the text/plain of its result, its error."""
    shown = {}
    while True:
        try:
            msg = kernel.client.get_iopub_msg(timeout=CELL_TIMEOUT_S)
        except queue.Empty:
            raise RuntimeError(f"no idle status within {CELL_TIMEOUT_S} s "
                               f"after an execute_reply") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        content = msg["content"]
        match msg["msg_type"]:
            case "status" if content["execution_state"] == "idle":
                return shown
            # Kernels split a stream into messages differently; only the
            # text as a whole is what the user reads.
            case "stream":
                shown[content["name"]] = (shown.get(content["name"], "")
                                          + content["text"])
            case "execute_result":
                shown["result"] = content["data"].get("text/plain")
            case "error":
                shown["error"] = f"{content['ename']}: {content['evalue']}"


def run_all(args, argvs, scenarios, context, workdir):
    """Return samples[scenario][variant] (timed rounds only) and
    outputs[scenario][variant] (every round, the warm-up first)."""
    names = list(argvs)
    samples = {s.name: {name: [] for name in names} for s in scenarios}
    outputs = {s.name: {name: [] for name in names} for s in scenarios}
    # Round 0 is the untimed warm-up.
    for round_index in range(args.rounds + 1):
        label = (f"round {round_index}/{args.rounds}" if round_index
                 else "warm-up")
        for scenario in scenarios:
            # Rotate who goes first so no variant always follows the same one.
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                if name == BARE:
                    metrics, shown = run_bare(scenario, workdir)
                else:
                    metrics, shown = run_notebook(argvs[name], scenario,
                                                  context, workdir)
                print(f"{label} {scenario.name} {name}: "
                      f"total {metrics['total_ms'] / 1000:.2f} s",
                      file=sys.stderr, flush=True)
                outputs[scenario.name][name].append(shown)
                if round_index:
                    samples[scenario.name][name].append(metrics)
    return samples, outputs


def values_of(samples, scenario, variant, metric):
    return [run[metric] for run in samples[scenario][variant] if metric in run]


def median_of(samples, scenario, variant, metric):
    """The median over the rounds; None where the variant has no such metric
    (bare has no start-up) or was not run."""
    values = values_of(samples, scenario, variant, metric) if variant in samples[scenario] else []
    return statistics.median(values) if values else None


def ratio(value, base):
    return None if value is None or not base else value / base


def format_value(value, unit):
    if unit == "MiB":
        return f"{value:.1f}"
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def scenario_table(scenario, samples, variant_names, rounds):
    lines = [f"## {scenario.name}", "",
             f"Code cells: {len(scenario.cells)}; first result = cell "
             f"{scenario.first_result_cell + 1}; medians of {rounds} rounds.",
             "",
             "| metric | variant | median | min–max | "
             + " | ".join(f"× {base}" for base in BASELINES) + " |",
             "|---|---|---:|---:|" + "---:|" * len(BASELINES)]
    for label, metric, unit in METRICS:
        if (metric == "cell_median_ms"
                and scenario.name not in CELL_TIMING_SCENARIOS):
            continue
        for variant in variant_names:
            value = median_of(samples, scenario.name, variant, metric)
            if value is None:
                continue
            values = values_of(samples, scenario.name, variant, metric)
            ratios = [ratio(value, median_of(samples, scenario.name, base,
                                             metric))
                      for base in BASELINES]
            lines.append(f"| {label} {unit} | {variant} "
                         f"| {format_value(value, unit)} "
                         f"| {format_value(min(values), unit)}–"
                         f"{format_value(max(values), unit)} | "
                         + " | ".join("—" if r is None else f"{r:.2f}"
                                      for r in ratios)
                         + " |")
    return "\n".join(lines)


def corpus_summary(samples, variant_names):
    """The corpus notebooks' medians added up per variant, wall and CPU."""
    corpus = [name for name in samples if name.startswith(CORPUS_PREFIX)]
    if not corpus:
        return ""
    lines = [f"## Corpus ({len(corpus)} notebooks: {', '.join(corpus)})", "",
             "| variant | total ms | × ipykernel | total CPU ms | × ipykernel |",
             "|---|---:|---:|---:|---:|"]
    sums = {variant: [sum(median_of(samples, name, variant, metric)
                          for name in corpus)
                      for metric in ("total_ms", "total_cpu_ms")]
            for variant in variant_names}
    for variant, (wall, cpu) in sums.items():
        base_wall, base_cpu = sums[REFERENCE]
        lines.append(f"| {variant} | {wall:.0f} | {wall / base_wall:.2f} "
                     f"| {cpu:.0f} | {cpu / base_cpu:.2f} |")
    return "\n".join(lines)


def evaluate_targets(samples):
    """One dict per target: its description, measured ratio (None when a
    scenario it needs was not run) and PASS, FAIL or SKIP."""
    labels = {metric: label for label, metric, _ in METRICS}
    results = []
    for target in TARGETS + all_mode_targets(samples):
        description = (f"[{target.issue}] {target.variant} "
                       f"{target.scenario} {labels[target.metric]} "
                       f"≤ {target.limit} × {target.base_variant}")
        if target.base_scenario != target.scenario:
            description += f" in {target.base_scenario}"
        missing = {target.scenario, target.base_scenario} - samples.keys()
        if missing:
            results.append({"target": description, "ratio": None,
                            "status": "SKIP",
                            "missing": sorted(missing)})
            continue
        measured = ratio(
            median_of(samples, target.scenario, target.variant, target.metric),
            median_of(samples, target.base_scenario, target.base_variant,
                      target.metric))
        if measured is None:
            results.append({"target": description, "ratio": None,
                            "status": "SKIP",
                            "missing": [target.variant, target.base_variant]})
            continue
        results.append({"target": description, "ratio": measured,
                        "status": "PASS" if measured <= target.limit
                        else "FAIL"})
    return results


def without_stderr(shown):
    # What a module warns while it is imported appears in the cell where it runs,
    # which deferral moves (README: What deferral changes); tests/compat checks where.
    return {key: value for key, value in shown.items() if key != "stderr"}


def check_outputs(outputs, scenarios):
    """Problems found in the cells' outputs, each a line of text: errors, and
    differences from ipykernel's warm-up outputs (stderr aside), one line per
    distinct difference with the rounds it occurred in."""
    problems = []
    for scenario in scenarios:
        runs = outputs[scenario.name]
        reference = runs[REFERENCE][0]
        seen = {}  # (variant, cell, shown) -> rounds
        for variant, variant_runs in runs.items():
            if variant == BARE:  # a script shows no cell results
                continue
            for round_index, run in enumerate(variant_runs):
                for cell, (expected, shown) in enumerate(zip(reference, run)):
                    expected, shown = without_stderr(expected), without_stderr(shown)
                    if shown != expected or "error" in shown:
                        shown_text = json.dumps(shown, sort_keys=True)
                        seen.setdefault((variant, cell, shown_text),
                                        []).append(round_index)
        for (variant, cell, shown), rounds in seen.items():
            expected = json.dumps(without_stderr(reference[cell]), sort_keys=True)
            kind = "MISMATCH" if shown != expected else "ERROR"
            problems.append(
                f"{kind} {scenario.name} cell {cell + 1} under {variant} "
                f"(rounds {', '.join(map(str, rounds))}; 0 = warm-up): "
                f"got {shown}"
                + (f", {REFERENCE} gave {expected}" if kind == "MISMATCH"
                   else ""))
    return problems


def plot(path, samples, variant_names):
    # Imported only when a chart is asked for; Agg needs no display.
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenario_names = list(samples)
    figure, axes = plt.subplots(3, 1, figsize=(12, 12))
    width = 0.8 / len(variant_names)
    for axis, metric, title in zip(
            axes, ["first_result_ms", "total_ms", "total_cpu_ms"],
            ["First result (launch → reply)", "Total (launch → last reply)",
             "Kernel CPU time after the last cell"]):
        for offset, variant in enumerate(variant_names):
            # A gap where the variant has no such metric (bare: no first result).
            seconds = [(median_of(samples, scenario, variant, metric)
                        or float("nan")) / 1000
                       for scenario in scenario_names]
            axis.bar([index + (offset - (len(variant_names) - 1) / 2) * width
                      for index in range(len(scenario_names))],
                     seconds, width, label=variant)
        axis.set_title(f"{title}, median")
        axis.set_ylabel("seconds")
        axis.set_xticks(range(len(scenario_names)), scenario_names,
                        rotation=20)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def main():
    available = sorted(path.stem for path in NOTEBOOK_DIR.glob("*.ipynb"))
    args = parse_args(available, VARIANT_NAMES)
    scenarios = [load_scenario(name) for name in args.scenarios]
    every_argv = {**variants(args.xlazy),
                  BARE: [BARE_PYTHON, "-c", "<the notebook's cells>"]}
    argvs = {name: every_argv[name] for name in every_argv
             if name in args.variants}
    variant_names = list(argvs)
    # Let a SIGTERM (a CI timeout, say) unwind through launch()'s clean-up
    # instead of leaving kernels behind.
    signal.signal(signal.SIGTERM, lambda signum, _: sys.exit(128 + signum))
    load_at_start = os.getloadavg()

    context = zmq_context()
    try:
        with tempfile.TemporaryDirectory(prefix="xlazy-bench-") as workdir:
            samples, outputs = run_all(args, argvs, scenarios, context,
                                       workdir)
    finally:
        context.term()

    print("\n\n".join(scenario_table(scenario, samples, variant_names,
                                     args.rounds)
                      for scenario in scenarios))
    summary = corpus_summary(samples, variant_names)
    if summary:
        print("\n" + summary)
    targets = evaluate_targets(samples)
    print("\n## Targets\n")
    for result in targets:
        if result["ratio"] is None:
            detail = f"not measured: needs {', '.join(result['missing'])}"
        else:
            detail = f"measured {result['ratio']:.2f}×"
        print(f"- {result['status']} {result['target']} ({detail})")
    problems = check_outputs(outputs, scenarios)
    print("\n## Output check\n")
    print("\n".join(f"- {problem}" for problem in problems)
          or f"All cell outputs equal {REFERENCE}'s in every round.")
    # Other work on the machine skews the timings; the load shows how much.
    load_at_end = os.getloadavg()
    print(f"\n{args.rounds} rounds, {os.cpu_count()} cores, load average "
          f"{' '.join(f'{x:.2f}' for x in load_at_start)} at start, "
          f"{' '.join(f'{x:.2f}' for x in load_at_end)} at end")

    if args.json:
        with open(args.json, "w") as out:
            json.dump({
                "rounds": args.rounds,
                "cpu_count": os.cpu_count(),
                "loadavg_at_start": load_at_start,
                "loadavg_at_end": load_at_end,
                "argv": argvs,
                "scenarios": {
                    scenario.name: {
                        "notebook": str(scenario.path),
                        "cells": len(scenario.cells),
                        "first_result_cell": scenario.first_result_cell + 1,
                        "runs": samples[scenario.name],
                    } for scenario in scenarios},
                "targets": targets,
                "output_problems": problems,
            }, out, indent=2)
    if args.plot:
        plot(args.plot, samples, variant_names)
    if problems:
        print(f"\n{len(problems)} output problem(s), see 'Output check' "
              "above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
