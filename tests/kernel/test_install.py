"""`cmake --install` with any prefix yields a kernelspec Jupyter finds and starts."""
import json
import os
import struct
import subprocess

import pytest
from jupyter_client.kernelspec import KernelSpecManager


@pytest.fixture(scope="module")
def installed_prefix(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("prefix")
    subprocess.run(
        ["cmake", "--install", os.environ["XLAZY_BUILD_DIR"], "--prefix", str(prefix)],
        check=True, capture_output=True,
    )
    return prefix


def png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_kernel_json_names_the_installed_program(installed_prefix):
    spec = json.loads((installed_prefix / "share/jupyter/kernels/xlazy/kernel.json").read_text())
    program = installed_prefix / "bin/xlazy"
    assert spec["argv"] == [str(program), "-f", "{connection_file}"]
    assert os.access(program, os.X_OK)
    assert spec["display_name"] == "Python 3 (xlazy)"
    assert spec["language"] == "python"
    assert spec["metadata"]["debugger"] is True


def test_logos_are_installed_at_their_sizes(installed_prefix):
    spec_dir = installed_prefix / "share/jupyter/kernels/xlazy"
    assert png_size(spec_dir / "logo-32x32.png") == (32, 32)
    assert png_size(spec_dir / "logo-64x64.png") == (64, 64)
    assert (spec_dir / "logo-svg.svg").read_text().lstrip().startswith("<svg")


def test_jupyter_finds_and_runs_the_installed_kernel(installed_prefix):
    share = installed_prefix / "share/jupyter"
    spec = KernelSpecManager(kernel_dirs=[str(share / "kernels")]).get_kernel_spec("xlazy")
    assert spec.display_name == "Python 3 (xlazy)"
    env = dict(os.environ, JUPYTER_PATH=str(share))
    finished = subprocess.run(
        ["/usr/bin/python3", "-c",
         "from jupyter_client.manager import start_new_kernel\n"
         "km, kc = start_new_kernel(kernel_name='xlazy')\n"
         "kc.execute_interactive('import sys; print(sys.argv[0])', timeout=30)\n"
         "kc.stop_channels(); km.shutdown_kernel()"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.strip() == str(installed_prefix / "bin/xlazy")
