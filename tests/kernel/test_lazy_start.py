"""The kernel's own start is lazy: what making the IPython shell would import and no kernel
needs before a user asks for it (IPython's terminal embedding code, jedi, what only
tracebacks, inspection's HTML and %pastebin use) waits for its first use, and every
behaviour a user can reach is the same as with it imported at start."""
import pytest

from conftest import ANSI_ESCAPE, Kernel, plain_traceback

DEFERRED_AT_START = [
    "prompt_toolkit", "IPython.terminal.embed", "IPython.terminal.interactiveshell", "parso", "ptyprocess",
    "asyncio.base_events",
    # what only a traceback needs
    "stack_data.core", "pure_eval", "pygments.formatters.terminal256", "pygments.styles",
    # what only inspection's HTML needs
    "pygments.lexers.python", "pygments.formatters.html",
    # what only %pastebin needs
    "urllib.request", "http.client", "ssl",
    # what only %prun needs
    "_lsprof", "profile",
]


@pytest.fixture
def just_started():
    running = Kernel()
    yield running
    running.shutdown()


def loaded(kernel, modules):
    return kernel.value(f"import sys; sorted(m for m in {modules!r} if m in sys.modules)")


def test_terminal_code_and_jedi_are_not_imported_by_the_start(just_started):
    assert loaded(just_started, DEFERRED_AT_START) == "[]"


def test_pydoc_waits_for_a_verbose_traceback(just_started):
    assert just_started.value("import sys; 'Helper' in vars(sys.modules['pydoc'])") == "False"


def test_deferred_shell_modules_import_later(just_started):
    assert just_started.value("import prompt_toolkit, parso; prompt_toolkit.__name__, parso.__name__") == (
        "('prompt_toolkit', 'parso')"
    )


def test_from_ipython_import_embed_is_the_terminal_embed_function(just_started):
    assert just_started.value(
        "from IPython import embed\nimport IPython.terminal.embed\nembed is IPython.terminal.embed.embed"
    ) == "True"
    assert loaded(just_started, ["prompt_toolkit"]) == "['prompt_toolkit']"


def test_ipython_lists_embed_before_it_is_imported(just_started):
    assert just_started.value("import IPython; 'embed' in dir(IPython), '__getattr__' in dir(IPython)") == (
        "(True, False)"
    )
    assert loaded(just_started, ["IPython.terminal.embed"]) == "[]"


def test_ipython_embed_attribute_stays_after_first_use(just_started):
    assert just_started.value("import IPython; IPython.embed is IPython.embed, 'embed' in vars(IPython)") == (
        "(True, True)"
    )


def test_an_unknown_ipython_attribute_is_an_attribute_error(just_started):
    result = just_started.execute("import IPython; IPython.no_such_thing")
    assert result.status == "error"
    assert result.reply["ename"] == "AttributeError"
    assert "module 'IPython' has no attribute 'no_such_thing'" in result.reply["evalue"]


def test_ipython_get_ipython_is_the_kernel_shell(just_started):
    assert just_started.value(
        "import IPython\nIPython.get_ipython() is get_ipython(), type(IPython.get_ipython()).__name__"
    ) == "(True, 'ZMQInteractiveShell')"


def test_first_completion_after_start_uses_jedi(just_started):
    # Only jedi infers the type of an indexed literal; IPython's own completer cannot.
    code = "[1, 2][0].bit_l"
    reply = just_started.request(lambda client: client.complete(code, len(code)))
    assert reply["status"] == "ok"
    assert "bit_length" in [match.rsplit(".", 1)[-1] for match in reply["matches"]]
    assert loaded(just_started, ["parso"]) == "['parso']"


def test_jedi_keeps_the_settings_ipython_gave_it(just_started):
    assert just_started.value("import jedi; jedi.settings.case_insensitive_completion") == "False"


def test_traceback_right_after_start_is_ipythons(just_started):
    result = just_started.execute("def fails():\n    return 1 / 0\nfails()")
    assert result.status == "error"
    assert result.reply["ename"] == "ZeroDivisionError"
    traceback = plain_traceback(result.errors[0])
    assert "----> 3 fails()" in traceback
    assert "----> 2     return 1 / 0" in traceback


