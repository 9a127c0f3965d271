"""`__main__` is a real module whose namespace is the notebook's, as under ipykernel:
doctest, pickle, inspect and %run see the module they expect, with or without deferral."""


def test_main_is_a_real_module_holding_the_notebook_namespace(kernel_in_each_mode):
    code = "import sys, types; main = sys.modules['__main__']; type(main) is types.ModuleType, main.__dict__ is globals()"
    assert kernel_in_each_mode.value(code) == "(True, True)"


def test_shell_namespaces_are_one_dict(kernel_in_each_mode):
    code = "ip = get_ipython(); ip.user_ns is ip.user_global_ns is ip.user_module.__dict__ is globals()"
    assert kernel_in_each_mode.value(code) == "True"


def test_doctest_testmod_runs_the_examples_of_the_notebook(kernel_in_each_mode):
    kernel_in_each_mode.execute(
        "def double(x):\n"
        "    '''\n"
        "    >>> double(2)\n"
        "    4\n"
        "    >>> double(3)\n"
        "    7\n"
        "    '''\n"
        "    return 2 * x"
    )
    result = kernel_in_each_mode.execute("import doctest; doctest.testmod()")
    assert result.status == "ok", result.errors
    assert result.text == "TestResults(failed=1, attempted=2)"
    assert "Expected:\n    7\nGot:\n    6" in result.stdout


def test_a_class_defined_in_the_notebook_pickles(kernel_in_each_mode):
    kernel_in_each_mode.execute("class Point:\n    def __init__(self, x): self.x = x")
    assert kernel_in_each_mode.value("import pickle; pickle.loads(pickle.dumps(Point(3))).x") == "3"


def test_inspect_finds_the_module_of_a_notebook_function(kernel_in_each_mode):
    kernel_in_each_mode.execute("def here(): pass")
    assert kernel_in_each_mode.value("import inspect; inspect.getmodule(here).__name__") == "'__main__'"


def test_completion_sees_names_defined_in_cells(kernel_in_each_mode):
    kernel_in_each_mode.execute("distinctive_variable_name = 1")
    reply = kernel_in_each_mode.request(lambda client: client.complete("distinctive_var", 15))
    assert "distinctive_variable_name" in reply["matches"]


def test_run_of_a_script_using_doctest(kernel_in_each_mode, tmp_path):
    script = tmp_path / "checked.py"
    script.write_text(
        "def triple(x):\n"
        "    '''\n"
        "    >>> triple(2)\n"
        "    6\n"
        "    '''\n"
        "    return 3 * x\n"
        "if __name__ == '__main__':\n"
        "    import doctest\n"
        "    print(doctest.testmod())\n"
    )
    result = kernel_in_each_mode.execute(f"%run {script}")
    assert result.status == "ok", result.errors
    assert result.stdout == "TestResults(failed=0, attempted=1)\n"
    assert kernel_in_each_mode.value("triple(5), __name__") == "(15, '__main__')"


def test_reset_keeps_main_a_module(kernel_in_each_mode):
    kernel_in_each_mode.execute("%reset -f")
    code = "import sys, types; type(sys.modules['__main__']) is types.ModuleType, sys.modules['__main__'].__dict__ is globals(), __name__"
    assert kernel_in_each_mode.value(code) == "(True, True, '__main__')"
