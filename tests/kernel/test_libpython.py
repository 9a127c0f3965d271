"""The kernel runs where the build chose: by default inside /usr/bin/python3 itself
(XLAZY_IN_PYTHON3), else on the libpython chosen by XLAZY_STATIC_LIBPYTHON (the static,
profile-guided one /usr/bin/python3 is made of, never the slower shared one by accident);
and what loads into /usr/bin/python3 loads into the kernel too."""
import os
import pathlib

import pytest


def configured(option):
    """Whether the build under test was configured with `option` ON."""
    cache = pathlib.Path(os.environ["XLAZY_BUILD_DIR"]) / "CMakeCache.txt"
    for line in cache.read_text().splitlines():
        if line.startswith(option + ":"):
            return line.split("=", 1)[1].upper() in ("ON", "1", "TRUE", "YES")
    raise AssertionError(f"{option} is not in {cache}")


def embeds_libpython(static):
    return not configured("XLAZY_IN_PYTHON3") and configured("XLAZY_STATIC_LIBPYTHON") == static


def mapped_libpython(kernel):
    code = "sorted({line.split()[-1] for line in open('/proc/self/maps') if 'libpython3' in line})"
    return eval(kernel.value(code))


@pytest.mark.skipif(not embeds_libpython(static=True), reason="not a program embedding the static libpython")
def test_static_build_maps_no_shared_libpython(fresh_kernel):
    assert mapped_libpython(fresh_kernel) == []


@pytest.mark.skipif(not embeds_libpython(static=False), reason="not a program embedding the shared libpython")
def test_shared_build_runs_on_the_shared_libpython(fresh_kernel):
    assert [pathlib.Path(path).name for path in mapped_libpython(fresh_kernel)] == ["libpython3.11.so.1.0"]


@pytest.mark.skipif(not configured("XLAZY_IN_PYTHON3"), reason="built as a program embedding Python")
def test_in_python3_build_runs_inside_the_python_executable_with_no_libpython(fresh_kernel):
    # The point of XLAZY_IN_PYTHON3: the interpreter code is the executable's (PGO + LTO).
    assert os.path.realpath(f"/proc/{fresh_kernel.pid}/exe") == os.path.realpath("/usr/bin/python3")
    assert mapped_libpython(fresh_kernel) == []


def test_the_c_api_is_found_in_the_running_program(kernel):
    # What extension modules without a NEEDED libpython (numpy's, libxeus-python) rely on.
    assert kernel.value("import ctypes; hasattr(ctypes.CDLL(None), 'PyObject_GetAttr')") == "True"


def test_extension_modules_run(kernel):
    assert kernel.value("import numpy, pandas; int(pandas.Series(numpy.arange(5)).sum())") == "10"


def test_an_extension_that_needs_the_shared_libpython_runs_as_under_python3(kernel):
    # rdkit's modules list libpython3.11.so as NEEDED; /usr/bin/python3 loads them the same way.
    assert kernel.value("from rdkit import Chem; Chem.MolFromSmiles('CCO').GetNumAtoms()") == "3"


def test_the_debugger_attaches(fresh_kernel):
    initialize = fresh_kernel.control(
        "debug_request",
        {"type": "request", "seq": 1, "command": "initialize",
         "arguments": {"clientID": "test", "adapterID": "python", "pathFormat": "path",
                       "linesStartAt1": True, "columnsStartAt1": True}},
    )
    assert initialize["success"], initialize
    attach = fresh_kernel.control(
        "debug_request", {"type": "request", "seq": 2, "command": "attach", "arguments": {}}
    )
    assert attach["success"], attach
    assert fresh_kernel.value("6 * 7") == "42"
