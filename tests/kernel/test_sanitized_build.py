"""The kernel under test is the build's own, with the sanitizers its build was configured
with (XLAZY_SANITIZE): the sanitizer build's kernel subset checks the sanitized program,
never the normal one by accident. conftest checks the program's path for every kernel."""
import os
import pathlib

import pytest

from conftest import Kernel, wait_for_exit


def configured(option):
    cache = pathlib.Path(os.environ["XLAZY_BUILD_DIR"]) / "CMakeCache.txt"
    for line in cache.read_text().splitlines():
        if line.startswith(f"{option}:"):
            return line.split("=", 1)[1].upper() in ("ON", "1", "TRUE", "YES")
    raise AssertionError(f"{option} is not in {cache}")


SANITIZED = configured("XLAZY_SANITIZE")


def mapped_sanitizer_runtimes(kernel):
    # libasan.so.8, libubsan.so.1 ... by their names without the version.
    code = ("sorted({line.split()[-1].rsplit('/', 1)[-1].split('.so')[0] for line in open('/proc/self/maps')"
            " if 'san.so' in line})")
    return eval(kernel.value(code))


def test_the_kernel_carries_the_sanitizers_of_its_build(kernel):
    assert mapped_sanitizer_runtimes(kernel) == (["libasan", "libubsan"] if SANITIZED else [])


@pytest.mark.skipif(not SANITIZED, reason="a build without sanitizers runs CPython's own allocator")
def test_python_objects_are_allocated_where_address_sanitizer_sees_their_bounds(kernel):
    # pymalloc carves small objects out of 256 KiB arenas: an overflow from one object into
    # the next would stay inside memory ASan counts as allocated. sys._debugmallocstats()
    # describes pymalloc's arenas, and writes nothing when Python allocates with malloc.
    result = kernel.execute("import sys; sys._debugmallocstats()")
    assert result.status == "ok", result
    assert "arena" not in result.stderr


@pytest.mark.skipif("XLAZY_SANITIZER_REPORTS" not in os.environ,
                    reason="sanitizer reports are collected only under tests/sanitizers/run.py")
def test_a_kernel_shut_down_by_its_front_end_leaves_no_sanitizer_report():
    # At exit LeakSanitizer checks the heap; the gate's thread, ended by our exit handler
    # after OpenSSL's own had freed its thread-local keys, once left its error queue behind.
    kernel = Kernel()
    assert kernel.value("6 * 7") == "42"
    pid = kernel.pid
    kernel.shutdown()
    assert wait_for_exit(pid)
    reports = pathlib.Path(os.environ["XLAZY_SANITIZER_REPORTS"])
    assert [report.read_text() for report in reports.glob(f"*.{pid}")] == []
