"""Signals that arrive while no cell runs: the user's Python handler runs (on the main thread,
at the latest as the next cell starts), a default action still applies, and the kernel never
aborts. ipykernel runs such handlers too."""
import signal
import time

from conftest import process_alive, wait_for_exit

RECORDING_HANDLER = (
    "import os, signal, subprocess\n"
    "received = []\n"
    "def record(signum, frame):\n"
    "    received.append(signal.Signals(signum).name)\n"
)


def test_alarm_from_an_interval_timer_after_the_cell_ended_runs_the_handler(fresh_kernel):
    fresh_kernel.execute(RECORDING_HANDLER + "signal.signal(signal.SIGALRM, record)\n"
                         "signal.setitimer(signal.ITIMER_REAL, 0.2)")
    time.sleep(0.6)
    assert process_alive(fresh_kernel.pid)
    assert fresh_kernel.value("received") == "['SIGALRM']"


def test_child_exiting_after_the_cell_ended_runs_the_sigchld_handler(fresh_kernel):
    fresh_kernel.execute(RECORDING_HANDLER + "signal.signal(signal.SIGCHLD, record)\n"
                         "child = subprocess.Popen(['sleep', '0.2'])")
    time.sleep(0.6)
    assert process_alive(fresh_kernel.pid)
    assert fresh_kernel.value("received") == "['SIGCHLD']"
    assert fresh_kernel.value("child.wait()") == "0"


def test_sigusr1_sent_while_idle_runs_the_handler_once(fresh_kernel):
    fresh_kernel.execute(RECORDING_HANDLER + "signal.signal(signal.SIGUSR1, record)")
    fresh_kernel.manager.signal_kernel(signal.SIGUSR1)
    time.sleep(0.3)
    assert process_alive(fresh_kernel.pid)
    assert fresh_kernel.value("received") == "['SIGUSR1']"
    assert fresh_kernel.value("received") == "['SIGUSR1']"


def test_handler_raising_while_idle_is_reported_and_the_next_cell_runs(fresh_kernel):
    fresh_kernel.execute("import signal\n"
                         "def give_up(signum, frame):\n"
                         "    raise TimeoutError('too late')\n"
                         "signal.signal(signal.SIGUSR2, give_up)")
    fresh_kernel.manager.signal_kernel(signal.SIGUSR2)
    time.sleep(0.3)
    result = fresh_kernel.execute("1 + 1")
    assert result.status == "ok"
    assert result.text == "2"
    assert "TimeoutError: too late" in result.stderr


def test_signal_during_a_cell_interrupts_a_sleep_through_its_handler(fresh_kernel):
    result = fresh_kernel.execute("import signal, time\n"
                                  "def give_up(signum, frame):\n"
                                  "    raise TimeoutError('alarm')\n"
                                  "signal.signal(signal.SIGALRM, give_up)\n"
                                  "signal.setitimer(signal.ITIMER_REAL, 0.2)\n"
                                  "time.sleep(20)")
    assert result.status == "error"
    assert result.reply["ename"] == "TimeoutError"


def test_sigterm_without_a_handler_still_ends_an_idle_kernel(fresh_kernel):
    fresh_kernel.execute("x = 1")
    fresh_kernel.manager.signal_kernel(signal.SIGTERM)
    assert wait_for_exit(fresh_kernel.pid)


def test_interrupt_while_idle_never_reaches_a_completion_or_the_next_cell(fresh_kernel):
    # A thread the cell starts inherits the cell's signal mask: it would take the idle
    # interrupt for the whole process.
    fresh_kernel.execute("import threading, time\n"
                         "threading.Thread(target=time.sleep, args=(60,), daemon=True).start()")
    fresh_kernel.manager.interrupt_kernel()
    time.sleep(0.3)
    completion = fresh_kernel.request(lambda client: client.complete("threading.Thr", 13))
    assert completion["status"] == "ok", completion
    assert "Thread" in completion["matches"]
    result = fresh_kernel.execute("1 + 1")
    assert result.status == "ok", result.errors
    assert result.text == "2"
