"""A traceback is an output where IPython shows it, as under ipykernel, and the cell's reply
names the exception the cell raised: tracebacks of nested cells, display formatters and
event callbacks keep their place among the cell's outputs, and never stand for the cell's
own error."""


def outputs_in_order(result):
    """The cell's outputs as (kind, what) in the order the front end receives them."""
    shown = []
    for message in result.messages:
        content = message["content"]
        if message["msg_type"] == "stream":
            shown.append(("stream", content["text"]))
        elif message["msg_type"] == "error":
            shown.append(("error", content["ename"]))
        elif message["msg_type"] in ("execute_result", "display_data"):
            shown.append((message["msg_type"], content["data"]["text/plain"]))
    return shown


def test_a_nested_cells_traceback_comes_before_what_the_cell_prints_after_it(kernel):
    result = kernel.execute("get_ipython().run_cell('1/0')\nprint('after the nested cell')")
    assert result.status == "ok"
    assert outputs_in_order(result) == [("error", "ZeroDivisionError"), ("stream", "after the nested cell\n")]


def test_a_failing_html_representation_is_shown_before_the_result(kernel):
    result = kernel.execute(
        "class Drawn:\n"
        "    def _repr_html_(self):\n"
        "        raise ValueError('no html')\n"
        "    def __repr__(self):\n"
        "        return 'Drawn()'\n"
        "Drawn()"
    )
    assert result.status == "ok"
    assert outputs_in_order(result) == [("error", "ValueError"), ("execute_result", "Drawn()")]


def test_a_failing_post_run_cell_callback_leaves_the_cell_its_own_error(kernel):
    kernel.execute(
        "def failing_callback(result):\n"
        "    raise RuntimeError('callback')\n"
        "get_ipython().events.register('post_run_cell', failing_callback)"
    )
    try:
        failing = kernel.execute("1 / 0")
        passing = kernel.execute("'fine'")
    finally:
        kernel.execute("get_ipython().events.unregister('post_run_cell', failing_callback)")
    assert [error["ename"] for error in failing.errors] == ["ZeroDivisionError", "RuntimeError"]
    assert (failing.reply["ename"], failing.reply["evalue"]) == ("ZeroDivisionError", "division by zero")
    assert passing.status == "ok"
    assert [error["ename"] for error in passing.errors] == ["RuntimeError"]


def test_a_failing_pre_run_cell_callback_and_the_cells_error_are_both_shown(kernel):
    kernel.execute(
        "def failing_callback(info):\n"
        "    raise RuntimeError('callback')\n"
        "get_ipython().events.register('pre_run_cell', failing_callback)"
    )
    try:
        result = kernel.execute("1 / 0")
    finally:
        kernel.execute("get_ipython().events.unregister('pre_run_cell', failing_callback)")
    assert [error["ename"] for error in result.errors] == ["RuntimeError", "ZeroDivisionError"]
    assert result.reply["ename"] == "ZeroDivisionError"


def test_an_error_a_custom_exception_handler_took_is_the_cells_error_with_its_message(kernel):
    kernel.execute(
        "def quiet_handler(shell, etype, value, tb, tb_offset=None):\n"
        "    print('handled', etype.__name__)\n"
        "get_ipython().set_custom_exc((ZeroDivisionError,), quiet_handler)"
    )
    try:
        result = kernel.execute("1 / 0")
    finally:
        kernel.execute("get_ipython().set_custom_exc((), None)")
    assert result.stdout == "handled ZeroDivisionError\n"
    assert result.errors == []
    assert (result.reply["ename"], result.reply["evalue"]) == ("ZeroDivisionError", "division by zero")
