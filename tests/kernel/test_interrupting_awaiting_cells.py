"""An interrupt while a cell awaits (top-level await) cancels the cell, as under ipykernel:
the cell sees CancelledError where it awaits, and nothing of it runs later."""

AWAITING_CELL = (
    "import asyncio\n"
    "print('waiting', flush=True)\n"
    "await asyncio.sleep(20)\n"
    "print('rest of the interrupted cell')\n"
    "rest_ran = True"
)


def test_an_interrupted_awaiting_cell_is_cancelled_and_never_resumed(kernel):
    reply = kernel.interrupt_once_it_prints(AWAITING_CELL)
    assert (reply["status"], reply["ename"]) == ("error", "CancelledError")
    later = kernel.execute("await asyncio.sleep(0.2)\n'rest_ran' in globals()")
    assert later.stdout == ""
    assert later.text == "False"


def test_an_awaiting_cell_can_catch_its_cancellation(kernel):
    reply = kernel.interrupt_once_it_prints(
        "import asyncio\n"
        "try:\n"
        "    print('waiting', flush=True)\n"
        "    await asyncio.sleep(20)\n"
        "except asyncio.CancelledError:\n"
        "    outcome = 'cancelled'"
    )
    assert reply["status"] == "ok"
    assert kernel.value("outcome") == "'cancelled'"
