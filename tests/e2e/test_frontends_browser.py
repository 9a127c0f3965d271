"""Browser tests of xlazy in the current front ends: JupyterLab 4 and Notebook 7.

The front ends run from the virtual environment `make test` installs under the build folder
from tests/e2e/frontends.lock (XLAZY_FRONTENDS_VENV); the kernel keeps running on Debian's
/usr/bin/python3, found through a kernelspec installed with `cmake --install` into a
temporary prefix on JUPYTER_PATH, as for a user who pip-installs JupyterLab and uses a system
kernel. One jupyter_server serves both front ends (/lab and /tree). jupyterlab_browser.mjs
and notebook7_browser.mjs drive Debian's Chromium through them; the server and every process
it started are stopped whatever happens, and the test checks none is left.
"""
import os
from pathlib import Path

import pytest

from test_notebook_browser import (BROWSER_SCRIPT_TIMEOUT, build_dir, jupyter_server, leftover_processes,
                                   run_browser_script,
                                   running_kernel_programs)


# Failures that are understood and outside the front end, by part: (what the browser reports,
# why). Only that exact failure counts as expected; any other fails the test, and a pass passes.
KNOWN_FAILURES = {
    "jupyterlab-widgets": (
        "Wrong widget protocol version: received protocol version ''",
        "Debian 12's python3-ipywidgets 6.0.0 opens its comms without a protocol version (models of "
        "jupyter-js-widgets 2); no jupyterlab_widgets release renders them in JupyterLab 4: 3.0.x, the only "
        "line built for JupyterLab 4, accepts protocol major version 2 (ipywidgets 7 and 8) only, and "
        "1.x / 0.x are extensions for JupyterLab 3 / 0.x",
    ),
}


def frontends_venv():
    venv = Path(os.environ.get("XLAZY_FRONTENDS_VENV", build_dir() / "frontends-venv"))
    if not (venv / "bin" / "jupyter-lab").exists():
        pytest.fail(f"{venv} has no JupyterLab: run `make test` (it installs tests/e2e/frontends.lock there)")
    return venv


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory):
    """jupyter_server from the front-end venv, finding the xlazy installed in a temporary prefix."""
    venv = frontends_venv()
    # Nothing of the machine's Jupyter or Python settings reaches the venv's server.
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("JUPYTER", "PYTHON"))}
    command = lambda port, token, notebooks: [  # noqa: E731
        str(venv / "bin" / "jupyter-lab"), "--no-browser", "--allow-root",
        "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        # The scripts read the kernel's state from the page's application object.
        "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True",
        # No "would you like news" notification over the notebook.
        "--LabApp.news_url=None"]
    with jupyter_server(tmp_path_factory.mktemp("frontends-e2e"), environment, command, "jupyter-server") as server:
        yield server


def run_lab_script(script, server, profile, name, *arguments):
    """Runs one of the browser scripts against `server`; its log goes to the artifacts."""
    run = run_browser_script(script, ["--url", server["url"], "--token", server["token"], *arguments],
                             profile, f"{name}-browser.log")
    if run.returncode != 0 and name in KNOWN_FAILURES and KNOWN_FAILURES[name][0] in run.output:
        pytest.xfail(KNOWN_FAILURES[name][1])
    assert run.finished, f"{script} did not finish in {BROWSER_SCRIPT_TIMEOUT} s:\n{run.output}"
    assert run.returncode == 0, f"{script} failed (exit {run.returncode}):\n{run.output}"
    assert not leftover_processes([str(profile)]), "Chromium is still running after the script ended"


# Each part opens a notebook of its own from the launcher (see jupyterlab_browser.mjs).
@pytest.mark.parametrize("part", ["editing", "debugger", "widgets", "kernel-menu"])
def test_jupyterlab_4(lab_server, tmp_path, part):
    run_lab_script("jupyterlab_browser.mjs", lab_server, tmp_path / "chromium-profile",
                       f"jupyterlab-{part}", "--part", part)
    assert str(lab_server["prefix"] / "bin/xlazy") in running_kernel_programs(lab_server["server"])


def test_notebook_7_new_menu_opens_a_notebook_on_xlazy(lab_server, tmp_path):
    run_lab_script("notebook7_browser.mjs", lab_server, tmp_path / "chromium-profile", "notebook7")
