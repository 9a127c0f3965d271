"""Connection files of every kind: a clear sentence and exit status 2 for any file the
kernel cannot use (never an uncaught C++ exception), the unsigned mode jupyter_client
writes with an empty key, and the ipc transport end to end."""
import os
import shutil

import pytest
from jupyter_client.manager import KernelManager

from conftest import TIMEOUT, run_program
from test_launch import write_connection_file


def refused(finished):
    return finished.returncode == 2 and "terminate called" not in finished.stderr and "xlazy:" in finished.stderr


def test_directory_as_connection_file_is_refused(xlazy_program, tmp_path):
    finished = run_program(xlazy_program, "-f", str(tmp_path))
    assert refused(finished)
    assert "is not a regular file" in finished.stderr


def test_missing_connection_file_is_refused(xlazy_program, tmp_path):
    finished = run_program(xlazy_program, "-f", str(tmp_path / "gone.json"))
    assert refused(finished)
    assert "No such file or directory" in finished.stderr


def test_unreadable_connection_file_is_refused(xlazy_program, tmp_path):
    path = write_connection_file(tmp_path)
    path.chmod(0)
    command = [xlazy_program]
    if os.geteuid() == 0:  # root reads anything: run the kernel as nobody
        assert shutil.which("setpriv"), "util-linux's setpriv is needed to drop root"
        command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", xlazy_program]
    finished = run_program(command[0], *command[1:], "-f", str(path))
    assert refused(finished)
    assert "Permission denied" in finished.stderr


def test_connection_file_that_is_not_json_is_refused(xlazy_program, tmp_path):
    path = tmp_path / "connection.json"
    path.write_bytes(b"\xff\xfe not json")
    finished = run_program(xlazy_program, "-f", str(path))
    assert refused(finished)
    assert "is not valid JSON" in finished.stderr


def test_connection_file_missing_every_field_lists_them(xlazy_program, tmp_path):
    path = tmp_path / "connection.json"
    path.write_text("{}")
    finished = run_program(xlazy_program, "-f", str(path))
    assert refused(finished)
    for field in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port", "transport", "ip", "key"):
        assert f"'{field}'" in finished.stderr


@pytest.mark.parametrize("scheme", ["none", "sha256", ""])
def test_signature_scheme_that_does_not_sign_is_refused(xlazy_program, tmp_path, scheme):
    finished = run_program(xlazy_program, "-f", str(write_connection_file(tmp_path, signature_scheme=scheme)))
    assert refused(finished)
    assert "signature_scheme" in finished.stderr


def test_unknown_hmac_scheme_is_named_not_map_at(xlazy_program, tmp_path):
    finished = run_program(xlazy_program, "-f", str(write_connection_file(tmp_path, signature_scheme="hmac-bogus")))
    assert refused(finished)
    assert "signature_scheme 'hmac-bogus' is not supported" in finished.stderr
    assert "map::at" not in finished.stderr


def test_unknown_transport_is_refused(xlazy_program, tmp_path):
    finished = run_program(xlazy_program, "-f", str(write_connection_file(tmp_path, transport="udp")))
    assert refused(finished)
    assert "'transport' must be \"tcp\" or \"ipc\"" in finished.stderr


def run_cells(manager):
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=TIMEOUT)
        reply = client.execute_interactive("print(6 * 7)", timeout=TIMEOUT, output_hook=lambda message: None)
        return reply["content"]["status"]
    finally:
        client.stop_channels()


def started(manager):
    manager.start_kernel(env=dict(os.environ))
    return manager


def test_empty_key_runs_unsigned_like_jupyter_client(tmp_path):
    manager = KernelManager(kernel_name="xlazy", connection_file=str(tmp_path / "kernel.json"))
    manager.session.key = b""
    try:
        started(manager)
        assert manager.get_connection_info()["key"] == b""
        assert run_cells(manager) == "ok"
    finally:
        manager.shutdown_kernel(now=True)


def test_ipc_transport_serves_cells_and_shuts_down(tmp_path):
    manager = KernelManager(kernel_name="xlazy", transport="ipc", ip=str(tmp_path / "kernel"),
                            connection_file=str(tmp_path / "kernel.json"))
    try:
        started(manager)
        assert run_cells(manager) == "ok"
        manager.shutdown_kernel(now=False)
        assert manager.provisioner is None or manager.provisioner.process is None
    finally:
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
