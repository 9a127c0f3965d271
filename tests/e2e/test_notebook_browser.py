"""Browser test of xlazy in the classic Notebook UI (Debian's Notebook 6).

The kernel is installed with `cmake --install` into a temporary prefix, a Notebook server is
started that sees only that prefix's kernelspecs (plus the system ones), and
notebook_browser.mjs drives Debian's Chromium through it: New -> Python 3 (xlazy), heavy
imports, `%lazy status`, a resolved import and a failing deferred import. The server and
every process it started are stopped whatever happens, and the test checks none is left.
"""
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

HERE = Path(__file__).resolve().parent
BROWSER_SCRIPT = HERE / "notebook_browser.mjs"
SYSTEM_PYTHON = "/usr/bin/python3"
CHROMIUM = "/usr/bin/chromium"

# Hang guards only: nothing here asserts how long a step took.
SERVER_START_TIMEOUT = 60
BROWSER_SCRIPT_TIMEOUT = 600
STOP_GRACE = 15


def build_dir():
    return Path(os.environ.get("XLAZY_BUILD_DIR", "/work/main/build")).resolve()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def alive(process):
    """True while `process` runs; a zombie has already finished."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until_gone(processes, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(alive(process) for process in processes):
            return True
        time.sleep(0.1)
    return False


def descendants(process):
    try:
        return process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def stop_process_tree(popen):
    """Stop a process started with start_new_session=True and everything it started.

    Descendants are listed before signalling, because kernels and Chromium run in process
    groups of their own and would not get a signal sent to the leader's group. SIGTERM
    first so the Notebook server shuts its kernels down and Playwright closes Chromium;
    SIGKILL for whatever is still there after the grace period.
    """
    try:
        tree = [psutil.Process(popen.pid)]
    except psutil.NoSuchProcess:
        tree = []
    tree += [child for process in tree for child in descendants(process)]
    if popen.poll() is None:
        try:
            os.killpg(popen.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    try:
        popen.wait(timeout=STOP_GRACE)
    except subprocess.TimeoutExpired:
        pass
    # Anything started while we waited is a descendant too.
    tree += [child for process in tree for child in descendants(process) if child not in tree]
    if popen.poll() is None or not wait_until_gone(tree, STOP_GRACE):
        for process in tree:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        try:
            os.killpg(popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    popen.wait()
    wait_until_gone(tree, STOP_GRACE)
    return tree

@dataclass
class BrowserRun:
    finished: bool  # False when it was stopped at BROWSER_SCRIPT_TIMEOUT
    returncode: int
    output: str


def run_browser_script(script, arguments, profile, log_name):
    """Runs the browser script `script` of this folder with Node, in a new Chromium profile
    (`profile`, created here), and stops it and its Chromium if it outlives
    BROWSER_SCRIPT_TIMEOUT. Its output goes to the artifacts as `log_name` and to the test log."""
    node = shutil.which("node")
    assert node, "node (Node.js 20) is not on PATH"
    assert (HERE / "node_modules/playwright-core").is_dir(), "run `npm ci` in tests/e2e first"
    artifacts = build_dir() / "e2e-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    profile.mkdir()
    command = [node, str(HERE / script), *arguments,
               "--artifacts", str(artifacts), "--profile", str(profile), "--chromium", CHROMIUM]
    browser = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    finished = True
    try:
        output, _ = browser.communicate(timeout=BROWSER_SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        finished = False
    finally:
        if browser.poll() is None:
            stop_process_tree(browser)
    if not finished:
        output, _ = browser.communicate()  # what it printed before it was stopped
    (artifacts / log_name).write_text(output)
    print(output)
    return BrowserRun(finished, browser.returncode, output)



def leftover_processes(marks):
    """Processes whose command line contains any of `marks` (paths or arguments unique to this test)."""
    found = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if any(mark in cmdline for mark in marks) and alive(process):
            found.append(f"{process.info['pid']}: {cmdline}")
    return found


@contextmanager
def jupyter_server(root, environment, command, name):
    """A Jupyter server started from `command(port, token, notebooks)` in `root`, finding the
    xlazy installed in `root`/prefix. `environment` gets fresh Jupyter and IPython directories,
    so no user or machine setting (a config, a theme, a workspace) changes what the server or
    the kernel does, and JUPYTER_PATH puts the installed kernelspec first. Yields the server's
    url, token, prefix and process; on leaving, stops it and fails on any process left behind."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install the Debian package chromium")
    prefix = root / "prefix"
    installed = subprocess.run(["cmake", "--install", str(build_dir()), "--prefix", str(prefix)],
                               capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    notebooks = root / "notebooks"
    notebooks.mkdir()
    env = dict(environment)
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR"):
        path = root / variable.lower()
        path.mkdir()
        env[variable] = str(path)
    env["JUPYTER_PATH"] = str(prefix / "share/jupyter")

    port = free_port()
    token = secrets.token_hex(24)
    arguments = command(port, token, notebooks)
    log_path = root / f"{name}.log"
    log = open(log_path, "w")
    server = subprocess.Popen(
        arguments, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, killed as a whole at the end
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_server(server, url, token, log_path)
        yield {"url": url, "token": token, "prefix": prefix, "server": server}
    finally:
        stopped = stop_process_tree(server)
        log.close()
        artifacts = build_dir() / "e2e-artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, artifacts / f"{name}.log")
        # Paths unique to this run: the installed kernel program and the server's notebook dir.
        marks = [str(prefix / "bin/xlazy")] + [argument for argument in arguments if str(notebooks) in argument]
        still_running = [f"{process.pid}" for process in stopped if alive(process)]
        still_running += leftover_processes(marks)
        assert not still_running, f"processes left after stopping {name}: {still_running}"


@pytest.fixture(scope="module")
def notebook_server(tmp_path_factory):
    """A Notebook 6 server on 127.0.0.1 that finds the xlazy installed in a temporary prefix."""
    environment = dict(os.environ)
    environment.pop("JUPYTER_CONFIG_PATH", None)
    command = lambda port, token, notebooks: [  # noqa: E731
        SYSTEM_PYTHON, "-m", "notebook", "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--NotebookApp.token={token}", f"--notebook-dir={notebooks}"]
    with jupyter_server(tmp_path_factory.mktemp("notebook-e2e"), environment, command, "notebook-server") as server:
        server["kernel_dir"] = server["prefix"] / "share/jupyter/kernels/xlazy"
        assert (server["kernel_dir"] / "kernel.json").is_file()
        yield server


def wait_for_server(server, url, token, log_path):
    status_url = f"{url}api/status?token={token}"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"Notebook server exited with {server.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(status_url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            pass
        time.sleep(0.2)
    pytest.fail(f"Notebook server did not answer {url}api/status:\n{log_path.read_text()}")


def running_kernel_programs(server):
    """The programs of the kernels the server has started: argv[0], or for an interpreter
    running a script (xlazy's launcher, `#!/usr/bin/python3`) that script."""
    programs = []
    for child in descendants(psutil.Process(server.pid)):
        try:
            command = child.cmdline()
            runs_a_script = len(command) > 1 and not command[1].startswith("-")
            interpreter = os.path.realpath(command[0]) == os.path.realpath(sys.executable)
            programs.append(command[1] if interpreter and runs_a_script else command[0])
        except (psutil.NoSuchProcess, IndexError):
            pass
    return programs


def test_new_xlazy_notebook_defers_imports_in_the_browser(notebook_server, tmp_path):
    profile = tmp_path / "chromium-profile"
    run = run_browser_script("notebook_browser.mjs", [
        "--url", notebook_server["url"],
        "--token", notebook_server["token"],
        "--expected-logo", str(notebook_server["kernel_dir"] / "logo-64x64.png"),
    ], profile, "notebook-browser.log")
    assert run.finished, f"notebook_browser.mjs did not finish in {BROWSER_SCRIPT_TIMEOUT} s:\n{run.output}"
    assert run.returncode == 0, f"notebook_browser.mjs failed (exit {run.returncode}):\n{run.output}"
    assert not leftover_processes([str(profile)]), "Chromium is still running after the script ended"

    # The notebook's kernel is the installed copy, not the build tree's or a system-wide one.
    installed_program = str(notebook_server["prefix"] / "bin/xlazy")
    assert installed_program in running_kernel_programs(notebook_server["server"])
