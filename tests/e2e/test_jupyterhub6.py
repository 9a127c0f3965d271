"""xlazy as the default kernel of a current JupyterHub (6, from the front-end venv).

The same admin file (tests/e2e/jupyterhub_config.py) and the same harness as the Debian
JupyterHub 3 tests in test_jupyterhub.py, whose protocol-level tests run here again against
JupyterHub 6 with jupyter_server + JupyterLab user servers (the fixtures below replace the
Hub). On top, a user logs in with Chromium and uses JupyterLab as the Hub serves it
(jupyterhub_lab_browser.mjs). Stopping each Hub must leave no process behind.
"""
import pytest

from test_frontends_browser import frontends_venv
from test_jupyterhub import (  # noqa: F401 -- fixtures and tests run here against JupyterHub 6
    PASSWORD, HubStack, HubUser, alice, kernel, kind_of, processes_of, running_hub, xlazy_prefix,
    test_a_cell_runs_and_lazy_status_is_displayed, test_a_kernel_started_without_a_name_is_the_installed_xlazy,
    test_login_form_checks_the_password, test_the_admin_mode_and_exclusions_reach_the_kernel)
from test_notebook_browser import leftover_processes, run_browser_script



def current_stack():
    bin_dir = frontends_venv() / "bin"
    return HubStack(
        str(bin_dir / "jupyterhub"), str(bin_dir / "jupyterhub-singleuser"),
        harness_lines=(
            "# JupyterHub 5+ lets nobody in unless told who may log in.",
            "c.Authenticator.allow_all = True",
            "# The browser script reads the kernel's state from JupyterLab's application object.",
            "c.Spawner.args += ['--LabApp.expose_app_in_browser=True', '--LabApp.news_url=None']",
        ))


@pytest.fixture(scope="module")
def hub(tmp_path_factory, xlazy_prefix):  # noqa: F811 -- replaces the Debian Hub of test_jupyterhub
    with running_hub(tmp_path_factory.mktemp("hub6"), xlazy_prefix, stack=current_stack()) as running:
        yield running


def test_jupyterlab_through_the_hub_opens_on_xlazy_and_applies_the_admin_settings(hub, tmp_path):
    profile = tmp_path / "chromium-profile"
    hub.users_with_servers.add("dana")  # teardown stops the server the browser starts
    run = run_browser_script("jupyterhub_lab_browser.mjs",
                             ["--url", hub.url + "/", "--user", "dana", "--password", PASSWORD],
                             profile, "jupyterhub6-browser.log")
    assert run.finished and run.returncode == 0, f"jupyterhub_lab_browser.mjs failed:\n{run.output}\n{hub.log_tail()}"
    # The notebook's kernel stays running: stopping the Hub must end it too (checked on teardown).
    assert not leftover_processes([str(profile)]), "Chromium is still running after the script ended"


def test_stopping_the_hub_leaves_no_process(tmp_path, xlazy_prefix):  # noqa: F811
    # jupyter_server 2 without a terminal exits on the SIGINT with which the spawner stops it,
    # without shutting its kernels down; xlazy then ends as its server is gone.
    run_dir = tmp_path / "hub6-stop"
    run_dir.mkdir()
    stack = current_stack()
    with running_hub(run_dir, xlazy_prefix, stack=stack) as running:
        erin = HubUser(running, "erin")
        assert erin.log_in()
        erin.start_server()
        created = erin.server_api("POST", "/kernels", data=b"")
        assert created.status_code == 201, created.text
        kinds = {kind_of(process, xlazy_prefix, stack) for process in processes_of(run_dir)}
        assert kinds == {"jupyterhub", "configurable-http-proxy", "jupyterhub-singleuser", "xlazy"}
    assert not processes_of(run_dir)
