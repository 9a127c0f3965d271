"""After a failed cell, the requests already queued behind it ("Run All") are aborted as under
ipykernel, and a cell sent once the error is known runs, however quickly it follows."""


def replies_by_id(kernel, msg_ids):
    pending, replies = set(msg_ids), {}
    while pending:
        reply = kernel.client.get_shell_msg(timeout=30)
        msg_id = reply["parent_header"].get("msg_id")
        if msg_id in pending:
            pending.discard(msg_id)
            replies[msg_id] = reply["content"]
    return [replies[msg_id] for msg_id in msg_ids]


def statuses_on_iopub(kernel, msg_id):
    states = []
    while "idle" not in states:
        message = kernel.client.get_iopub_msg(timeout=30)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "status":
            states.append(message["content"]["execution_state"])
    return states


def test_cells_queued_behind_an_error_are_aborted(fresh_kernel):
    ids = [fresh_kernel.client.execute(code) for code in ("import time; time.sleep(0.5); 1/0", "ran = True", "ran")]
    assert [reply["status"] for reply in replies_by_id(fresh_kernel, ids)] == ["error", "aborted", "aborted"]
    assert statuses_on_iopub(fresh_kernel, ids[2]) == ["busy", "idle"]
    assert fresh_kernel.value("'ran' in globals()") == "False"


def test_a_cell_sent_as_soon_as_the_error_arrives_runs(fresh_kernel):
    # Interrupted cells made the race likeliest: xeus aborted what arrived just after the reply.
    for attempt in range(10):
        msg_id = fresh_kernel.client.execute("print('looping', flush=True)\nwhile True:\n    pass")
        while fresh_kernel.client.get_iopub_msg(timeout=30)["msg_type"] != "stream":
            pass
        fresh_kernel.control("interrupt_request", {})
        assert fresh_kernel.shell_reply(msg_id)["ename"] == "KeyboardInterrupt"
        assert fresh_kernel.execute(f"{attempt} + 1").text == str(attempt + 1)
