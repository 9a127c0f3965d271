"""Everything a cell prints reaches the notebook, in order, as ipykernel 6 shows it."""

LIBC = "import ctypes; libc = ctypes.CDLL(None)\n"


def test_print_goes_to_stdout_and_stderr(kernel):
    result = kernel.execute("import sys; print('out'); print('err', file=sys.stderr)")
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"


def test_c_printf_appears_between_python_prints_in_order(kernel):
    result = kernel.execute(LIBC + "print('before'); libc.printf(b'from C\\n'); print('after')")
    assert result.stdout == "before\nfrom C\nafter\n"


def test_raw_writes_to_file_descriptors_are_shown(kernel):
    result = kernel.execute("import os; os.write(1, b'fd one\\n'); os.write(2, b'fd two\\n')")
    assert result.stdout == "fd one\n"
    assert result.stderr == "fd two\n"


def test_c_output_without_newline_is_flushed_when_the_cell_ends(kernel):
    result = kernel.execute(LIBC + "libc.printf(b'no newline'); None")
    assert result.stdout == "no newline"


def test_child_process_output_is_shown(kernel):
    result = kernel.execute("import subprocess; subprocess.run(['echo', 'from a child'])")
    assert "from a child\n" in result.stdout


def test_thread_output_during_a_cell_is_shown(kernel):
    code = (
        "import threading, time\n"
        "worker = threading.Thread(target=lambda: print('from a thread'))\n"
        "worker.start(); worker.join(); time.sleep(0.2)"
    )
    assert kernel.execute(code).stdout == "from a thread\n"


def test_large_fd_output_arrives_whole(kernel):
    code = "import os\nfor i in range(4000):\n    os.write(1, b'%04d ' % i + b'x' * 995 + b'\\n')"
    result = kernel.execute(code, timeout=120)
    lines = result.stdout.splitlines()
    assert len(lines) == 4000
    assert lines[0].startswith("0000 ") and lines[-1].startswith("3999 ")


def test_invalid_utf8_is_replaced_not_fatal(kernel):
    result = kernel.execute("import os; os.write(1, b'bad \\xff\\xfe bytes\\n')")
    assert result.status == "ok"
    assert result.stdout == "bad \ufffd\ufffd bytes\n"
    assert kernel.value("1 + 1") == "2"


def test_multibyte_characters_survive(kernel):
    assert kernel.execute("print('π ≈ 3.14159 — ünïcödé 🚀')").stdout == "π ≈ 3.14159 — ünïcödé 🚀\n"


def test_output_of_one_cell_does_not_leak_into_the_next(kernel):
    kernel.execute(LIBC + "libc.printf(b'first cell')")
    assert kernel.execute("print('second cell')").stdout == "second cell\n"
