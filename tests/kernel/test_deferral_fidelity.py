"""What a deferred import must never change: the cases where users saw deferral (issue 7).

Each test runs what a user typed and asserts what an eager kernel would show.
"""
import pytest

from conftest import kernel_with_probes, plain_traceback

PROBES = {
    "probe_kit/__init__.py": "",
    "probe_kit/datasets.py": "def load():\n    return 'iris'\n",
    "probe_kit/deep/__init__.py": "",
    "probe_kit/deep/leaf.py": "NAME = 'leaf'\n",
    "probe_errors.py": "class ProbeError(Exception):\n    pass\ndef fail():\n    raise ProbeError('empty')\n",
    "probe_plain.py": "VALUE = 'plain'\n",
}


@pytest.fixture
def lazy(tmp_path):
    running = kernel_with_probes(tmp_path, PROBES)
    yield running
    running.shutdown()


def ok(result):
    assert result.status == "ok", result
    return result


def test_a_function_of_the_same_cell_catches_a_from_imported_exception(lazy):
    result = ok(lazy.execute(
        "import probe_errors\nfrom probe_errors import ProbeError\n"
        "def attempt():\n    try:\n        probe_errors.fail()\n    except ProbeError:\n        return 'caught'\n"
        "attempt()"
    ))
    assert result.text == "'caught'"


def test_eager_cell_with_a_syntax_error_points_at_its_line_and_deferral_goes_on(lazy):
    ok(lazy.execute("import probe_plain"))
    result = lazy.execute("%%eager\nx = 1\ny = (")
    assert result.reply["ename"] == "SyntaxError"
    assert "line 3" in plain_traceback(result.reply)
    assert "unregistered" not in result.stderr
    ok(lazy.execute("import probe_kit.datasets"))
    assert lazy.value("probe_kit.datasets.load(), probe_plain.VALUE") == "('iris', 'plain')"


def test_eager_cell_that_fails_replies_with_the_error(lazy):
    result = lazy.execute("%%eager\nimport csv\n1/0")
    assert result.reply["ename"] == "ZeroDivisionError"
    assert "Unexpected exception" not in result.stdout
    result = lazy.execute("%%eager\nimport probe_missing_module")
    assert result.reply["ename"] == "ModuleNotFoundError"


def test_eager_cell_with_another_cell_magic_runs_its_imports_at_once(lazy):
    ok(lazy.execute("%%eager\n%%capture captured\nimport probe_plain"))
    assert lazy.value("'probe_plain' in __import__('sys').modules") == "True"


def test_lazy_keyword_in_strings_and_cell_magic_bodies_is_left_alone(lazy):
    assert lazy.value("text = '''\nlazy import os\n'''\ntext") == "'\\nlazy import os\\n'"
    ok(lazy.execute(f"%%writefile {lazy.probe_dir}/written.py\nlazy import os\n"))
    assert (lazy.probe_dir / "written.py").read_text() == "lazy import os\n"


def test_timeit_of_an_import_does_not_bind_it_in_the_notebook(lazy):
    ok(lazy.execute("%timeit -n1 -r1 import csv"))
    assert lazy.value("'csv' in globals()") == "False"


def test_a_package_carries_the_submodules_imported_through_it(lazy):
    ok(lazy.execute("from probe_kit import datasets"))
    ok(lazy.execute("import probe_kit.deep.leaf as leaf"))
    ok(lazy.execute("import probe_kit"))
    assert lazy.value("probe_kit.datasets.load(), probe_kit.deep.leaf.NAME") == "('iris', 'leaf')"


def test_parent_imported_elsewhere_still_gets_the_submodule(lazy):
    ok(lazy.execute("import xml.etree.ElementTree"))
    ok(lazy.execute("import xml"))
    assert lazy.value("xml.etree.ElementTree.fromstring('<a/>').tag") == "'a'"
    ok(lazy.execute("import email.mime.text as t"))
    ok(lazy.execute("import email"))
    assert lazy.value("email.mime.text is t") == "True"


def test_a_module_imported_before_a_directory_change_still_runs(lazy, tmp_path):
    project = tmp_path / "proj"
    project.mkdir()
    (project / "projmod.py").write_text("X = 'from proj'\n")
    ok(lazy.execute(f"%cd {project}"))
    ok(lazy.execute("import projmod"))
    ok(lazy.execute("%cd .."))
    assert lazy.value("projmod.X") == "'from proj'"


def test_precision_reaches_a_deferred_numpy(lazy):
    ok(lazy.execute("import numpy as np"))
    ok(lazy.execute("%precision 3"))
    assert lazy.value("np.array([1/3])") == "array([0.333])"


def test_who_lists_pending_modules_as_modules(lazy):
    ok(lazy.execute("import probe_plain\nfrom probe_errors import ProbeError"))
    assert ok(lazy.execute("%who module")).stdout.strip() == "probe_plain"
    assert ok(lazy.execute("%who type")).stdout.strip() == "ProbeError"


def test_excluding_a_pending_module_imports_it_now(lazy):
    ok(lazy.execute("import probe_plain"))
    ok(lazy.execute("%lazy exclude probe_plain"))
    assert lazy.value("'probe_plain' in __import__('sys').modules") == "True"
    result = ok(lazy.execute("%lazy status --json"))
    assert "'resolved_by': '%lazy exclude'" in result.text


def test_a_module_edited_or_deleted_after_its_import_runs_as_it_was(lazy):
    module = lazy.probe_dir / "probe_edited.py"
    module.write_text("VALUE = 1\n")
    ok(lazy.execute("import probe_edited"))
    module.write_text("VALUE = 2\n")
    assert lazy.value("probe_edited.VALUE") == "1"


def test_a_syntax_error_in_an_imported_file_fails_at_the_import_line(lazy):
    (lazy.probe_dir / "probe_bad_syntax.py").write_text("def broken(:\n")
    result = lazy.execute("import probe_bad_syntax")
    assert result.reply["ename"] == "SyntaxError"


def test_an_object_whose_class_raises_never_fails_a_cell(lazy):
    ok(lazy.execute(
        "class LocalProxy:\n"
        "    @property\n    def __class__(self):\n        raise RuntimeError('outside of a request')\n"
        "    def __getattr__(self, name):\n        raise RuntimeError('outside of a request')\n"
        "proxy = LocalProxy()\nimport probe_plain"
    ))
    assert lazy.value("seen = proxy is not None\nseen, probe_plain.VALUE") == "(True, 'plain')"
