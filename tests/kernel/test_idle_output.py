"""Output written while no cell runs (a background thread, a child process) is published
as it comes, as a child of the cell that started the writer, like ipykernel does; a writer
that outruns the front end does not make the kernel hold its text in memory."""
import queue
import time

from conftest import Kernel, TIMEOUT


def stream_text_of(kernel, msg_id, expected_length, timeout=TIMEOUT):
    """Stream text published for request `msg_id` after its reply, until `expected_length`
    characters have come."""
    text = ""
    deadline = time.monotonic() + timeout
    while len(text) < expected_length and time.monotonic() < deadline:
        try:
            message = kernel.client.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            text += message["content"]["text"]
    return text


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def test_a_thread_printing_after_its_cell_ended_is_published_without_another_cell(fresh_kernel):
    code = ("import threading, time\n"
            "def later():\n"
            "    time.sleep(0.5)\n"
            "    print('from the background')\n"
            "threading.Thread(target=later).start()")
    msg_id = fresh_kernel.client.execute(code)
    fresh_kernel.shell_reply(msg_id)
    assert stream_text_of(fresh_kernel, msg_id, len("from the background\n")) == "from the background\n"


def test_a_child_process_printing_after_its_cell_ended_is_published(fresh_kernel):
    msg_id = fresh_kernel.client.execute("import subprocess\n"
                                         "subprocess.Popen(['sh', '-c', 'sleep 0.5; echo from the child'])")
    fresh_kernel.shell_reply(msg_id)
    assert stream_text_of(fresh_kernel, msg_id, len("from the child\n")) == "from the child\n"


def test_a_flood_written_while_idle_is_published_with_bounded_memory(fresh_kernel):
    megabytes = 32
    fresh_kernel.execute("import threading\n"
                         "chunk = 'x' * 65535 + '\\n'\n"
                         "flood = threading.Thread(target=lambda: [print(chunk, end='') for _ in range(16 * %d)])"
                         % megabytes)
    before = peak_rss_kib(fresh_kernel.pid)
    msg_id = fresh_kernel.client.execute("flood.start()")
    fresh_kernel.shell_reply(msg_id)
    text = stream_text_of(fresh_kernel, msg_id, megabytes * 1024 * 1024, timeout=120)
    assert len(text) == megabytes * 1024 * 1024
    grown_mib = (peak_rss_kib(fresh_kernel.pid) - before) / 1024
    assert grown_mib < megabytes / 2, f"peak RSS grew by {grown_mib:.0f} MiB for {megabytes} MiB written"
