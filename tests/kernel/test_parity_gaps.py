"""Behaviours of ipykernel that xlazy does not match yet, found by attacking the kernel as a
user would. Each test states ipykernel's behaviour and is a strict expected failure, so that
fixing one shows up."""
import pytest


@pytest.mark.xfail(
    strict=True,
    reason="ipykernel runs every cell inside its running asyncio loop (so asyncio.run() in a cell "
    "raises 'cannot be called from a running event loop' and get_event_loop().is_running() is True); "
    "xeus-python runs cells with no loop running and IPython starts one only for a top-level await",
)
def test_cells_run_inside_a_running_event_loop(kernel):
    assert kernel.value("import asyncio\nasyncio.get_event_loop().is_running()") == "True"


@pytest.mark.xfail(
    strict=True,
    reason="ipykernel's complete_reply carries IPython's completion types in "
    "metadata['_jupyter_types_experimental'] (JupyterLab shows them as icons); xeus-python 0.14.3 "
    "sends empty metadata",
)
def test_completions_carry_their_types(kernel):
    reply = kernel.request(lambda client: client.complete("import os\nos.pa", 15))
    types = reply["metadata"].get("_jupyter_types_experimental", [])
    assert "path" in reply["matches"]
    assert sorted(entry["text"] for entry in types) == sorted(reply["matches"])
