"""A peer on the kernel's ports, with or without the key, cannot crash, hang or fool the
kernel: raw ZeroMQ clients that sign, mis-sign or do not sign, sending what no front end
would. Everything dropped leaves a line in the kernel's log, never in a cell's output, and
every signed request the kernel cannot serve gets an error reply between busy and idle."""
import json
import os
import queue
import time
import uuid

import pytest
import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

from conftest import TIMEOUT, Kernel, assert_runs_the_built_program, wait_for_exit

DELIMITER = b"<IDS|MSG>"
QUIET = 0.5  # how long to listen for a message that must not come


class LoggedKernel(Kernel):
    """A kernel whose own stderr (the terminal, where it logs) goes to a file."""

    def __init__(self, log_path):  # Kernel.__init__ offers no way to pass stderr
        self.log_path = log_path
        self._log = open(log_path, "w")
        self.manager = KernelManager(kernel_name="xlazy")
        self.manager.start_kernel(env=dict(os.environ), stderr=self._log)
        assert_runs_the_built_program(self.pid)
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=TIMEOUT)

    def log(self):
        return self.log_path.read_text(errors="replace")

    def shutdown(self):
        super().shutdown()
        self._log.close()


class Peer:
    """Raw sockets on the kernel's ports, and a session holding the real key."""

    def __init__(self, kernel):
        self.kernel = kernel
        info = kernel.manager.get_connection_info()
        self.info = info
        self.session = Session(key=info["key"], signature_scheme=info["signature_scheme"])
        self.context = zmq.Context()
        self.sockets = []

    def socket(self, channel, identity=None):
        socket = self.context.socket(zmq.DEALER)
        socket.linger = 0
        if identity is not None:
            socket.identity = identity
        separator = ":" if self.info["transport"] == "tcp" else "-"
        socket.connect(f"{self.info['transport']}://{self.info['ip']}{separator}{self.info[channel + '_port']}")
        self.sockets.append(socket)
        return socket

    def frames(self, msg_type, content, *, header=None, parent=None):
        """The four JSON frames of a message, as bytes."""
        message = self.session.msg(msg_type, content, parent=parent or {})
        if header is not None:
            message["header"].update(header)
        return [self.session.pack(message[part]) for part in ("header", "parent_header", "metadata", "content")]

    def signed(self, parts):
        return [DELIMITER, self.session.sign(parts)] + parts

    def close(self):
        for socket in self.sockets:
            socket.close()
        self.context.term()


def header_of(parts):
    return json.loads(parts[0])


