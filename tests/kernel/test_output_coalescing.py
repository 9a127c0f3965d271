"""Printing in a loop does not flood the front end: stream text is gathered into few
messages (at most every 0.2 s or 256 KiB, as ipykernel does), in the order it was written,
and always ahead of whatever the cell shows next (display, clear_output, result, error)."""
import os
import time

import pytest

from conftest import Kernel


@pytest.fixture(scope="module")
def kernel_for_output():
    running = Kernel()
    yield running
    running.shutdown()


def outputs(result):
    """The cell's outputs in order: (kind, stream name or '', text or data)."""
    shown = []
    for message in result.messages:
        kind, content = message["msg_type"], message["content"]
        if kind == "stream":
            shown.append(("stream", content["name"], content["text"]))
        elif kind in ("display_data", "execute_result"):
            shown.append((kind, "", content["data"].get("text/plain")))
        elif kind in ("clear_output", "error"):
            shown.append((kind, "", ""))
    return shown


def test_a_hundred_thousand_prints_arrive_whole_in_a_handful_of_messages(kernel_for_output):
    result = kernel_for_output.execute("for i in range(100_000):\n    print(i)", timeout=120)
    assert result.status == "ok"
    assert result.stdout == "".join(f"{i}\n" for i in range(100_000))
    streams = [message for message in result.messages if message["msg_type"] == "stream"]
    assert len(streams) <= 50, f"{len(streams)} stream messages for one loop"


def test_stdout_and_stderr_keep_their_interleaving(kernel_for_output):
    result = kernel_for_output.execute(
        "import sys\nprint('out 1'); print('err 1', file=sys.stderr); print('out 2'); print('out 3')")
    assert outputs(result) == [("stream", "stdout", "out 1\n"), ("stream", "stderr", "err 1\n"),
                               ("stream", "stdout", "out 2\nout 3\n")]


def test_text_waiting_is_sent_before_a_display_and_a_clear_output(kernel_for_output):
    result = kernel_for_output.execute(
        "from IPython.display import display, clear_output\n"
        "print('before'); display('shown'); print('between'); clear_output(); print('after')")
    assert outputs(result) == [("stream", "stdout", "before\n"), ("display_data", "", "'shown'"),
                               ("stream", "stdout", "between\n"), ("clear_output", "", ""),
                               ("stream", "stdout", "after\n")]


def test_text_waiting_is_sent_before_the_result_and_before_an_error(kernel_for_output):
    assert outputs(kernel_for_output.execute("print('first'); 42")) == [
        ("stream", "stdout", "first\n"), ("execute_result", "", "42")]
    assert outputs(kernel_for_output.execute("print('first'); 1 / 0")) == [
        ("stream", "stdout", "first\n"), ("error", "", "")]


def test_a_line_printed_before_a_long_wait_is_shown_during_the_wait(kernel_for_output, tmp_path):
    marker = tmp_path / "wait-ended"
    msg_id = kernel_for_output.client.execute(
        f"import time, pathlib\nprint('working...')\ntime.sleep(5)\npathlib.Path({str(marker)!r}).touch()")
    while True:
        message = kernel_for_output.client.get_iopub_msg(timeout=30)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    assert message["content"]["text"] == "working...\n"
    assert not marker.exists(), "the line was held until the cell's wait was over"
    kernel_for_output.shell_reply(msg_id)


def test_a_whole_line_from_c_or_a_child_goes_before_the_line_python_is_writing(kernel_for_output):
    # As on a terminal, where Python's line-buffered stdout holds 'parent ' until its newline.
    result = kernel_for_output.execute("import os, sys\n"
                                       "sys.stdout.write('parent ')\n"
                                       "os.write(1, b'from C\\n')\n"
                                       "print('finishes')")
    assert result.stdout == "from C\nparent finishes\n"


def test_an_unfinished_line_is_still_shown_when_python_flushes_it(kernel_for_output):
    result = kernel_for_output.execute("import os, sys\n"
                                       "print('Solving...', end='', flush=True)\n"
                                       "os.write(1, b'done\\n')")
    assert result.stdout == "Solving...done\n"


def test_progress_without_newlines_is_published_while_the_cell_runs(kernel_for_output):
    msg_id = kernel_for_output.client.execute("import time\n"
                                              "print('.', end='')\n"
                                              "time.sleep(3)")
    deadline = time.monotonic() + 2.5
    seen = ""
    while time.monotonic() < deadline and not seen:
        message = kernel_for_output.client.get_iopub_msg(timeout=2.5)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            seen = message["content"]["text"]
    assert seen == "."
    kernel_for_output.shell_reply(msg_id)
