"""kernel_info_reply: what frontends show about the kernel."""
import platform
import subprocess


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
