"""Kernel launching shared by the benchmarks: the variants compared, a launch
timed from process start to the first kernel_info_reply, and a clean end."""

import contextlib
import os
import queue
import secrets
import signal
import subprocess
import sys
import time

import psutil
import zmq
import zmq.asyncio
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.connect import write_connection_file
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

POLL_INTERVAL_S = 0.05
START_TIMEOUT_S = 60
SHUTDOWN_TIMEOUT_S = 10


def kernel_argv(specs, name):
    try:
        return specs.get_kernel_spec(name).argv
    except NoSuchKernel:
        sys.exit(f"error: no '{name}' kernelspec found; set JUPYTER_PATH "
                 f"(e.g. to build/share/jupyter)"
                 + (" or pass --xlazy PROGRAM" if name == "xlazy" else ""))


# Each xlazy variant: its name and the options it adds to the kernel's argv
# ("xlazy" runs the default mode, all).
XLAZY_MODES = {"xlazy": [], "xlazy-off": ["--lazy-mode=off"],
               "xlazy-cell": ["--lazy-mode=cell"]}
VARIANT_NAMES = [*XLAZY_MODES, "ipykernel"]


def variants(xlazy_program):
    """The compared kernels by name: their argv with {connection_file}."""
    specs = KernelSpecManager()
    if xlazy_program:
        xlazy = [xlazy_program, "-f", "{connection_file}"]
    else:
        xlazy = kernel_argv(specs, "xlazy")
    return {**{name: xlazy + options for name, options in XLAZY_MODES.items()},
            "ipykernel": kernel_argv(specs, "python3")}


def zmq_context():
    context = zmq.asyncio.Context()
    # zmq retries a refused connection after RECONNECT_IVL plus up to as much
    # again of random jitter; the default 100 ms would dominate the timings.
    context.setsockopt(zmq.RECONNECT_IVL, 5)
    return context


class LaunchedKernel:
    """A kernel process started by launch() and a client connected to it."""

    def __init__(self, client, process, start, stderr_path):
        self.client = client
        self.process = process
        self.start = start  # time.perf_counter() just before the launch
        self.stderr_path = stderr_path
        self._kernel_info_ids = set()

    def ms_since_launch(self):
        return (time.perf_counter() - self.start) * 1000

    def wait_for_kernel_info(self):
        """Return the ms from launch to the first kernel_info_reply.

        Our own handshake: jupyter_client's wait_for_ready adds about 0.2 s of
        settle time that would swamp the differences we measure.
        """
        # Requests sent before the kernel is listening can be lost, so keep
        # asking; any reply to one of our requests ends the wait.
        while time.perf_counter() - self.start < START_TIMEOUT_S:
            self.fail_if_exited()
            self._kernel_info_ids.add(self.client.kernel_info())
            if self._await_reply(self.client.get_shell_msg):
                return self.ms_since_launch()
        raise RuntimeError(f"{self.process.args[0]} did not answer "
                           f"kernel_info within {START_TIMEOUT_S} s:\n"
                           f"{tail(self.stderr_path)}")

    def wait_for_iopub(self):
        """Return once the iopub subscription is known to be live.

        A subscription made while the kernel was starting may not have reached
        it yet, and a cell's outputs published before that would be lost. The
        kernel publishes its status around each kernel_info_request, so seeing
        one of those on iopub proves the subscription; usually it is already
        waiting and this costs about 1 ms.
        """
        deadline = time.perf_counter() + START_TIMEOUT_S
        while not self._await_reply(self.client.get_iopub_msg):
            if time.perf_counter() > deadline:
                raise RuntimeError(f"{self.process.args[0]} published nothing "
                                   f"on iopub within {START_TIMEOUT_S} s")
            self.fail_if_exited()
            self._kernel_info_ids.add(self.client.kernel_info())

    def _await_reply(self, get_msg):
        """Whether get_msg yields, within POLL_INTERVAL_S, a message caused by
        one of our kernel_info requests."""
        deadline = time.perf_counter() + POLL_INTERVAL_S
        while (remaining := deadline - time.perf_counter()) > 0:
            try:
                msg = get_msg(timeout=remaining)
            except queue.Empty:
                return False
            if msg["parent_header"].get("msg_id") in self._kernel_info_ids:
                return True
        return False

    def fail_if_exited(self):
        # waitid with WNOWAIT leaves the kernel unreaped, so its pid (which is
        # also its process group id) stays ours until launch() has killed the
        # group; Popen.poll would reap it.
        status = os.waitid(os.P_PID, self.process.pid,
                           os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if status is not None:
            raise RuntimeError(f"{self.process.args[0]} exited "
                               f"(status {status.si_status}):\n"
                               f"{tail(self.stderr_path)}")

    def cpu_ms(self):
        """CPU time the kernel process has used so far (user + system): unlike
        wall time, the machine's other work hardly inflates it."""
        times = psutil.Process(self.process.pid).cpu_times()
        return (times.user + times.system) * 1000

    def status_mib(self, field):
        """A memory figure of the kernel process, e.g. VmRSS or VmHWM."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024  # reported in kB
        raise RuntimeError(f"no {field} for pid {self.process.pid}")


@contextlib.contextmanager
def launch(argv, context, workdir, iopub=False):
    """Start a kernel and yield a LaunchedKernel; on leaving, shut it down
    and kill anything left in its session, whatever happened meanwhile."""
    connection_file, _ = write_connection_file(
        fname=os.path.join(workdir, "kernel.json"),
        key=secrets.token_hex(32).encode())
    argv = [arg.replace("{connection_file}", connection_file) for arg in argv]

    # The client connects before the kernel exists, so its own set-up is not
    # counted; zmq keeps retrying the connection until the kernel binds.
    client = BlockingKernelClient(context=context)
    client.load_connection_file(connection_file)
    client.start_channels(iopub=iopub, stdin=False, hb=False)
    try:
        stderr_path = os.path.join(workdir, "stderr")
        with open(stderr_path, "wb") as stderr:
            start = time.perf_counter()
            # A session of its own lets us kill anything the kernel spawned.
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL,
                                       stderr=stderr, start_new_session=True)
        try:
            yield LaunchedKernel(client, process, start, stderr_path)
        finally:
            stop(client, process)
    finally:
        client.stop_channels()
        os.remove(connection_file)


def stop(client, process):
    """Ask the kernel to shut down, then kill its whole process group."""
    try:
        client.shutdown()
        wait_unreaped(process.pid, SHUTDOWN_TIMEOUT_S)
    finally:
        # The kernel is not reaped yet, so its pid still names its group:
        # this kill cannot hit an unrelated process that reused the number.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def wait_unreaped(pid, timeout):
    """Wait up to timeout for the child pid to exit, without reaping it."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT):
            return
        time.sleep(0.01)


def tail(path, lines=20):
    with open(path, errors="replace") as f:
        return "".join(f.readlines()[-lines:])
