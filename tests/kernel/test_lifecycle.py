"""stdin, interrupts, restart, shutdown and the debugger: the kernel stays usable and leaves nothing behind."""
import signal
import time

import pytest

from conftest import Kernel, process_alive, wait_for_exit


def test_input_asks_the_frontend(kernel):
    result = kernel.execute("name = input('Your name: '); print('hello', name)", allow_stdin=True, stdin_answers=["Ada"])
    prompts = [m["content"]["prompt"] for m in result.messages if m["msg_type"] == "input_request"]
    assert prompts == ["Your name: "]
    assert result.stdout == "hello Ada\n"


def test_input_without_stdin_support_is_an_error_not_a_hang(kernel):
    result = kernel.execute("input('never answered')", allow_stdin=False)
    assert result.status == "error"
    assert kernel.value("'still alive'") == "'still alive'"


def interrupt_busy_loop(kernel, interrupt):
    msg_id = kernel.client.execute("started = True\nprint('looping', flush=True)\nwhile True:\n    pass")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # interrupt only once the loop really runs
        message = kernel.client.get_iopub_msg(timeout=30)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    time.sleep(0.2)
    interrupt()
    return kernel.shell_reply(msg_id)


def test_sigint_stops_a_busy_cell_with_keyboard_interrupt(fresh_kernel):
    reply = interrupt_busy_loop(fresh_kernel, fresh_kernel.manager.interrupt_kernel)
    assert reply["status"] == "error"
    assert reply["ename"] == "KeyboardInterrupt"
    assert fresh_kernel.value("started") == "True"


@pytest.fixture
def kernel_inheriting_ignored_sigint():
    """A kernel started by a server that a shell put in the background (`jupyter lab &` in a
    script, nohup): it inherits SIGINT ignored, as every program started from there does."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        running = Kernel()
    finally:
        signal.signal(signal.SIGINT, previous)
    yield running
    running.shutdown()


def test_sigint_stops_a_busy_cell_even_if_the_kernel_inherited_it_ignored(kernel_inheriting_ignored_sigint):
    kernel = kernel_inheriting_ignored_sigint
    reply = interrupt_busy_loop(kernel, kernel.manager.interrupt_kernel)
    assert reply["ename"] == "KeyboardInterrupt"
    assert kernel.value("1 + 1") == "2"


def test_interrupt_request_message_stops_a_busy_cell(fresh_kernel):
    reply = interrupt_busy_loop(fresh_kernel, lambda: fresh_kernel.control("interrupt_request", {}))
    assert reply["ename"] == "KeyboardInterrupt"
    assert fresh_kernel.value("1 + 1") == "2"


def test_interrupt_while_idle_neither_kills_nor_hits_the_next_cell(fresh_kernel):
    fresh_kernel.execute("x = 5")
    for _ in range(3):
        fresh_kernel.manager.signal_kernel(signal.SIGINT)
        time.sleep(0.2)
    assert process_alive(fresh_kernel.pid)
    result = fresh_kernel.execute("import time; time.sleep(0.3); x * 2")
    assert result.status == "ok"
    assert result.text == "10"


def test_restart_gives_a_fresh_kernel_and_ends_the_old_process(fresh_kernel):
    fresh_kernel.execute("before_restart = 1")
    old_pid = fresh_kernel.pid
    fresh_kernel.manager.restart_kernel(now=False)
    fresh_kernel.client.wait_for_ready(timeout=30)
    assert wait_for_exit(old_pid)
    result = fresh_kernel.execute("'before_restart' in globals()")
    assert result.text == "False"


def test_shutdown_ends_the_kernel_and_its_worker_processes(fresh_kernel):
    code = (
        "import multiprocessing, time\n"
        "worker = multiprocessing.Process(target=time.sleep, args=(600,), daemon=True)\n"
        "worker.start()\n"
        "pool = multiprocessing.Pool(2)\n"
        "[worker.pid] + [p.pid for p in pool._pool]"
    )
    children = eval(fresh_kernel.value(code))
    kernel_pid = fresh_kernel.pid
    fresh_kernel.client.shutdown()
    assert wait_for_exit(kernel_pid)
    for child in children:
        assert wait_for_exit(child, timeout=10), f"worker {child} outlived the kernel"


def test_atexit_handlers_run_at_shutdown(fresh_kernel, tmp_path):
    marker = tmp_path / "atexit-ran"
    fresh_kernel.execute(f"import atexit, pathlib; atexit.register(pathlib.Path({str(marker)!r}).write_text, 'yes')")
    kernel_pid = fresh_kernel.pid
    fresh_kernel.client.shutdown()
    assert wait_for_exit(kernel_pid)
    assert marker.read_text() == "yes"


def test_debug_info_request_is_answered(kernel):
    reply = kernel.control("debug_request", {"type": "request", "seq": 1, "command": "debugInfo", "arguments": {}})
    assert reply["success"] is True
    assert reply["command"] == "debugInfo"
    assert "isStarted" in reply["body"]
    assert reply["body"]["hashMethod"] == "Murmur2"
