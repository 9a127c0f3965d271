"""However many interrupts arrive, and wherever they land (in the user's code, in IPython
formatting the traceback, as the cell ends), an interrupted cell replies with an error, so
Run All stops."""
import threading
import time

import pytest

from conftest import Kernel

STORM_SECONDS = 1.0


@pytest.fixture(scope="module")
def fresh_kernel_for_storms():
    running = Kernel()
    yield running
    running.shutdown()


def storm(kernel, stop):
    while not stop.is_set():
        kernel.manager.interrupt_kernel()
        time.sleep(0.002)


@pytest.mark.parametrize("trial", range(5))
def test_cell_under_an_interrupt_storm_replies_keyboard_interrupt(fresh_kernel_for_storms, trial):
    kernel = fresh_kernel_for_storms
    msg_id = kernel.client.execute("while True:\n    pass")
    kernel.wait_until_busy()
    stop = threading.Event()
    interrupter = threading.Thread(target=storm, args=(kernel, stop))
    interrupter.start()
    time.sleep(STORM_SECONDS)
    stop.set()
    interrupter.join()
    reply = kernel.shell_reply(msg_id)
    assert reply["status"] == "error"
    assert reply["ename"] == "KeyboardInterrupt"
    time.sleep(0.2)
    assert kernel.value("'alive'") == "'alive'"
