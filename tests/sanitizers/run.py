"""Runs one test command with the sanitizer settings below; fails if any process left a report.

Usage: run.py REPORT_DIR COMMAND...

Every process of the run (the engine suite, each kernel jupyter_client starts, children
they fork) writes its AddressSanitizer, LeakSanitizer and UBSan reports to files in
REPORT_DIR instead of a stderr that a test may not read: a report in a kernel that the
test never looks at again, or printed at exit after the test passed, still fails the run.
"""
import os
import pathlib
import shutil
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent


def sanitizer_environment(report_dir):
    asan = {
        "log_path": f"{report_dir}/asan",
        # CPython turns a failed allocation into MemoryError (tests provoke it); ASan's
        # default is to abort on requests larger than it can serve.
        "allocator_may_return_null": "1",
        "detect_leaks": "1",
        "strict_string_checks": "1",
        "detect_stack_use_after_return": "1",
        "check_initialization_order": "1",
    }
    ubsan = {
        "log_path": f"{report_dir}/ubsan",
        # Also compiled in with -fno-sanitize-recover=all: the first report ends the process.
        "halt_on_error": "1",
        "print_stacktrace": "1",
        "suppressions": str(HERE / "ubsan.supp"),
    }
    lsan = {"suppressions": str(HERE / "lsan.supp"), "print_suppressions": "0"}
    return {
        "ASAN_OPTIONS": ":".join(f"{k}={v}" for k, v in asan.items()),
        "UBSAN_OPTIONS": ":".join(f"{k}={v}" for k, v in ubsan.items()),
        "LSAN_OPTIONS": ":".join(f"{k}={v}" for k, v in lsan.items()),
        # CPython's small-object pools would hide overflows into its objects from ASan.
        "PYTHONMALLOC": "malloc",
    }


def main(report_dir, command):
    reports = pathlib.Path(report_dir)
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)
    env = dict(os.environ)
    env.update(sanitizer_environment(reports))
    # Tests that check one process's reports look here (tests/kernel/test_sanitized_build.py).
    env["XLAZY_SANITIZER_REPORTS"] = str(reports)
    exit_code = subprocess.call(command, env=env)
    found = sorted(reports.iterdir())
    for report in found:
        print(f"==== {report.name}", file=sys.stderr)
        print(report.read_text(errors="replace"), file=sys.stderr)
    print(f"sanitizers: {len(found)} report(s) in {reports}; the tests exited with {exit_code}")
    return 1 if found else exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
