#!/usr/bin/python3
"""Benchmark kernel start-up: time from launching the process to its first
kernel_info_reply, plus its resident memory at that moment.

Compares xlazy (default cell mode), xlazy --lazy-mode=off and ipykernel in one
alternated run, so that machine noise spreads evenly over the variants.

    JUPYTER_PATH=build/share/jupyter /usr/bin/python3 tests/bench/startup.py

The handshake is our own rather than jupyter_client's wait_for_ready, which
adds about 0.2 s of settle time that would swamp the differences we measure.
"""

import argparse
import json
import os
import statistics
import tempfile

from kernels import launch, variants, zmq_context


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=15,
                        help="timed launches per variant (default: 15)")
    parser.add_argument("--xlazy", metavar="PROGRAM",
                        help="xlazy program to run instead of the one named "
                             "by the 'xlazy' kernelspec")
    parser.add_argument("--json", metavar="FILE",
                        help="also write the raw samples to FILE")
    return parser.parse_args()


def measure_start(argv, context, workdir):
    """Launch one kernel, return (ms until kernel_info_reply, RSS MiB)."""
    with launch(argv, context, workdir) as kernel:
        elapsed_ms = kernel.wait_for_kernel_info()
        rss = kernel.status_mib("VmRSS")
    return elapsed_ms, rss


def report(samples, rounds, load):
    medians = {name: statistics.median(ms for ms, _ in runs)
               for name, runs in samples.items()}
    print("| variant | median ms | min ms | median RSS MiB "
          "| × ipykernel | × xlazy-off |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, runs in samples.items():
        print(f"| {name} | {medians[name]:.0f} "
              f"| {min(ms for ms, _ in runs):.0f} "
              f"| {statistics.median(rss for _, rss in runs):.1f} "
              f"| {medians[name] / medians['ipykernel']:.2f} "
              f"| {medians[name] / medians['xlazy-off']:.2f} |")
    print(f"\n{rounds} rounds, {os.cpu_count()} cores, load average at start "
          + " ".join(f"{x:.2f}" for x in load))


def main():
    args = parse_args()
    argvs = variants(args.xlazy)
    names = list(argvs)
    load = os.getloadavg()
    samples = {name: [] for name in names}

    context = zmq_context()
    with tempfile.TemporaryDirectory(prefix="xlazy-bench-") as workdir:
        # An untimed launch of each variant first, so that no timed round
        # pays for a cold disk cache.
        for name in names:
            measure_start(argvs[name], context, workdir)
        for round_index in range(args.rounds):
            # Rotate who goes first so no variant always follows the same one.
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                samples[name].append(
                    measure_start(argvs[name], context, workdir))
    context.term()

    report(samples, args.rounds, load)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({
                "rounds": args.rounds,
                "cpu_count": os.cpu_count(),
                "loadavg_at_start": load,
                "argv": argvs,
                "samples": {name: [{"ms": ms, "rss_mib": rss}
                                   for ms, rss in runs]
                            for name, runs in samples.items()},
            }, out, indent=2)


if __name__ == "__main__":
    main()
