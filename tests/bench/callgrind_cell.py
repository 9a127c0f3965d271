#!/usr/bin/python3
"""Instructions (callgrind's Ir) a kernel spends to its first kernel_info_reply, to the
reply of a first cell `1+1`, and on one heavy cell, beside /usr/bin/python3 running the
same import. Instruction counts are deterministic and do not depend on the machine's load,
so one run of each is enough to compare interpreter builds (issue #8: the embedded static
libpython against the kernel run inside /usr/bin/python3, XLAZY_IN_PYTHON3).

    /usr/bin/python3 tests/bench/callgrind_cell.py build/kernel/xlazy build-in-python3/kernel/xlazy

The kernel runs with --lazy-mode=off unless told otherwise. In `cell` and `all` mode a
cell's imports run in that cell only if it uses them (`--cell "import pandas as pd; pd.Series([1])"`):
one run per mode then compares what `all` mode's deferral inside libraries costs against
`cell` mode's (issue #9) without the noise of timing. Callgrind
dumps its counts as our interpreter's kernel_info and execute handlers return, so each phase
is the sum of the parts up to its dump. The interpreter
rows import first every module the first kernel had loaded before the cell (IPython, the
kernel's own imports), so they import exactly what the kernel's cell imports; the bare row
is `/usr/bin/python3 -c CELL` minus `/usr/bin/python3 -c pass`.
"""

import argparse
import glob
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from kernels import launch, zmq_context

# Not scikit-learn: scipy.stats fails to import under valgrind (its Boost ufuncs need the x87
# 80-bit long double valgrind does not emulate), under every interpreter alike.
CELL = "import pandas, sympy"
PYTHON = "/usr/bin/python3"
VALGRIND = ["valgrind", "--tool=callgrind"]
KERNEL_INFO_DONE = "xlazy::interpreter::kernel_info_request_impl*"
EXECUTE = "xlazy::interpreter::execute_request_impl*"
# Python's hash seed changes dict layouts and so instruction counts a little.
START_TIMEOUT_S = 900  # start-up runs some fifty times slower under callgrind
ENVIRONMENT = {**os.environ, "PYTHONHASHSEED": "0"}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kernels", nargs="+", metavar="PROGRAM",
                        help="xlazy programs (or XLAZY_IN_PYTHON3 launchers) to measure")
    parser.add_argument("--cell", default=CELL, help=f"the heavy cell (default: {CELL!r})")
    parser.add_argument("--lazy-mode", default="off", choices=["off", "cell", "all"],
                        help="the kernels' --lazy-mode (default: off)")
    parser.add_argument("--without-python", action="store_true",
                        help="measure the kernels only, not /usr/bin/python3")
    return parser.parse_args()


def parts(out_file):
    """(trigger, Ir) of each dump callgrind wrote for out_file, in order."""
    found = []
    for path in glob.glob(out_file + ".*"):
        trigger, instructions = "", None
        with open(path) as dump:
            for line in dump:
                if line.startswith("desc: Trigger:"):
                    trigger = line.split(":", 2)[2].strip()
                elif line.startswith(("summary:", "totals:")):
                    instructions = int(line.split()[1])
        found.append((int(path.rsplit(".", 1)[1]), trigger, instructions))
    return [(trigger, instructions) for _, trigger, instructions in sorted(found)]


def measure_kernel(program, cell, lazy_mode, workdir):
    """Ir from launch to kernel_info_reply, to the first cell's reply, and of `cell`;
    and the modules loaded before `cell`."""
    out_file = os.path.join(workdir, "callgrind.out")
    argv = VALGRIND + [f"--callgrind-out-file={out_file}",
                       f"--dump-after={KERNEL_INFO_DONE}",
                       f"--dump-after={EXECUTE}",
                       program, "-f", "{connection_file}", f"--lazy-mode={lazy_mode}"]
    os.environ["PYTHONHASHSEED"] = "0"
    with launch(argv, zmq_context(), workdir, iopub=True) as kernel:
        wait_for_kernel_info(kernel.client)
        run(kernel.client, "1+1")
        modules = eval(run(kernel.client, "import sys; '\\n'.join(sorted(sys.modules))")).split()
        run(kernel.client, cell)
    dumps = parts(out_file)
    # Callgrind honours only the dump after the execute handler: each cell's part also holds
    # the idle moment before it, receiving its request.
    kernel_info_end = next(i for i, (trigger, _) in enumerate(dumps) if "kernel_info" in trigger)
    executes_end = [i for i, (trigger, _) in enumerate(dumps) if "execute_request" in trigger]
    cumulative = lambda end: sum(instructions for _, instructions in dumps[:end + 1])
    return {
        "to kernel_info_reply": cumulative(kernel_info_end),
        "to first cell reply": cumulative(executes_end[0]),
        "cell": dumps[executes_end[2]][1],
    }, modules


