"""Shared fixtures: a running xlazy kernel and a client that runs cells like a notebook does.

The kernel is found through JUPYTER_PATH (set by ctest to the build tree); XLAZY_PROGRAM
names the built program for tests that run it directly.
"""
import os
import queue
import re
import subprocess
import time
from dataclasses import dataclass, field

import pytest
from jupyter_client.manager import KernelManager

KERNEL_NAME = "xlazy"
TIMEOUT = 30


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def plain_traceback(error):
    """An error's traceback as the uncoloured text a user reads."""
    return ANSI_ESCAPE.sub("", "\n".join(error["traceback"]))


@dataclass
class CellResult:
    """What a notebook shows for one cell, plus the execute_reply."""

    reply: dict
    stdout: str = ""
    stderr: str = ""
    results: list = field(default_factory=list)  # execute_result data dicts
    displays: list = field(default_factory=list)  # display_data data dicts
    errors: list = field(default_factory=list)  # error contents
    messages: list = field(default_factory=list)

    @property
    def status(self):
        return self.reply["status"]

    @property
    def text(self):
        """The text/plain of the cell's result, as a notebook displays it."""
        assert self.results, f"cell produced no result: {self}"
        return self.results[-1]["text/plain"]


class Kernel:
    """One kernel process with a blocking client."""

    def __init__(self, extra_arguments=(), env=None, kernel_name=KERNEL_NAME):
        self.manager = KernelManager(kernel_name=kernel_name)
        kernel_env = dict(os.environ)
        kernel_env.update(env or {})
        self.manager.start_kernel(extra_arguments=list(extra_arguments), env=kernel_env)
        if kernel_name == KERNEL_NAME:
            assert_runs_the_built_program(self.pid)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=TIMEOUT)

    @property
    def pid(self):
        return self.manager.provisioner.process.pid

    def execute(self, code, *, allow_stdin=False, stdin_answers=(), timeout=TIMEOUT, **kwargs):
        msg_id = self.client.execute(code, allow_stdin=allow_stdin, **kwargs)
        answers = list(stdin_answers)
        outputs = []
        deadline = time.monotonic() + timeout
        while True:
            if allow_stdin:
                try:
                    request = self.client.get_stdin_msg(timeout=0.05)
                    outputs.append(request)
                    self.client.input(answers.pop(0))
                except queue.Empty:
                    pass
            try:
                message = self.client.get_iopub_msg(timeout=0.05 if allow_stdin else timeout)
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"no idle status for {code!r}")
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            outputs.append(message)
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        result = CellResult(reply=self.shell_reply(msg_id, timeout), messages=outputs)
        for message in outputs:
            content = message["content"]
            kind = message["msg_type"]
            if kind == "stream":
                setattr(result, content["name"], getattr(result, content["name"]) + content["text"])
            elif kind == "execute_result":
                result.results.append(content["data"])
            elif kind == "display_data":
                result.displays.append(content["data"])
            elif kind == "error":
                result.errors.append(content)
        return result

    def value(self, expression):
        """The repr of `expression` evaluated in the kernel, failing the test on error."""
        result = self.execute(expression)
        assert result.status == "ok", result
        return result.text

    def shell_reply(self, msg_id, timeout=TIMEOUT):
        """The reply content to request `msg_id`. Replies to earlier requests are skipped:
        wait_for_ready sends kernel_info repeatedly, and a slow machine answers them all."""
        while True:
            reply = self.client.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply["content"]

    def request(self, send, timeout=TIMEOUT):
        """Send a shell request with `send(client)` and return the reply content."""
        return self.shell_reply(send(self.client), timeout)

    def control(self, msg_type, content, timeout=TIMEOUT):
        message = self.client.session.msg(msg_type, content)
        self.client.control_channel.send(message)
        while True:
            reply = self.client.get_control_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == message["header"]["msg_id"]:
                return reply["content"]

    def interrupt_once_it_prints(self, code, timeout=TIMEOUT):
        """The reply to `code`, interrupted (SIGINT) once its first output arrived and its
        code waits: `code` prints a line, flushed, before it waits."""
        msg_id = self.client.execute(code)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.client.get_iopub_msg(timeout=timeout)
            if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
                break
        time.sleep(0.2)
        self.manager.interrupt_kernel()
        return self.shell_reply(msg_id, timeout)

    def wait_until_busy(self, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.client.get_iopub_msg(timeout=timeout)
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "busy":
                return
        raise TimeoutError("kernel never became busy")

    def shutdown(self):
        self.client.stop_channels()
        if self.manager.has_kernel:
            self.manager.shutdown_kernel(now=False)


def assert_runs_the_built_program(pid):
    """The kernel jupyter_client found on JUPYTER_PATH is the program this build made
    (XLAZY_PROGRAM), not an xlazy installed elsewhere: otherwise the sanitizer build's run
    would silently test another binary."""
    running = os.path.realpath(f"/proc/{pid}/exe")
    built = os.path.realpath(os.environ["XLAZY_PROGRAM"])
    if running == os.path.realpath("/usr/bin/python3"):
        # Built with XLAZY_IN_PYTHON3: the program is a script the interpreter runs.
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            running = os.path.realpath(cmdline.read().split(b"\0")[1].decode())
    assert running == built, f"the kernel under test runs {running}, not the built {built}"


def kernel_with_probes(directory, probes, extra_arguments=(), env=None):
    """A kernel whose PYTHONPATH is `directory`, holding `probes` ({relative path: source}):
    small modules nobody has imported yet. The directory is the kernel's `probe_dir`."""
    for relative, source in probes.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    running = Kernel(extra_arguments, env={"PYTHONPATH": str(directory), **(env or {})})
    running.probe_dir = directory
    return running


@pytest.fixture(scope="module")
def kernel():
    """A kernel shared by the tests of one module; tests must not depend on each other's state."""
    running = Kernel()
    yield running
    running.shutdown()


@pytest.fixture(scope="module", params=["cell", "off"], ids=["deferring", "deferral_off"])
def kernel_in_each_mode(request):
    """A kernel per lazy mode, for behaviours that must not depend on deferral."""
    running = Kernel(env={"XLAZY_MODE": request.param})
    yield running
    running.shutdown()


@pytest.fixture
def fresh_kernel():
    """A kernel of its own, for tests that interrupt, restart or shut it down."""
    running = Kernel()
    yield running
    running.shutdown()


@pytest.fixture
def start_kernel():
    """Start kernels with custom arguments or environment; all are shut down afterwards."""
    started = []

    def start(extra_arguments=(), env=None):
        started.append(Kernel(extra_arguments, env))
        return started[-1]

    yield start
    for running in started:
        running.shutdown()


@pytest.fixture(scope="session")
def xlazy_program():
    return os.environ["XLAZY_PROGRAM"]


def run_program(program, *args, env=None, timeout=TIMEOUT):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([program, *args], capture_output=True, text=True, env=full_env, timeout=timeout)


def process_alive(pid):
    """True while `pid` exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for_exit(pid, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.05)
    return False
