"""The user namespace and error reports look like ipykernel's."""
from conftest import plain_traceback


def test_name_is_main(kernel):
    assert kernel.value("__name__") == "'__main__'"


def test_module_doc_is_set(kernel):
    assert kernel.value("__doc__") == "'Automatically created module for IPython interactive environment'"


def test_builtins_is_the_builtins_module(kernel):
    assert kernel.value("import builtins; __builtins__ is builtins") == "True"


def test_main_module_namespace_is_the_user_namespace(kernel):
    assert kernel.value("import __main__; __main__.__dict__ is globals()") == "True"


def test_error_name_is_the_bare_class_name(kernel):
    result = kernel.execute("1/0")
    assert result.status == "error"
    assert result.reply["ename"] == "ZeroDivisionError"
    assert result.reply["evalue"] == "division by zero"
    [error] = result.errors
    assert error["ename"] == "ZeroDivisionError"
    assert "----> 1 1/0" in plain_traceback(error)


def test_error_traceback_shows_the_failing_line_of_a_function(kernel):
    result = kernel.execute("def explode():\n    raise KeyError('missing')\nexplode()")
    assert result.reply["ename"] == "KeyError"
    assert result.reply["evalue"] == "'missing'"
    traceback = plain_traceback(result.reply)
    assert "raise KeyError('missing')" in traceback
    assert "explode()" in traceback


def test_user_defined_exception_is_named_by_its_class(kernel):
    result = kernel.execute("class BadData(Exception): pass\nraise BadData('row 3')")
    assert result.reply["ename"] == "BadData"
    assert result.reply["evalue"] == "row 3"


def test_syntax_error_is_reported_as_such(kernel):
    result = kernel.execute("def broken(:\n    pass")
    assert result.status == "error"
    assert result.reply["ename"] == "SyntaxError"


def test_kernel_keeps_the_namespace_after_an_error(kernel):
    kernel.execute("kept = 41")
    kernel.execute("raise RuntimeError('boom')")
    assert kernel.value("kept + 1") == "42"


def test_load_fills_the_next_cell_as_under_ipykernel(kernel, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text("VALUE = 1\n")
    result = kernel.execute(f"%load {script}")
    assert result.status == "ok"
    assert result.reply["payload"] == [
        {"source": "set_next_input", "text": f"# %load {script}\nVALUE = 1\n", "replace": True}
    ]


def test_exit_asks_the_front_end_to_end_the_kernel_as_under_ipykernel(kernel):
    for code, keep in (("exit()", False), ("quit", False), ("exit(keep_kernel=True)", True)):
        result = kernel.execute(code)
        assert result.status == "ok", result.errors
        assert {"source": "ask_exit", "keepkernel": keep} in result.reply["payload"]
    assert kernel.value("'exit' in get_ipython().run_line_magic('who_ls', '')") == "False"