def wait_for_kernel_info(client):
    """One request, patiently: the bench's usual handshake asks again every 50 ms, and
    under callgrind each of those queued requests would be counted in the next phase."""
    msg_id = client.kernel_info()
    while client.get_shell_msg(timeout=START_TIMEOUT_S)["parent_header"].get("msg_id") != msg_id:
        pass


def run(client, code):
    """Run code, return its text/plain result (or None), after its execute_reply."""
    msg_id = client.execute(code)
    reply = client.get_shell_msg(timeout=3600)
    while reply["parent_header"].get("msg_id") != msg_id:  # replies to the start's kernel_info
        reply = client.get_shell_msg(timeout=3600)
    assert reply["content"]["status"] == "ok", reply["content"]
    return last_result(client, msg_id)


def last_result(client, msg_id):
    result = None
    while True:
        msg = client.get_iopub_msg(timeout=600)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_result":
            result = msg["content"]["data"]["text/plain"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return result


def python_instructions(code, out_file):
    subprocess.run(VALGRIND + [f"--callgrind-out-file={out_file}", PYTHON, "-c", code],
                   check=True, env=ENVIRONMENT, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    with open(out_file) as dump:
        return next(int(line.split()[1]) for line in dump if line.startswith(("summary:", "totals:")))


def importable(modules):
    """A program importing the loaded modules /usr/bin/python3 can import by name."""
    names = [name for name in modules if name != "__main__" and not name.startswith("xlazy")]
    return ("import importlib\n"
            f"for name in {names!r}:\n"
            "    try:\n"
            "        importlib.import_module(name)\n"
            "    except Exception:\n"
            "        pass")


def main():
    args = parse_args()
    rows = {}
    preloaded = None
    for program in args.kernels:
        with tempfile.TemporaryDirectory() as workdir:
            rows[program], modules = measure_kernel(program, args.cell, args.lazy_mode, workdir)
        preloaded = preloaded or modules
    print(f"cell: {args.cell}   --lazy-mode={args.lazy_mode}   (Ir, millions)")
    for program, row in rows.items():
        print(f"{program}: to kernel_info_reply {row['to kernel_info_reply'] / 1e6:,.0f}, "
              f"to first cell reply {row['to first cell reply'] / 1e6:,.0f}, "
              f"cell {row['cell'] / 1e6 if row['cell'] else float('nan'):,.0f}", flush=True)
    if args.without_python:
        return
    warm = importable(preloaded)
    programs = [args.cell, "pass", warm + "\n" + args.cell, warm]
    # Four independent runs, side by side: the counts do not depend on it.
    with tempfile.TemporaryDirectory() as workdir, ThreadPoolExecutor(len(programs)) as pool:
        counts = list(pool.map(python_instructions, programs, [f"{workdir}/{i}" for i in range(len(programs))]))
    bare, after_kernel_imports = counts[0] - counts[1], counts[2] - counts[3]
    print(f"{PYTHON} -c CELL minus -c pass: {bare / 1e6:,.0f}")
    print(f"{PYTHON}, the kernel's modules imported first: {after_kernel_imports / 1e6:,.0f}")
    for program, row in rows.items():
        if row["cell"]:
            print(f"{program}: cell {row['cell'] / after_kernel_imports:.3f}x python3")


if __name__ == "__main__":
    sys.exit(main())
