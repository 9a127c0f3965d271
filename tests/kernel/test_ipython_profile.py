"""The profile's configuration reaches the shell, as under ipykernel: ipython_config.py,
then ipython_kernel_config.py, whose settings win."""
import contextlib

from conftest import Kernel


@contextlib.contextmanager
def kernel_with_profile(ipython_dir, **config_files):
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    for name, text in config_files.items():
        (profile / f"{name}.py").write_text(text)
    kernel = Kernel(env={"IPYTHONDIR": str(ipython_dir)})
    try:
        yield kernel
    finally:
        kernel.shutdown()


def test_ipython_config_settings_apply_to_the_shell(tmp_path):
    with kernel_with_profile(tmp_path, ipython_config="c.InteractiveShell.ast_node_interactivity = 'all'\n") as kernel:
        assert [result["text/plain"] for result in kernel.execute("1\n2").results] == ["1", "2"]


def test_ipython_kernel_config_is_read_after_ipython_config(tmp_path):
    with kernel_with_profile(
        tmp_path,
        ipython_config="c.InteractiveShell.ast_node_interactivity = 'all'\n",
        ipython_kernel_config="c.InteractiveShell.ast_node_interactivity = 'last_expr_or_assign'\n",
    ) as kernel:
        assert kernel.execute("1\nanswer = 42").text == "42"


def test_history_can_be_switched_off_in_the_profile(tmp_path):
    with kernel_with_profile(tmp_path, ipython_config="c.HistoryManager.enabled = False\n") as kernel:
        kernel.execute("answer = 42")
    assert not (tmp_path / "profile_default" / "history.sqlite").exists()


def test_configured_history_connection_options_are_kept(tmp_path):
    with kernel_with_profile(tmp_path, ipython_config="c.HistoryManager.connection_options = {'timeout': 7.0}\n") as kernel:
        assert kernel.execute("get_ipython().history_manager.connection_options['timeout']").text == "7.0"


def test_a_config_file_that_raises_is_skipped_and_the_kernel_starts(tmp_path):
    with kernel_with_profile(tmp_path, ipython_kernel_config="1 / 0\n") as kernel:
        assert kernel.execute("6 * 7").text == "42"


def test_settings_written_for_ipykernels_application_apply(tmp_path):
    with kernel_with_profile(tmp_path, ipython_kernel_config="c.IPKernelApp.exec_lines = ['preloaded = 42']\n") as kernel:
        assert kernel.execute("preloaded").text == "42"


def test_startup_files_of_the_profile_run_before_the_first_cell(tmp_path):
    startup = tmp_path / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-greeting.py").write_text("greeting = 'from the profile'\n")
    with kernel_with_profile(tmp_path) as kernel:
        assert kernel.execute("greeting").text == "'from the profile'"