@pytest.mark.parametrize("mode, shown, not_shown", [
    ("Plain", "Traceback (most recent call last):", "----> 3"),
    ("Context", "----> 3     return x / 0", "x = 21"),
    ("Verbose", "in fails(x=21)\n      2 def fails(x):\n----> 3     return x / 0\n        x = 21", "Traceback (most recent call last):"),
    ("Minimal", "ZeroDivisionError: division by zero", "return x / 0"),
])
def test_each_traceback_mode_right_after_start_is_ipythons(just_started, mode, shown, not_shown):
    result = just_started.execute(f"%xmode {mode}\ndef fails(x):\n    return x / 0\nfails(21)")
    assert result.status == "error"
    traceback = plain_traceback(result.errors[0])
    assert shown in traceback
    assert not_shown not in traceback


def test_traceback_right_after_start_is_highlighted_by_pygments(just_started):
    result = just_started.execute("def fails(x):\n    return x / 0\nfails(21)")
    coloured = "".join(result.errors[0]["traceback"])
    assert "\x1b[38;5;28;01mreturn" in coloured  # the source in pygments' 256 colours
    assert "\x1b[43mfails\x1b[49m" in coloured  # the failing call on stack_data's yellow


def test_debug_magic_right_after_start_inspects_the_failed_frame(just_started):
    just_started.execute("def fails(x):\n    return x / 0\nfails(21)")
    result = just_started.execute("%debug", allow_stdin=True, stdin_answers=["p x * 2", "q"])
    assert result.status == "ok", result
    shown = ANSI_ESCAPE.sub("", result.stdout)
    assert "----> 2     return x / 0" in shown
    assert "\n42\n" in shown


def test_inspection_right_after_start_shows_the_signature(just_started):
    reply = just_started.request(lambda client: client.inspect("len", 3))
    assert reply["found"] is True
    assert "Signature: len(obj, /)" in ANSI_ESCAPE.sub("", reply["data"]["text/plain"])


def test_inspection_right_after_start_highlights_the_signature_in_html(just_started):
    reply = just_started.request(lambda client: client.inspect("len", 3))
    assert '<span style="color: #008000">len</span>' in reply["data"]["text/html"]


def test_load_of_a_file_right_after_start_fills_the_next_cell(just_started, tmp_path):
    script = tmp_path / "snippet.py"
    script.write_text("VALUE = 1\n")
    result = just_started.execute(f"%load {script}")
    assert result.reply["payload"] == [
        {"source": "set_next_input", "text": f"# %load {script}\nVALUE = 1\n", "replace": True}
    ]
    assert loaded(just_started, ["urllib.request"]) == "[]"


def test_pastebin_right_after_start_sends_through_urllib(just_started):
    # Through a proxy that refuses connections: nothing leaves the machine.
    just_started.execute("import os\nfor variable in ('no_proxy', 'NO_PROXY'): os.environ.pop(variable, None)\n"
                         "os.environ['https_proxy'] = 'http://127.0.0.1:9'")
    result = just_started.execute("%pastebin 1")
    assert result.status == "error"
    assert result.reply["ename"] == "URLError"
    assert "Connection refused" in result.reply["evalue"]


def test_shell_commands_run_after_a_start_without_pexpect(just_started):
    assert loaded(just_started, ["ptyprocess"]) == "[]"
    result = just_started.execute("!echo from a shell")
    assert result.status == "ok", result
    assert result.stdout == "from a shell\r\n"  # through a pseudo-terminal, as under ipykernel
    assert loaded(just_started, ["ptyprocess"]) == "['ptyprocess']"


def test_top_level_await_runs_after_a_start_without_asyncio(just_started):
    assert loaded(just_started, ["asyncio.base_events"]) == "[]"
    result = just_started.execute("import asyncio\nawait asyncio.sleep(0)\nasyncio.get_running_loop().is_running()")
    assert result.status == "ok", result
    assert result.text == "True"


def test_using_one_deferred_package_leaves_the_others_waiting(just_started):
    just_started.execute("import asyncio\nawait asyncio.sleep(0)")
    assert just_started.value("import sys; 'jedi' in sys.modules, 'parso' in sys.modules") == "(True, False)"


def test_prun_right_after_start_profiles_the_statement(just_started):
    assert just_started.value("stats = %prun -q -r sum(range(10))\ntype(stats).__module__, stats.total_calls > 0") == (
        "('pstats', True)"
    )
