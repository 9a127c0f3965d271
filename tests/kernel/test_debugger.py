"""The debugger as JupyterLab drives it: debug_request on the control channel, debug_event
on IOPub, with a breakpoint in a function that uses a deferred import, in every lazy mode."""
import queue
import time

import pytest

from conftest import kernel_with_probes

# Each step waits for an answer, never for a fixed time; a loaded 2-core machine can take
# seconds to start debugpy's adapter.
DEBUG_TIMEOUT = 60

PROBES = {
    "probe_scaling.py": "FACTOR = 2\n\n\ndef scale(value):\n    scaled = value * FACTOR\n    return scaled\n",
    "probe_units.py": "UNIT = 'metre'\n",
}

IMPORT_CELL = "import probe_scaling"

# Line numbers below are the cell's, as JupyterLab shows them.
FUNCTION_CELL = """\
def scale_pair(values):
    first = probe_scaling.scale(values[0])
    second = probe_scaling.scale(values[1])
    return [first, second]

pair = scale_pair([3, 4])
"""
BREAKPOINT_LINE = 2


class DebugSession:
    """A front end's side of the Debug Adapter Protocol over Jupyter messages."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.seq = 0
        self.events = []

    def request(self, command, arguments=None):
        self.seq += 1
        message = self.kernel.client.session.msg(
            "debug_request",
            {"type": "request", "seq": self.seq, "command": command, "arguments": arguments or {}},
        )
        self.kernel.client.control_channel.send(message)
        deadline = time.monotonic() + DEBUG_TIMEOUT
        while True:
            try:
                reply = self.kernel.client.get_control_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no debug_reply to {command} within {DEBUG_TIMEOUT} s") from None
            if reply["parent_header"].get("msg_id") == message["header"]["msg_id"]:
                return reply["content"]

    def succeed(self, command, arguments=None):
        reply = self.request(command, arguments)
        assert reply.get("success"), f"{command} failed: {reply}"
        return reply.get("body", {})

    def wait_for_event(self, event):
        deadline = time.monotonic() + DEBUG_TIMEOUT
        while True:
            try:
                message = self.kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(f"no {event!r} debug_event within {DEBUG_TIMEOUT} s; saw {self.events}") from None
            if message["msg_type"] == "debug_event":
                self.events.append(message["content"].get("event"))
                if message["content"].get("event") == event:
                    return message["content"]["body"]

    def top_frame(self, thread_id):
        frames = self.succeed("stackTrace", {"threadId": thread_id})["stackFrames"]
        assert frames, "a stopped thread has no stack frames"
        return frames[0]

    def locals_of(self, frame):
        scopes = self.succeed("scopes", {"frameId": frame["id"]})["scopes"]
        reference = next(scope["variablesReference"] for scope in scopes if scope["name"] == "Locals")
        variables = self.succeed("variables", {"variablesReference": reference})["variables"]
        return {variable["name"]: variable["value"] for variable in variables}


def attached_session(tmp_path, mode):
    """A kernel in one lazy mode, the probe module imported in a cell, a debugger attached."""
    kernel = kernel_with_probes(tmp_path, PROBES, env={"XLAZY_MODE": mode})
    kernel.mode = mode
    session = DebugSession(kernel)
    try:
        assert kernel.execute(IMPORT_CELL).status == "ok"
        session.succeed(
            "initialize",
            {
                "clientID": "jupyterlab",
                "clientName": "JupyterLab",
                "adapterID": "python",
                "pathFormat": "path",
                "linesStartAt1": True,
                "columnsStartAt1": True,
                "supportsVariableType": True,
                "supportsVariablePaging": True,
                "supportsRunInTerminalRequest": True,
                "locale": "en",
            },
        )
        session.succeed("attach")
    except BaseException:
        kernel.shutdown()
        raise
    return session


@pytest.fixture(params=["off", "cell", "all"], ids=lambda mode: f"lazy_mode_{mode}")
def debugged(request, tmp_path):
    session = attached_session(tmp_path, request.param)
    yield session
    session.kernel.shutdown()


@pytest.fixture
def debugged_while_deferring(tmp_path):
    session = attached_session(tmp_path, "cell")
    yield session
    session.kernel.shutdown()


def probe_module_ran(kernel, module="probe_scaling"):
    return kernel.value(f"{module!r} in __import__('sys').modules") == "True"


def test_breakpoint_in_a_function_using_a_deferred_import_stops_steps_and_continues(debugged):
    kernel = debugged.kernel
    assert probe_module_ran(kernel) == (kernel.mode == "off")

    source = debugged.succeed("dumpCell", {"code": FUNCTION_CELL})["sourcePath"]
    breakpoints = debugged.succeed(
        "setBreakpoints",
        {"source": {"path": source}, "breakpoints": [{"line": BREAKPOINT_LINE}], "sourceModified": False},
    )["breakpoints"]
    assert [(point["verified"], point["line"]) for point in breakpoints] == [(True, BREAKPOINT_LINE)]
    info = debugged.succeed("debugInfo")
    assert info["isStarted"] and source in [entry["source"] for entry in info["breakpoints"]]
    debugged.succeed("configurationDone")

    cell_id = kernel.client.execute(FUNCTION_CELL)
    stopped = debugged.wait_for_event("stopped")
    assert stopped["reason"] == "breakpoint"
    thread = stopped["threadId"]
    frame = debugged.top_frame(thread)
    assert (frame["name"], frame["line"], frame["source"]["path"]) == ("scale_pair", BREAKPOINT_LINE, source)
    assert debugged.locals_of(frame) == {"values": "[3, 4]"}

    debugged.succeed("next", {"threadId": thread})
    assert debugged.wait_for_event("stopped")["reason"] == "step"
    frame = debugged.top_frame(thread)
    assert frame["line"] == BREAKPOINT_LINE + 1
    assert debugged.locals_of(frame) == {"values": "[3, 4]", "first": "6"}

    debugged.succeed("stepIn", {"threadId": thread})
    assert debugged.wait_for_event("stopped")["reason"] == "step"
    frame = debugged.top_frame(thread)
    assert frame["name"] == "scale"
    assert frame["source"]["path"] == str(kernel.probe_dir / "probe_scaling.py")

    # debugpy groups functions and dunders under "function variables" / "special variables".
    globals_at_breakpoint = debugged.succeed("inspectVariables")["variables"]
    assert "probe_scaling" in [variable["name"] for variable in globals_at_breakpoint]

    debugged.succeed("continue", {"threadId": thread})
    reply = kernel.shell_reply(cell_id, timeout=DEBUG_TIMEOUT)
    assert reply["status"] == "ok"
    assert kernel.value("pair") == "[6, 8]"
    assert probe_module_ran(kernel)

    debugged.request("disconnect", {"restart": False, "terminateDebuggee": True})
    assert kernel.value("probe_scaling.scale(5)") == "10"


def test_inspect_variables_lists_the_namespace_without_running_pending_imports(debugged_while_deferring):
    debugged = debugged_while_deferring
    assert debugged.kernel.execute("answer = 42\nfrom probe_units import UNIT").status == "ok"
    variables = {variable["name"]: variable for variable in debugged.succeed("inspectVariables")["variables"]}
    assert variables["answer"]["value"] == "42"
    assert variables["probe_scaling"]["type"] == "module"
    assert variables["probe_scaling"]["value"].startswith("<module 'probe_scaling' from ")
    assert variables["UNIT"]["type"] == "pending_import"
    assert not probe_module_ran(debugged.kernel, "probe_scaling")
    assert not probe_module_ran(debugged.kernel, "probe_units")


def test_the_debuggers_log_stays_out_of_the_notebook(debugged_while_deferring):
    debugged = debugged_while_deferring
    # xeus logs "XDEBUGGER: the debugger has started" and "XDEBUGGER: dumped <file>" on stderr.
    debugged.succeed("dumpCell", {"code": FUNCTION_CELL})
    result = debugged.kernel.execute("print('cell output')")
    assert result.status == "ok"
    assert (result.stdout, result.stderr) == ("cell output\n", "")
