"""%lazy takes its arguments as typed: IPython evaluates nothing in them (`{expr}`, `$name`),
a long argument is read in linear time, and a word that cannot be a module name is refused
with a clear message before it reaches the import machinery."""
import pytest

from conftest import Kernel


@pytest.fixture(scope="module")
def lazy(tmp_path_factory):
    directory = tmp_path_factory.mktemp("probes")
    (directory / "probe_plain.py").write_text("VALUE = 'plain'\n")
    running = Kernel(env={"PYTHONPATH": str(directory)})
    yield running
    running.shutdown()


def assert_usage_error(result, complaint):
    assert result.status == "error"
    assert result.reply["ename"] == "UsageError"
    assert complaint in result.stderr, result.stderr


def test_braces_are_not_evaluated(lazy):
    lazy.execute("touched = []")
    result = lazy.execute("%lazy exclude {touched.append(1)}")
    assert_usage_error(result, "'{touched.append(1)}' is not a module name")
    assert lazy.value("touched") == "[]"


def test_dollar_names_are_not_expanded(lazy):
    lazy.execute("module = 'probe_plain'")
    result = lazy.execute("%lazy exclude $module")
    assert_usage_error(result, "'$module' is not a module name")
    assert "probe_plain" not in lazy.execute("%lazy exclude").stdout


@pytest.mark.parametrize("word", ["x;y", "*", "a..b", ".a", "a.", "x-y", "import"])
def test_words_that_cannot_be_module_names_are_refused(lazy, word):
    result = lazy.execute(f"%lazy exclude {word}")
    assert_usage_error(result, f"{word!r} is not a module name")
    assert f"  {word}: " not in lazy.execute("%lazy exclude").stdout


def test_a_nul_in_a_module_name_is_refused(lazy):
    result = lazy.execute("get_ipython().run_line_magic('lazy', 'include x\\x00y')")
    assert_usage_error(result, "'x\\x00y' is not a module name")


def test_names_to_resolve_are_checked_too(lazy):
    assert_usage_error(lazy.execute("%lazy resolve x;y"), "'x;y' is not a name")


def test_a_100_kilobyte_argument_is_answered(lazy):
    # Many short words cost IPython's own input transformer ~20 us each (ipykernel too);
    # a long word costs nothing there, so the argument mixes both.
    result = lazy.execute("%lazy status " + "{x}$y " * 2_000 + "a" * 90_000)
    assert_usage_error(result, "%lazy status takes only --deep and --json")
    assert lazy.value("1 + 1") == "2"
