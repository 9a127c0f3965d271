"""What a kernel writes to the terminal of the Jupyter server that started it."""
from jupyter_client.manager import KernelManager

from conftest import KERNEL_NAME, TIMEOUT


def started_and_stopped_kernel_stderr(log_path):
    """Everything the kernel wrote to stderr while it started, ran one cell and shut down."""
    with open(log_path, "w") as stderr:
        manager = KernelManager(kernel_name=KERNEL_NAME)
        manager.start_kernel(stderr=stderr)
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=TIMEOUT)
            reply = client.execute_interactive("1 + 1", timeout=TIMEOUT)
            assert reply["content"]["status"] == "ok"
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=False)
    return log_path.read_text()


def test_kernel_start_prints_no_xeus_banner(tmp_path):
    assert "Run with XEUS" not in started_and_stopped_kernel_stderr(tmp_path / "stderr.txt")


def test_a_healthy_kernel_writes_nothing_to_the_terminal(tmp_path):
    assert started_and_stopped_kernel_stderr(tmp_path / "stderr.txt") == ""
