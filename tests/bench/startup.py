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
import queue
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import zmq
import zmq.asyncio
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.connect import write_connection_file
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

POLL_INTERVAL_S = 0.05
START_TIMEOUT_S = 60
SHUTDOWN_TIMEOUT_S = 10


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


def kernel_argv(specs, name):
    try:
        return specs.get_kernel_spec(name).argv
    except NoSuchKernel:
        sys.exit(f"error: no '{name}' kernelspec found; set JUPYTER_PATH "
                 f"(e.g. to build/share/jupyter)"
                 + (" or pass --xlazy PROGRAM" if name == "xlazy" else ""))


def variants(xlazy_program):
    specs = KernelSpecManager()
    if xlazy_program:
        xlazy = [xlazy_program, "-f", "{connection_file}"]
    else:
        xlazy = kernel_argv(specs, "xlazy")
    return {
        "xlazy": xlazy,
        "xlazy-off": xlazy + ["--lazy-mode=off"],
        "ipykernel": kernel_argv(specs, "python3"),
    }


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024  # reported in kB
    raise RuntimeError(f"no VmRSS for pid {pid}")


def measure_start(argv, context, workdir):
    """Launch one kernel, return (ms until kernel_info_reply, RSS MiB)."""
    connection_file, _ = write_connection_file(
        fname=os.path.join(workdir, "kernel.json"),
        key=secrets.token_hex(32).encode())
    argv = [arg.replace("{connection_file}", connection_file) for arg in argv]

    # The client connects before the kernel exists, so its own set-up is not
    # counted; zmq keeps retrying the connection until the kernel binds.
    client = BlockingKernelClient(context=context)
    client.load_connection_file(connection_file)
    client.start_channels(iopub=False, stdin=False, hb=False)
    stderr_path = os.path.join(workdir, "stderr")
    with open(stderr_path, "wb") as stderr:
        start = time.perf_counter()
        # A session of its own lets us kill anything the kernel spawned.
        kernel = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.DEVNULL, stderr=stderr,
                                  start_new_session=True)
    try:
        elapsed_ms = wait_for_kernel_info(client, kernel, start, stderr_path)
        rss = rss_mib(kernel.pid)
        client.shutdown()
        kernel.wait(SHUTDOWN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        pass  # a slow shutdown is not what we measure; the kill below ends it
    finally:
        if kernel.poll() is None:
            os.killpg(kernel.pid, signal.SIGKILL)
            kernel.wait()
        client.stop_channels()
        os.remove(connection_file)
    return elapsed_ms, rss


def wait_for_kernel_info(client, kernel, start, stderr_path):
    # Requests sent before the kernel is listening can be lost, so keep
    # asking; any reply to one of our requests ends the wait.
    sent = set()
    while time.perf_counter() - start < START_TIMEOUT_S:
        if kernel.poll() is not None:
            raise RuntimeError(f"{kernel.args[0]} exited with code "
                               f"{kernel.returncode}:\n{tail(stderr_path)}")
        sent.add(client.kernel_info())
        deadline = time.perf_counter() + POLL_INTERVAL_S
        while (remaining := deadline - time.perf_counter()) > 0:
            try:
                reply = client.get_shell_msg(timeout=remaining)
            except queue.Empty:
                break
            if reply["parent_header"].get("msg_id") in sent:
                return (time.perf_counter() - start) * 1000
    raise RuntimeError(f"{kernel.args[0]} did not answer kernel_info within "
                       f"{START_TIMEOUT_S} s:\n{tail(stderr_path)}")


def tail(path, lines=20):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])


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

    context = zmq.asyncio.Context()
    # zmq retries a refused connection after RECONNECT_IVL plus up to as much
    # again of random jitter; the default 100 ms would dominate the timings.
    context.setsockopt(zmq.RECONNECT_IVL, 5)
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