def reply_to(peer, socket, msg_id, timeout=TIMEOUT):
    """The reply on a raw socket to request `msg_id`, its signature checked with the key."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if socket.poll(100):
            _, frames = peer.session.feed_identities(socket.recv_multipart())
            message = peer.session.deserialize(frames)
            if message["parent_header"].get("msg_id") == msg_id:
                return message
    raise TimeoutError(f"no reply to {msg_id}")


def no_reply(socket, wait=QUIET):
    return socket.poll(int(wait * 1000)) == 0


def statuses_for(kernel, msg_id, timeout=TIMEOUT):
    """The execution states published for request `msg_id`, up to its idle."""
    states = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            message = kernel.client.get_iopub_msg(timeout=0.2)
        except queue.Empty:
            continue
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "status":
            states.append(message["content"]["execution_state"])
            if states[-1] == "idle":
                return states
    raise TimeoutError(f"no idle status for {msg_id}, saw {states}")


def answers(kernel):
    result = kernel.execute("6 * 7")
    return result.status == "ok" and result.text == "42"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    running = LoggedKernel(tmp_path_factory.mktemp("log") / "kernel.log")
    yield running
    running.shutdown()


@pytest.fixture
def peer(kernel):
    connected = Peer(kernel)
    yield connected
    connected.close()


def log_grows(kernel, before, needle, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in kernel.log()[before:]:
            return True
        time.sleep(0.05)
    return False


MALFORMED = {
    "delimiter_and_one_frame": lambda parts: [DELIMITER, b"x"],
    "delimiter_and_four_frames": lambda parts: [DELIMITER] + parts,
    "no_delimiter": lambda parts: [b"sig"] + parts,
    "empty_frames": lambda parts: [DELIMITER, b"", b"", b"", b"", b""],
    "only_empty_frames": lambda parts: [b"", b"", b""],
    "huge_frame": lambda parts: [DELIMITER, b"0" * 64, b"{" * (32 << 20), b"{}", b"{}", b"{}"],
}


# --- frames and signatures -------------------------------------------------------------


@pytest.mark.parametrize("channel", ["shell", "control"])
@pytest.mark.parametrize("shape", list(MALFORMED), ids=list(MALFORMED))
def test_malformed_frames_are_dropped_with_a_log_line(kernel, peer, channel, shape):
    before = len(kernel.log())
    socket = peer.socket(channel)
    socket.send_multipart(MALFORMED[shape](peer.frames("kernel_info_request", {})))
    assert log_grows(kernel, before, f"on {channel}")
    assert no_reply(socket, 0.1)
    assert answers(kernel)


def test_malformed_frames_on_stdin_are_dropped(kernel, peer):
    before = len(kernel.log())
    socket = peer.socket("stdin")
    for shape in MALFORMED.values():
        socket.send_multipart(shape(peer.frames("input_reply", {"value": "x"})))
    assert log_grows(kernel, before, "on stdin")
    assert answers(kernel)


def test_signature_with_extra_bytes_is_rejected(kernel, peer):
    kernel.execute("extra_bytes_ran = False")
    parts = peer.frames("execute_request", {"code": "extra_bytes_ran = True", "silent": False})
    socket = peer.socket("shell")
    socket.send_multipart([DELIMITER, peer.session.sign(parts) + b"00"] + parts)
    assert no_reply(socket)
    assert kernel.value("extra_bytes_ran") == "False"


@pytest.mark.parametrize("mangle", [lambda s: s[:-2], lambda s: s.upper(), lambda s: b"", lambda s: b"0" * len(s)],
                         ids=["truncated", "upper_case", "empty", "zeros"])
def test_wrong_signatures_are_rejected(kernel, peer, mangle):
    kernel.execute("wrongly_signed_ran = False")
    parts = peer.frames("execute_request", {"code": "wrongly_signed_ran = True", "silent": False})
    socket = peer.socket("shell")
    socket.send_multipart([DELIMITER, mangle(peer.session.sign(parts))] + parts)
    assert no_reply(socket)
    assert kernel.value("wrongly_signed_ran") == "False"


def test_replayed_message_runs_once(kernel, peer):
    kernel.execute("replays = 0")
    parts = peer.frames("execute_request", {"code": "replays += 1", "silent": False})
    socket = peer.socket("shell")
    for _ in range(4):
        socket.send_multipart(peer.signed(parts))
    reply_to(peer, socket, header_of(parts)["msg_id"])
    assert no_reply(socket)
    assert kernel.value("replays") == "1"


def test_unauthenticated_text_never_reaches_a_cell_or_the_log(kernel, peer):
    before = len(kernel.log())
    lure = b"Session expired, log in again at http://example.invalid/login"
    header = b'{"msg_type": "execute_request", "msg_id": "' + lure
    peer.socket("shell").send_multipart([DELIMITER, b"", header, b"{}", b"{}", b"{}"])
    assert log_grows(kernel, before, "wrong signature")
    result = kernel.execute("print('after')")
    assert result.stdout == "after\n" and result.stderr == ""
    assert b"Session expired" not in kernel.log()[before:].encode()


# --- requests the kernel cannot serve ------------------------------------------------------


def send_signed(peer, channel, parts):
    socket = peer.socket(channel)
    socket.send_multipart(peer.signed(parts))
    return socket, header_of(parts)["msg_id"]


def assert_error_reply(kernel, peer, socket, msg_id, reply_type, mentioning):
    reply = reply_to(peer, socket, msg_id)
    assert reply["msg_type"] == reply_type
    assert reply["content"]["status"] == "error"
    assert mentioning in reply["content"]["evalue"]
    assert statuses_for(kernel, msg_id) == ["busy", "idle"]


def test_invalid_utf8_in_content_gets_an_error_reply(kernel, peer):
    parts = peer.frames("execute_request", {"code": "1", "silent": False})
    parts[3] = b'{"code": "\xff\xfe", "silent": false}'
    socket, msg_id = send_signed(peer, "shell", parts)
    assert_error_reply(kernel, peer, socket, msg_id, "execute_reply", "not valid JSON")
    assert answers(kernel)


def test_lone_surrogate_escape_gets_an_error_reply(kernel, peer):
    parts = peer.frames("execute_request", {"code": "1", "silent": False})
    parts[3] = b'{"code": "\'\\udcff\'", "silent": false}'  # what json.dumps("\udcff") writes
    socket, msg_id = send_signed(peer, "shell", parts)
    assert_error_reply(kernel, peer, socket, msg_id, "execute_reply", "lone surrogate")
    assert answers(kernel)


@pytest.mark.parametrize("field", ["silent", "store_history", "stop_on_error", "allow_stdin"])
def test_flag_of_the_wrong_type_gets_an_error_reply(kernel, peer, field):
    socket, msg_id = send_signed(peer, "shell", peer.frames("execute_request", {"code": "1", field: "yes"}))
    assert_error_reply(kernel, peer, socket, msg_id, "execute_reply", f"'{field}' must be true or false")


def test_missing_code_gets_an_error_reply(kernel, peer):
    socket, msg_id = send_signed(peer, "shell", peer.frames("execute_request", {"silent": False}))
    assert_error_reply(kernel, peer, socket, msg_id, "execute_reply", "no 'code' field")


def test_unknown_request_type_gets_an_error_reply(kernel, peer):
    socket, msg_id = send_signed(peer, "shell", peer.frames("frobnicate_request", {}))
    assert_error_reply(kernel, peer, socket, msg_id, "frobnicate_reply", "unknown message type")


def test_numeric_message_type_goes_busy_then_idle(kernel, peer):
    # As ipykernel answers an unknown message type: no reply, never left busy.
    socket, msg_id = send_signed(peer, "shell", peer.frames("x", {}, header={"msg_type": 5}))
    assert statuses_for(kernel, msg_id) == ["busy", "idle"]
    assert no_reply(socket, 0.1)
    assert answers(kernel)


def test_debug_request_with_empty_content_gets_an_error_reply(kernel, peer):
    socket, msg_id = send_signed(peer, "control", peer.frames("debug_request", {}))
    assert_error_reply(kernel, peer, socket, msg_id, "debug_reply", "debug_request")
    assert kernel.control("kernel_info_request", {})["status"] == "ok"


def test_debug_request_with_garbage_content_gets_an_error_reply(kernel, peer):
    parts = peer.frames("debug_request", {})
    parts[3] = b"[1, 2, 3]"
    socket, msg_id = send_signed(peer, "control", parts)
    assert_error_reply(kernel, peer, socket, msg_id, "debug_reply", "must be a JSON object")
    assert kernel.control("kernel_info_request", {})["status"] == "ok"


def test_execute_request_on_control_is_not_executed(kernel, peer):
    kernel.execute("ran_on_control = False")
    parts = peer.frames("execute_request", {"code": "ran_on_control = True", "silent": False})
    socket, msg_id = send_signed(peer, "control", parts)
    assert_error_reply(kernel, peer, socket, msg_id, "execute_reply", "must be sent on the shell channel")
    assert kernel.value("ran_on_control") == "False"


# --- stdin -------------------------------------------------------------------------------


def start_input(kernel, code="print('got', input('name? '))"):
    msg_id = kernel.client.execute(code, allow_stdin=True)
    request = kernel.client.get_stdin_msg(timeout=TIMEOUT)
    assert request["msg_type"] == "input_request"
    return msg_id, request


def finish_input(kernel, msg_id, answer):
    kernel.client.input(answer)
    reply = kernel.shell_reply(msg_id)
    output = ""
    while True:
        message = kernel.client.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            output += message["content"]["text"]
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return reply, output


def still_waiting(kernel, msg_id):
    """True when request `msg_id` got no reply for a while: its input() still waits."""
    deadline = time.monotonic() + QUIET
    while time.monotonic() < deadline:
        try:
            reply = kernel.client.get_shell_msg(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            return True
        if reply["parent_header"].get("msg_id") == msg_id:
            return False
    return True


def test_foreign_messages_on_stdin_do_not_answer_a_waiting_input(kernel, peer):
    msg_id, request = start_input(kernel)
    identity = kernel.client.session.bsession  # the front end's own routing identity
    unsigned = peer.socket("stdin", identity=b"intruder")
    parts = peer.frames("input_reply", {"value": "hijacked"}, parent=request["header"])
    unsigned.send_multipart([DELIMITER, b""] + parts)
    unsigned.send_multipart([DELIMITER, b"0" * 64] + parts)
    other_peer = peer.socket("stdin", identity=b"someone-else")
    other_peer.send_multipart(peer.signed(peer.frames("input_reply", {"value": "other peer"}, parent=request["header"])))
    impostor = peer.socket("stdin", identity=identity + b"x")
    impostor.send_multipart(peer.signed(peer.frames("execute_request", {"code": "1"})))
    assert still_waiting(kernel, msg_id)
    reply, output = finish_input(kernel, msg_id, "Ada")
    assert reply["status"] == "ok"
    assert output == "got Ada\n"


def test_reply_to_another_input_request_is_ignored(kernel, peer):
    msg_id, request = start_input(kernel)
    stale = dict(request["header"], msg_id=str(uuid.uuid4()))
    kernel.client.stdin_channel.send(kernel.client.session.msg("input_reply", {"value": "stale"}, parent=stale))
    assert still_waiting(kernel, msg_id)
    assert finish_input(kernel, msg_id, "Grace")[1] == "got Grace\n"


def test_malformed_frames_while_input_waits_are_dropped(kernel, peer):
    msg_id, _ = start_input(kernel)
    socket = peer.socket("stdin", identity=kernel.client.session.bsession)
    for shape in MALFORMED.values():
        socket.send_multipart(shape(peer.frames("input_reply", {"value": "x"})))
    assert still_waiting(kernel, msg_id)
    assert finish_input(kernel, msg_id, "Linus")[1] == "got Linus\n"


def test_input_reply_queued_while_idle_does_not_answer_the_next_input(kernel, peer):
    kernel.client.input("queued early")
    time.sleep(0.2)
    msg_id, _ = start_input(kernel)
    assert still_waiting(kernel, msg_id)
    assert finish_input(kernel, msg_id, "on time")[1] == "got on time\n"


def test_getpass_is_protected_like_input(kernel, peer):
    msg_id, request = start_input(kernel, "import getpass; print('len', len(getpass.getpass('pw? ')))")
    socket = peer.socket("stdin", identity=kernel.client.session.bsession)
    socket.send_multipart([DELIMITER, b""] + peer.frames("input_reply", {"value": "x"}))
    assert still_waiting(kernel, msg_id)
    assert finish_input(kernel, msg_id, "secret")[1] == "len 6\n"


def test_control_channel_answers_while_input_waits(kernel):
    msg_id, _ = start_input(kernel)
    assert kernel.control("kernel_info_request", {}, timeout=5)["status"] == "ok"
    assert finish_input(kernel, msg_id, "still here")[1] == "got still here\n"


def test_interrupt_request_interrupts_a_waiting_input(kernel):
    msg_id, _ = start_input(kernel)
    kernel.control("interrupt_request", {}, timeout=5)
    reply = kernel.shell_reply(msg_id, timeout=5)
    assert (reply["status"], reply["ename"]) == ("error", "KeyboardInterrupt")
    statuses_for(kernel, msg_id)
    kernel.client.input("too late")  # must not answer the next input()
    time.sleep(0.2)
    msg_id, _ = start_input(kernel)
    assert still_waiting(kernel, msg_id)
    assert finish_input(kernel, msg_id, "next")[1] == "got next\n"


def test_sigint_interrupts_a_waiting_input(kernel):
    msg_id, _ = start_input(kernel)
    kernel.manager.interrupt_kernel()
    reply = kernel.shell_reply(msg_id, timeout=5)
    assert (reply["status"], reply["ename"]) == ("error", "KeyboardInterrupt")
    statuses_for(kernel, msg_id)
    assert answers(kernel)


# --- shutdown on shell ---------------------------------------------------------------------


def test_shutdown_request_on_shell_replies_there_and_ends_the_kernel(tmp_path):
    # ipykernel 6.17 serves shutdown_request on shell too: it replies on shell and exits.
    kernel = LoggedKernel(tmp_path / "kernel.log")
    try:
        message = kernel.client.session.msg("shutdown_request", {"restart": False})
        kernel.client.shell_channel.send(message)
        reply = kernel.shell_reply(message["header"]["msg_id"], timeout=10)
        assert reply["restart"] is False
        assert wait_for_exit(kernel.pid, timeout=10)
        assert kernel.manager.provisioner.process.wait(timeout=10) == 0
    finally:
        kernel.shutdown()
