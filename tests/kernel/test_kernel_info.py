"""kernel_info_reply: what frontends show about the kernel."""
import platform
import queue
import subprocess
import time

from jupyter_client.manager import KernelManager

from conftest import Kernel


def test_implementation_is_xlazy_with_its_version(kernel, xlazy_program):
    info = kernel.request(lambda client: client.kernel_info())
    version = subprocess.run([xlazy_program, "--version"], capture_output=True, text=True).stdout.split()[1]
    assert info["implementation"] == "xlazy"
    assert info["implementation_version"] == version


def test_language_info_reports_the_running_python(kernel):
    info = kernel.request(lambda client: client.kernel_info())
    running = subprocess.run(
        ["/usr/bin/python3", "-c", "import platform; print(platform.python_version())"],
        capture_output=True, text=True,
    ).stdout.strip()
    assert info["language_info"]["name"] == "python"
    assert info["language_info"]["version"] == running
    assert info["language_info"]["file_extension"] == ".py"


def test_banner_says_imports_are_deferred(kernel):
    info = kernel.request(lambda client: client.kernel_info())
    assert "Imports are deferred" in info["banner"]
    assert "%lazy status" in info["banner"]


def test_debugger_is_advertised(kernel):
    info = kernel.request(lambda client: client.kernel_info())
    assert info.get("debugger") is True


def test_language_info_tells_front_ends_about_ipython_syntax_and_the_python_exporter(kernel):
    info = kernel.request(lambda client: client.kernel_info())["language_info"]
    assert info["codemirror_mode"] == {"name": "ipython", "version": 3}
    assert info["pygments_lexer"] == "ipython3"
    assert info["nbconvert_exporter"] == "python"
    assert info["mimetype"] == "text/x-python"


def test_language_info_is_ipykernels(kernel):
    reference = Kernel(kernel_name="python3")
    try:
        expected = reference.request(lambda client: client.kernel_info())["language_info"]
    finally:
        reference.shutdown()
    assert kernel.request(lambda client: client.kernel_info())["language_info"] == expected


def first_kernel_info_reply(client, timeout=30):
    """The content of the kernel's very first reply: kernel_info is asked until the kernel
    listens, as front ends do, and nothing else has been sent before."""
    asked = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        asked.add(client.kernel_info())
        try:
            reply = client.get_shell_msg(timeout=0.2)
        except queue.Empty:
            continue
        if reply["parent_header"].get("msg_id") in asked:
            return reply["content"]
    raise TimeoutError("no kernel_info_reply")


def test_kernel_info_answered_before_the_shell_exists_is_the_same_as_after_a_cell():
    manager = KernelManager(kernel_name="xlazy")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    try:
        before = first_kernel_info_reply(client)
        # Replies to the other kernel_info requests sent while the kernel started are skipped.
        assert client.execute_interactive("1 + 1", timeout=30)["content"]["status"] == "ok"
        msg_id = client.kernel_info()
        while (reply := client.get_shell_msg(timeout=30))["parent_header"].get("msg_id") != msg_id:
            pass
        after = reply["content"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert before == after


def test_banner_names_the_python_and_ipython_that_run(kernel, xlazy_program):
    versions = subprocess.run(
        ["/usr/bin/python3", "-c", "import platform, IPython; print(platform.python_version(), IPython.__version__)"],
        capture_output=True, text=True,
    ).stdout.split()
    version = subprocess.run([xlazy_program, "--version"], capture_output=True, text=True).stdout.split()[1]
    banner = kernel.request(lambda client: client.kernel_info())["banner"]
    assert banner.startswith(f"xlazy {version} (Python {versions[0]}, IPython {versions[1]})\n")
