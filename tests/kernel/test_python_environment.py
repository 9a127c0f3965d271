"""The embedded interpreter is /usr/bin/python3: same executable, paths, packages, environment."""
import json
import os
import subprocess

import pytest

PYTHON = "/usr/bin/python3"


def system_python(code, env=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    finished = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, env=full_env, check=True)
    return finished.stdout.strip()


def kernel_json(kernel, expression):
    return json.loads(eval(kernel.value(f"import json; json.dumps({expression})")))


def test_sys_executable_is_the_system_python(kernel):
    assert kernel.value("import sys; sys.executable") == repr(PYTHON)


def test_prefix_matches_the_system_python(kernel):
    assert kernel_json(kernel, "[sys.prefix, sys.exec_prefix]") == json.loads(
        system_python("import sys, json; print(json.dumps([sys.prefix, sys.exec_prefix]))")
    )


def test_sys_path_is_the_system_pythons_plus_the_working_directory(kernel):
    kernel_path = kernel_json(kernel, "sys.path")
    python_path = json.loads(system_python("import sys, json; print(json.dumps(sys.path))"))
    cwd = eval(kernel.value("import os; os.getcwd()"))
    assert kernel_path[0] == cwd
    assert [p for p in kernel_path[1:] if p] == [p for p in python_path if p]


@pytest.mark.parametrize("module", ["numpy", "scipy", "sympy", "IPython", "zmq", "joblib"])
def test_debian_packages_import(kernel, module):
    location = eval(kernel.value(f"import {module}; {module}.__file__"))
    assert location.startswith("/usr/lib/python3/dist-packages/")


def test_pythonhashseed_gives_the_same_hashes_and_set_order_as_python(start_kernel):
    kernel = start_kernel(env={"PYTHONHASHSEED": "0"})
    code = "hash('abc'), list({'pandas', 'numpy', 'scipy', 'torch', 'sympy'})"
    expected = system_python(f"print(repr(({code})))", env={"PYTHONHASHSEED": "0"})
    assert kernel.value(code) == expected


def test_pythonpath_extends_sys_path(start_kernel, tmp_path):
    (tmp_path / "my_helpers.py").write_text("ANSWER = 42\n")
    kernel = start_kernel(env={"PYTHONPATH": str(tmp_path)})
    assert kernel.value("import my_helpers; my_helpers.ANSWER") == "42"


def test_pythonwarnings_sets_warning_filters(start_kernel):
    kernel = start_kernel(env={"PYTHONWARNINGS": "error::UserWarning"})
    result = kernel.execute("import warnings; warnings.warn('careful')")
    assert result.status == "error"
    assert result.reply["ename"] == "UserWarning"


def test_standard_streams_are_utf8_text(kernel):
    assert kernel.value("import sys; sys.stdout.encoding, sys.stderr.encoding") == "('UTF-8', 'UTF-8')"


def test_sympy_pretty_prints_unicode(kernel):
    result = kernel.execute("import sympy; sympy.pprint(sympy.sqrt(sympy.Symbol('x')))")
    assert "√x" in result.stdout


def test_subprocess_runs_the_system_python(kernel):
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'print(6*7)'], capture_output=True, text=True).stdout"
    assert kernel.value(code) == "'42\\n'"


@pytest.mark.parametrize("start_method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_pool_works(kernel, start_method):
    code = (
        "import multiprocessing\n"
        f"with multiprocessing.get_context('{start_method}').Pool(2) as pool:\n"
        "    squares = pool.map(abs, [-1, -2, -3])\n"
        "squares"
    )
    assert kernel.value(code) == "[1, 2, 3]"


def test_concurrent_futures_process_pool_works(kernel):
    code = (
        "from concurrent.futures import ProcessPoolExecutor\n"
        "with ProcessPoolExecutor(2) as pool:\n"
        "    values = list(pool.map(abs, [-4, -5]))\n"
        "values"
    )
    assert kernel.value(code) == "[4, 5]"


def test_joblib_loky_runs_workers(kernel):
    code = (
        "from joblib import Parallel, delayed\n"
        "import math\n"
        "Parallel(n_jobs=2, backend='loky')(delayed(math.factorial)(n) for n in range(5))"
    )
    assert kernel.value(code) == "[1, 1, 2, 6, 24]"
