"""Widgets over comms, as a widget manager in the front end sees them, with Debian's
ipywidgets; tqdm.auto picks the widget progress bar exactly as under ipykernel."""
import pytest

from conftest import TIMEOUT, Kernel

IPYKERNEL = "python3"  # Debian's ipykernel, the comparison


def opened_models(result):
    """(comm_id, model name) of each widget comm the cell opened, in order."""
    return [
        (message["content"]["comm_id"], message["content"]["data"].get("_model_name"))
        for message in result.messages
        if message["msg_type"] == "comm_open" and message["content"]["target_name"] == "jupyter.widget"
    ]


def send_value_from_front_end(kernel, comm_id, value, ipywidgets_major):
    """What a widget manager sends when the user drags a slider: widget protocol 1
    (ipywidgets 6, Debian 12) syncs with 'backbone', protocol 2 (ipywidgets 7+) with 'update'."""
    if ipywidgets_major < 7:
        data = {"method": "backbone", "sync_data": {"value": value}}
    else:
        data = {"method": "update", "state": {"value": value}, "buffer_paths": []}
    message = kernel.client.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
    kernel.client.shell_channel.send(message)


def test_int_slider_opens_its_comm_and_displays_its_view(kernel_in_each_mode):
    result = kernel_in_each_mode.execute("import ipywidgets\nslider = ipywidgets.IntSlider(value=3)\nslider")
    assert result.status == "ok", result
    models = opened_models(result)
    slider_id = next(comm_id for comm_id, name in models if name == "IntSliderModel")
    views = [data["application/vnd.jupyter.widget-view+json"] for data in result.displays]
    assert [view["model_id"] for view in views] == [slider_id]
    assert kernel_in_each_mode.value("slider.comm.comm_id") == repr(slider_id)


def test_moving_the_slider_in_the_front_end_changes_its_value_in_the_kernel(kernel_in_each_mode):
    kernel = kernel_in_each_mode
    result = kernel.execute(
        "import ipywidgets\n"
        "moved = ipywidgets.IntSlider(value=3)\n"
        "seen = []\n"
        "moved.observe(lambda change: seen.append(change['new']), 'value')\n"
        "moved"
    )
    assert result.status == "ok", result
    comm_id = next(comm_id for comm_id, name in opened_models(result) if name == "IntSliderModel")
    major = int(eval(kernel.value("ipywidgets.__version__")).split(".")[0])
    send_value_from_front_end(kernel, comm_id, 7, major)
    # The shell handles requests in order: the cell below runs after the comm_msg.
    assert kernel.value("moved.value, seen") == "(7, [7])"


def widget_models_of_a_tqdm_auto_loop(kernel):
    result = kernel.execute("from tqdm.auto import tqdm\nfor step in tqdm(range(3)):\n    pass")
    ename = result.errors[0]["ename"] if result.errors else None
    return [name for _, name in opened_models(result)], result.status, ename


@pytest.fixture(scope="module")
def tqdm_auto_under_ipykernel():
    reference = Kernel(kernel_name=IPYKERNEL)
    try:
        yield widget_models_of_a_tqdm_auto_loop(reference)
    finally:
        reference.shutdown()


def test_tqdm_auto_opens_the_same_widget_progress_bar_as_under_ipykernel(kernel_in_each_mode, tqdm_auto_under_ipykernel):
    expected = tqdm_auto_under_ipykernel
    models, status, ename = widget_models_of_a_tqdm_auto_loop(kernel_in_each_mode)
    assert "ProgressModel" in models
    # Debian 12's tqdm 4.64 asks ipywidgets 6's progress bar for a style it does not have:
    # both kernels then fail the cell alike, after the bar's comm is open.
    assert (models, status, ename) == expected
