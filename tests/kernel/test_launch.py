"""The xlazy program's command line: what a user or an admin sees when starting it by hand."""
import json

import pytest

from conftest import run_program


def write_connection_file(tmp_path, **overrides):
    config = {
        "transport": "tcp",
        "ip": "127.0.0.1",
        "shell_port": 50001,
        "iopub_port": 50002,
        "stdin_port": 50003,
        "control_port": 50004,
        "hb_port": 50005,
        "key": "a0436f6c-1916-498b-8eb9-e81ab9368e84",
        "signature_scheme": "hmac-sha256",
    }
    config.update(overrides)
    path = tmp_path / "connection.json"
    path.write_text(json.dumps({k: v for k, v in config.items() if v is not None}))
    return path


def test_version_prints_the_version_and_exits_zero(xlazy_program):
    finished = run_program(xlazy_program, "--version")
    assert finished.returncode == 0
    assert finished.stdout.startswith("xlazy ")
    assert finished.stdout.split()[1][0].isdigit()


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_describes_every_option(xlazy_program, flag):
    finished = run_program(xlazy_program, flag)
    assert finished.returncode == 0
    for option in ("-f", "--lazy-mode", "off", "cell", "all", "XLAZY_MODE", "--version"):
        assert option in finished.stdout


def test_unknown_option_is_refused_with_usage(xlazy_program):
    finished = run_program(xlazy_program, "--frobnicate")
    assert finished.returncode != 0
    assert "unknown option '--frobnicate'" in finished.stderr
    assert "Usage:" in finished.stderr


def test_missing_connection_file_argument_is_explained(xlazy_program):
    finished = run_program(xlazy_program)
    assert finished.returncode != 0
    assert "connection file is required" in finished.stderr


def test_unreadable_connection_file_is_named(xlazy_program, tmp_path):
    missing = tmp_path / "nowhere.json"
    finished = run_program(xlazy_program, "-f", str(missing))
    assert finished.returncode != 0
    assert f"cannot read connection file '{missing}'" in finished.stderr


def test_malformed_json_connection_file_is_reported(xlazy_program, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"shell_port": 5')
    finished = run_program(xlazy_program, "-f", str(path))
    assert finished.returncode != 0
    assert "is not valid JSON" in finished.stderr


def test_connection_file_missing_fields_lists_each_problem(xlazy_program, tmp_path):
    path = write_connection_file(tmp_path, shell_port=None, ip=None, key=None)
    finished = run_program(xlazy_program, "-f", str(path))
    assert finished.returncode != 0
    assert "'shell_port' must be an integer port number" in finished.stderr
    assert "'ip' must be a non-empty string" in finished.stderr
    assert "'key' must be a string" in finished.stderr


@pytest.mark.parametrize("arguments", [["--lazy-mode=sometimes"], ["--lazy-mode", "Cell"]])
def test_bad_lazy_mode_option_is_refused(xlazy_program, tmp_path, arguments):
    path = write_connection_file(tmp_path)
    finished = run_program(xlazy_program, "-f", str(path), *arguments)
    assert finished.returncode != 0
    assert "--lazy-mode must be one of off|cell|all" in finished.stderr


def test_bad_lazy_mode_environment_is_refused(xlazy_program, tmp_path):
    path = write_connection_file(tmp_path)
    finished = run_program(xlazy_program, "-f", str(path), env={"XLAZY_MODE": "never"})
    assert finished.returncode != 0
    assert "XLAZY_MODE must be one of off|cell|all, not 'never'" in finished.stderr


def test_lazy_mode_off_is_announced_in_the_banner(start_kernel):
    kernel = start_kernel(["--lazy-mode=off"])
    info = kernel.request(lambda client: client.kernel_info())
    assert "Lazy imports are off" in info["banner"]


def test_lazy_mode_from_environment_is_used(start_kernel):
    kernel = start_kernel(env={"XLAZY_MODE": "off"})
    info = kernel.request(lambda client: client.kernel_info())
    assert "Lazy imports are off" in info["banner"]


def test_command_line_mode_wins_over_environment(start_kernel):
    kernel = start_kernel(["--lazy-mode=cell"], env={"XLAZY_MODE": "off"})
    info = kernel.request(lambda client: client.kernel_info())
    assert "Imports are deferred" in info["banner"]
