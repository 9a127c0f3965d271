"""Each cell starts with Python's KeyboardInterrupt handler for SIGINT, as under ipykernel
(which installs it around every request): what an earlier cell did with SIGINT (its own
handler, SIG_IGN) holds for that cell only, so Interrupt stops the next cell and the
programs it starts take SIGINT's default action."""
import signal

SIGINT_BIT = 1 << (signal.SIGINT - 1)
IGNORE_SIGINT = "import signal, subprocess, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN);"


def test_interrupt_stops_a_cell_after_an_earlier_cell_ignored_sigint(kernel):
    assert kernel.execute(IGNORE_SIGINT).status == "ok"
    reply = kernel.interrupt_once_it_prints("print('waiting', flush=True)\ntime.sleep(20)")
    assert reply["status"] == "error"
    assert reply["ename"] == "KeyboardInterrupt"


def test_programs_a_cell_starts_take_sigint_by_default_after_an_earlier_cell_ignored_it(kernel):
    assert kernel.execute(IGNORE_SIGINT).status == "ok"
    ignored = kernel.value("[line.split()[1] for line in open('/proc/self/status') if line.startswith('SigIgn')][0]")
    child_ignored = kernel.value(
        "subprocess.run(['grep', 'SigIgn', '/proc/self/status'], capture_output=True, text=True).stdout.split()[1]"
    )
    assert int(ignored.strip("'"), 16) & SIGINT_BIT == 0
    assert int(child_ignored.strip("'"), 16) & SIGINT_BIT == 0


def test_a_handler_a_cell_installed_is_not_the_next_cells(kernel):
    kernel.execute("import signal\nsignal.signal(signal.SIGINT, lambda number, frame: None);")
    assert kernel.value("signal.getsignal(signal.SIGINT) is signal.default_int_handler") == "True"


def test_a_handler_installed_in_the_cell_takes_its_interrupt(kernel):
    reply = kernel.interrupt_once_it_prints(
        "import signal, time\n"
        "taken = []\n"
        "signal.signal(signal.SIGINT, lambda number, frame: taken.append(number))\n"
        "print('waiting', flush=True)\n"
        "deadline = time.monotonic() + 20\n"
        "while not taken and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)",
    )
    assert reply["status"] == "ok"
    assert kernel.value("taken") == f"[{int(signal.SIGINT)}]"
