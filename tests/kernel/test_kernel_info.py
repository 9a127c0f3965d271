"""kernel_info_reply: what frontends show about the kernel."""
import platform
import subprocess

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
