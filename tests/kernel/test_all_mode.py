"""`--lazy-mode=all`: a library's own imports of other packages wait for their first use,
and `%lazy status --deep` shows what ran and what never running saved."""
import pytest

from conftest import kernel_with_probes

PROBES = {
    "applib/__init__.py": (
        "import usedlib\nimport unusedlib\n"
        "def answer():\n    return usedlib.VALUE\n"
        "def never_called():\n    return unusedlib.started\n"
    ),
    "usedlib.py": "print('usedlib ran')\nVALUE = 42\n",
    # Busy for 50 ms, so that what not running it saved is there to measure.
    "unusedlib.py": "import time\nstarted = time.perf_counter()\nwhile time.perf_counter() - started < 0.05:\n    pass\n",
    # As joblib.backports does: imported for a side effect only.
    "shimuser.py": "import distutils  # noqa\ndef version():\n    return 1\n",
    "shimreader.py": "import distutils\nNAME = distutils.__name__\n",
    # A plugin registering a codec, imported by a library that never reads it.
    "codecplugin.py": (
        "import codecs\n"
        "def find(name):\n"
        "    return codecs.lookup('rot13') if name == 'xlazy_rot' else None\n"
        "codecs.register(find)\n"
    ),
    "pluginuser.py": "import codecplugin  # noqa: F401, registers xlazy_rot\n",
}


@pytest.fixture
def all_mode_kernel(tmp_path):
    running = kernel_with_probes(tmp_path, PROBES, ["--lazy-mode=all"])
    yield running
    running.shutdown()


@pytest.fixture
def cell_mode_kernel(tmp_path):
    running = kernel_with_probes(tmp_path, PROBES, ["--lazy-mode=cell"])
    yield running
    running.shutdown()


def loaded(kernel, module):
    return kernel.value(f"import sys; {module!r} in sys.modules")


def test_a_librarys_import_of_another_package_waits_for_its_first_use(all_mode_kernel):
    assert all_mode_kernel.value("import applib\napplib.__name__") == "'applib'"
    assert loaded(all_mode_kernel, "usedlib") == "False"
    assert all_mode_kernel.value("type(applib.usedlib).__name__") == "'module'"

    result = all_mode_kernel.execute("applib.answer()")
    assert result.status == "ok", result
    assert result.stdout == "usedlib ran\n"
    assert result.text == "42"
    assert all_mode_kernel.value("sys.modules['usedlib'] is applib.usedlib") == "True"


def test_cell_mode_runs_a_librarys_imports_with_the_library(cell_mode_kernel):
    result = cell_mode_kernel.execute("import applib\napplib.__name__")
    assert result.stdout == "usedlib ran\n"
    assert loaded(cell_mode_kernel, "unusedlib") == "True"


def test_mode_all_chosen_at_run_time_applies_to_imports_not_run_yet(cell_mode_kernel):
    assert cell_mode_kernel.execute("%lazy mode all").stdout == "lazy mode: all\n"
    cell_mode_kernel.execute("import applib\napplib.__name__")
    assert loaded(cell_mode_kernel, "unusedlib") == "False"


def test_status_deep_shows_what_ran_and_what_never_ran_and_measures_the_saving(all_mode_kernel):
    all_mode_kernel.execute("import applib\napplib.answer()")
    result = all_mode_kernel.execute("%lazy status --deep --json")
    assert result.status == "ok", result
    status = eval(result.text)
    by_module = {entry["module"]: entry for entry in status["library_imports"]}
    assert set(by_module) == {"usedlib", "unusedlib"}
    assert by_module["usedlib"]["ran"] and by_module["usedlib"]["imported_by"] == "applib"
    assert not by_module["unusedlib"]["ran"]
    # Its import busy-waits 50 ms: a measurement that missed it would report less.
    assert by_module["unusedlib"]["saved_ms"] >= 45
    assert status["saved_ms"] >= 45

    text = all_mode_kernel.execute("%lazy status --deep")
    assert text.status == "ok", text
    shown = text.displays[-1]
    assert "never ran" in shown["text/plain"] and "unusedlib" in shown["text/plain"]
    assert "<table" in shown["text/html"]


# Debian's setuptools installs a shim (distutils-precedence.pth) that locates `distutils` by
# importing setuptools and pkg_resources: the locating itself is the cost.
def test_an_import_a_library_keeps_only_for_its_side_effects_runs_with_the_library(all_mode_kernel):
    assert all_mode_kernel.value("import pluginuser\npluginuser.__name__") == "'pluginuser'"
    assert all_mode_kernel.value("import codecs\ncodecs.encode('abc', 'xlazy_rot')") == "'nop'"


def test_distutils_imported_for_its_effect_only_is_not_even_located_until_read(all_mode_kernel):
    assert all_mode_kernel.value("import shimuser\nshimuser.version()") == "1"
    assert loaded(all_mode_kernel, "distutils") == "False"
    assert loaded(all_mode_kernel, "setuptools") == "False"

    assert all_mode_kernel.value("shimuser.distutils.__name__") == "'distutils'"
    assert all_mode_kernel.value("import sys\nshimuser.distutils is sys.modules['distutils']") == "True"
    assert all_mode_kernel.value("import sys\n'setuptools' in sys.modules['distutils'].__file__") == "True"


def test_a_library_that_reads_distutils_gets_the_real_module_at_once(all_mode_kernel):
    assert all_mode_kernel.value("import shimreader\nshimreader.NAME") == "'distutils'"
    assert all_mode_kernel.value("import sys\nshimreader.distutils is sys.modules['distutils']") == "True"


def test_a_scikit_learn_model_is_fitted_without_setuptools(all_mode_kernel):
    result = all_mode_kernel.execute(
        "from sklearn.ensemble import RandomForestClassifier\n"
        "RandomForestClassifier(n_estimators=2, random_state=0).fit([[0], [1]], [0, 1]).predict([[1]])")
    assert result.status == "ok", result
    assert result.text == "array([1])"
    assert loaded(all_mode_kernel, "setuptools") == "False"
    assert all_mode_kernel.value("import sys\nsys.modules['joblib.backports'].distutils.__name__") == "'distutils'"
