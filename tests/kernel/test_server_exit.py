"""A kernel does not outlive the Jupyter server that started it.

jupyter_client starts kernels in a session of their own, so a server that exits without
shutting them down (jupyter_server 2 without a terminal ends that way on the SIGINT with which
JupyterHub's local spawners stop it; a crash; an out-of-memory kill) leaves them running
unless they watch for it, as ipykernel does. Here a small "server" process starts a kernel
with jupyter_client, as jupyter_server does, and is then killed.
"""
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import TIMEOUT, process_alive, wait_for_exit

SERVER = textwrap.dedent("""
    import sys, time
    from jupyter_client.manager import KernelManager
    manager = KernelManager(kernel_name="xlazy")
    manager.start_kernel(independent=sys.argv[1] == "independent")
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    print(manager.provisioner.process.pid, flush=True)
    time.sleep(600)
""")


@pytest.fixture
def kernel_of_a_killed_server(tmp_path):
    """Starts a kernel from a server process, kills the server (no shutdown reaches the
    kernel) and returns the kernel's pid; a kernel still running afterwards is killed."""
    kernels = []

    def start(how):
        server = subprocess.Popen([sys.executable, "-c", SERVER, how], stdout=subprocess.PIPE, text=True,
                                  cwd=tmp_path, env=dict(os.environ))
        try:
            kernel_pid = int(server.stdout.readline())
        finally:
            server.kill()
            server.wait()
        kernels.append(kernel_pid)
        return kernel_pid

    yield start
    for pid in kernels:
        if process_alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_the_kernel_ends_when_its_server_is_gone(kernel_of_a_killed_server):
    kernel_pid = kernel_of_a_killed_server("managed")
    assert wait_for_exit(kernel_pid, TIMEOUT), "the kernel outlived the server that started it"


def test_an_independent_kernel_keeps_running_without_its_starter(kernel_of_a_killed_server):
    # jupyter_client's `independent=True` is for kernels meant to outlive their starter.
    kernel_pid = kernel_of_a_killed_server("independent")
    assert not wait_for_exit(kernel_pid, 3)
