"""Children made by fork work and print to the notebook, as under ipykernel, with or without
deferral: multiprocessing 'fork' pools and Process children, and bare os.fork()."""
import pytest

from conftest import ANSI_ESCAPE

POOL = (
    "import multiprocessing\n"
    "def work(x):\n"
    "    print('worker', x, flush=True)\n"
    "    return x * x\n"
    "with multiprocessing.get_context('fork').Pool(2) as pool:\n"
    "    print(pool.map(work, range(4)))\n"
)


def test_fork_pool_workers_print_to_the_notebook(kernel_in_each_mode):
    result = kernel_in_each_mode.execute(POOL, timeout=60)
    assert result.status == "ok", result.errors
    lines = result.stdout.splitlines()
    assert sorted(lines[:-1]) == ["worker 0", "worker 1", "worker 2", "worker 3"]
    assert lines[-1] == "[0, 1, 4, 9]"
    assert result.stderr == ""


def test_process_child_prints_and_exits_cleanly(kernel_in_each_mode):
    code = (
        "import multiprocessing\n"
        "def child(name):\n"
        "    print('hello from', name)\n"
        "p = multiprocessing.get_context('fork').Process(target=child, args=('the child',))\n"
        "p.start(); p.join()\n"
        "print('exit code', p.exitcode)"
    )
    result = kernel_in_each_mode.execute(code, timeout=60)
    assert result.status == "ok", result.errors
    assert result.stdout == "hello from the child\nexit code 0\n"
    assert result.stderr == ""


def test_bare_fork_child_prints_then_exits(kernel_in_each_mode):
    code = (
        "import os\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    print('in the child')\n"
        "    os._exit(0)\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print('child status', status)"
    )
    result = kernel_in_each_mode.execute(code)
    assert result.status == "ok", result.errors
    assert result.stdout == "in the child\nchild status 0\n"
    assert result.stderr == ""
    assert kernel_in_each_mode.value("'still serving'") == "'still serving'"


def test_grandchildren_print_too_and_partial_lines_are_not_repeated(kernel_in_each_mode):
    code = (
        "import os\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    print('child, then', end=' ')\n"
        "    grandchild = os.fork()\n"
        "    if grandchild == 0:\n"
        "        print('grandchild')\n"
        "        os._exit(0)\n"
        "    os.waitpid(grandchild, 0)\n"
        "    print('child again')\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0); print('parent')"
    )
    assert kernel_in_each_mode.execute(code).stdout == "child, then grandchild\nchild again\nparent\n"


def test_child_c_output_and_partial_lines_reach_the_notebook(kernel_in_each_mode):
    code = (
        "import os, sys, ctypes\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    ctypes.CDLL(None).printf(b'C line\\n')\n"
        "    sys.stdout.write('no newline'); sys.stdout.flush()\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0); print()"
    )
    result = kernel_in_each_mode.execute(code)
    assert result.stdout == "C line\nno newline\n"


@pytest.mark.parametrize("mode", ["cell", "off"])
def test_c_output_pending_before_a_fork_is_printed_once(start_kernel, mode):
    # C stdio buffers fully when nothing asks for unbuffered output, as in a notebook server.
    kernel = start_kernel(env={"XLAZY_MODE": mode, "PYTHONUNBUFFERED": ""})
    code = (
        "import os, ctypes, threading\n"
        "libc = ctypes.CDLL(None)\n"
        "libc.printf(b'printed once, ')\n"
        "def fork():\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        libc.fflush(None)\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "fork()\n"
        "libc.printf(b'then from a thread')\n"
        "t = threading.Thread(target=fork); t.start(); t.join()\n"
        "libc.fflush(None)"
    )
    assert kernel.execute(code).stdout == "printed once, then from a thread"


def test_child_that_reaches_the_end_of_the_cell_ends_there(kernel_in_each_mode):
    code = (
        "import os\n"
        "pid = os.fork()\n"
        "print('child' if pid == 0 else 'parent', 'finishes the cell')\n"
        "if pid:\n"
        "    _, status = os.waitpid(pid, 0)\n"
        "    print('child exit code', os.waitstatus_to_exitcode(status))"
    )
    result = kernel_in_each_mode.execute(code)
    assert result.status == "ok"
    assert sorted(result.stdout.splitlines()) == ["child exit code 0", "child finishes the cell", "parent finishes the cell"]
    assert kernel_in_each_mode.value("6 * 7") == "42"


def test_child_that_fails_in_the_cell_shows_its_error_and_exits_1(kernel_in_each_mode):
    code = (
        "import os, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    raise ValueError('child failed')\n"
        "_, status = os.waitpid(pid, 0)\n"
        "time.sleep(0.2)\n"
        "print('child exit code', os.waitstatus_to_exitcode(status))"
    )
    result = kernel_in_each_mode.execute(code)
    assert result.status == "ok"
    assert result.stdout == "child exit code 1\n"
    assert "ValueError: child failed" in ANSI_ESCAPE.sub("", result.stderr)


def forked_from_a_thread(child_line):
    """A cell in which a thread forks; the child runs `child_line` and exits; the cell waits."""
    return (
        "import os, signal, threading\n"
        "def fork_and_wait():\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        f"        {child_line}\n"
        "        os._exit(0)\n"
        "    os.waitpid(pid, 0)\n"
        "t = threading.Thread(target=fork_and_wait); t.start(); t.join()\n"
    )


def test_fork_from_a_thread_works(kernel_in_each_mode):
    code = forked_from_a_thread("print('child of a thread')") + "print('joined')"
    assert kernel_in_each_mode.execute(code).stdout == "child of a thread\njoined\n"


def test_child_forked_from_a_thread_can_be_interrupted(kernel_in_each_mode):
    # jupyter_client interrupts the kernel's whole process group.
    code = forked_from_a_thread("print('SIGINT blocked:', signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []))")
    assert kernel_in_each_mode.execute(code).stdout == "SIGINT blocked: False\n"


def test_forks_while_output_floods_neither_hang_nor_lose_lines(kernel_in_each_mode):
    # A thread floods fd 1 and sys.stdout (the reader thread holds the capture lock most
    # of the time) while the main thread forks children that print. Whole lines only: a
    # print() is two writes, and another thread's line may land between them.
    code = (
        "import os, sys, threading\n"
        "stop = threading.Event()\n"
        "def flood():\n"
        "    while not stop.is_set():\n"
        "        os.write(1, b'.' * 512 + b'\\n'); sys.stdout.write('~' * 100 + '\\n')\n"
        "flooder = threading.Thread(target=flood); flooder.start()\n"
        "pids = []\n"
        "for i in range(20):\n"
        "    pid = os.fork()\n"
        "    if pid == 0:\n"
        "        print(f'child {i} done')\n"
        "        os._exit(0)\n"
        "    pids.append(pid)\n"
        "codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]\n"
        "stop.set(); flooder.join()\n"
        "print('codes', set(codes))"
    )
    result = kernel_in_each_mode.execute(code, timeout=60)
    assert result.status == "ok", result.errors
    lines = result.stdout.splitlines()
    assert sorted(line for line in lines if line.startswith("child")) == sorted(f"child {i} done" for i in range(20))
    assert lines[-1] == "codes {0}"
