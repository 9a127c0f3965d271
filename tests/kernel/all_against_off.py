"""All mode against off mode: the same notebook must show the same thing in both.

Each case writes a few small modules into a folder of its own, and runs the same cells in an
all-mode kernel and an off-mode kernel, both shared by every case of a test file (module
names are unique per case). What the notebook shows (status, output, result, error) must be
the same in both. The reasons below are the differences `all` mode keeps by design, each a
row of the README's "What deferral changes" table for `all` mode; the cases showing them are
strict expected failures, so that one that starts passing is noticed.
"""
import pytest

from conftest import Kernel

MODES = ("all", "off")

BEFORE_IT_RAN = ("a library's pending import is the module before it ran until an attribute read "
                 "runs it: __doc__, vars(), __annotations__, importlib.reload and sys.modules see that")
REPLACED_ITSELF = ("the library keeps the module object its import bound; a module that puts another "
                   "object in sys.modules as it runs is reached through it, but is not it")
CYCLE_COMPLETES = ("the second library's import waits, so a circular import that fails eagerly "
                   "completes: the first library has finished by the time the second one runs "
                   "(and so sees what the first bound after its import line)")
ENVIRONMENT = ("a deferred module runs with its import line's sys.path and warnings filters, not with "
               "environment variables its importer set only around the import")
REGISTERS_AT_FIRST_READ = ("a module a library imports and reads registers what it registers at that "
                           "first read, not when the library is imported")
FOUND_BY_CALLS = ("a folder a deferred module puts on sys.path is there once that module runs; an import "
                  "statement that fails for want of it runs what libraries deferred and looks again, "
                  "but importlib.import_module, __import__ called from code and find_spec do not")


@pytest.fixture(scope="module")
def kernels():
    running = {mode: Kernel([f"--lazy-mode={mode}"]) for mode in MODES}
    for kernel in running.values():
        assert kernel.execute("notebook_variable = 'kept'").status == "ok"
    yield running
    for kernel in running.values():
        kernel.shutdown()


def shown(result):
    """What a notebook shows for one cell."""
    error = result.errors[0] if result.errors else None
    return {
        "status": result.status,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "result": result.results[-1].get("text/plain") if result.results else None,
        "error": f"{error['ename']}: {error['evalue']}" if error else None,
    }


def notebook(kernel, folder, cells):
    """Runs `cells` with `folder` first on sys.path, and takes it off afterwards."""
    setup = kernel.execute(f"import sys as _sys\n_sys.path.insert(0, {str(folder)!r})")
    assert setup.status == "ok", setup
    try:
        return [shown(kernel.execute(cell)) for cell in cells]
    finally:
        kernel.execute(f"_sys.path.remove({str(folder)!r})")


def assert_same_in_all_and_off_mode(kernels, tmp_path, probes, cells):
    for relative, source in probes.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    seen = {mode: notebook(kernels[mode], tmp_path, cells) for mode in MODES}
    for number, cell in enumerate(cells):
        assert seen["all"][number] == seen["off"][number], f"cell {number}: {cell!r}"
