#!/usr/bin/python3
"""Benchmark a cell that prints 100 000 short lines: time from execute_request to its
reply, and how many stream messages the front end receives, for xlazy and ipykernel in
one alternated run (medians).

    JUPYTER_PATH=build/share/jupyter /usr/bin/python3 tests/bench/print_flood.py
"""

import argparse
import statistics
import time

from jupyter_client.manager import start_new_kernel

CELL = "for i in range(100_000):\n    print(i)"
KERNELS = {"xlazy": "xlazy", "ipykernel": "python3"}


def run_flood(client):
    """(seconds from request to reply, stream messages) for one run of CELL."""
    started = time.perf_counter()
    msg_id = client.execute(CELL)
    streams = 0
    while True:
        message = client.get_iopub_msg(timeout=300)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            streams += 1
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    while client.get_shell_msg(timeout=300)["parent_header"].get("msg_id") != msg_id:
        pass
    return time.perf_counter() - started, streams


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs per kernel (default: 5)")
    rounds = parser.parse_args().rounds
    started = {name: start_new_kernel(kernel_name=spec) for name, spec in KERNELS.items()}
    samples = {name: [] for name in KERNELS}
    try:
        for _ in range(rounds):
            for name, (_, client) in started.items():
                samples[name].append(run_flood(client))
    finally:
        for manager, client in started.values():
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    reference = statistics.median(seconds for seconds, _ in samples["ipykernel"])
    print(f"100 000 prints, {rounds} alternated rounds, medians")
    print("| kernel | seconds | stream messages | × ipykernel |")
    print("|---|---:|---:|---:|")
    for name, runs in samples.items():
        seconds = statistics.median(s for s, _ in runs)
        messages = statistics.median(m for _, m in runs)
        print(f"| {name} | {seconds:.2f} | {messages:.0f} | {seconds / reference:.2f} |")


if __name__ == "__main__":
    main()
