"""Deferred imports as a notebook user meets them, module by module, through the kernel."""
import time

import pytest

from conftest import Kernel, kernel_with_probes, plain_traceback

PROBES = {
    "probe_plain.py": "VALUE = 'plain'\n",
    "probe_other.py": "VALUE = 'other'\n",
    "probe_pkg/__init__.py": "NAME = 'pkg'\n",
    "probe_pkg/left.py": "SIDE = 'L'\n",
    "probe_pkg/right.py": "SIDE = 'R'\n",
    "probe_shapes.py": "class Circle:\n    radius = 1\n",
    "probe_printing.py": "print('probe_printing ran')\n",
}


@pytest.fixture
def lazy(tmp_path):
    """A kernel whose PYTHONPATH holds small modules nobody has imported yet."""
    running = kernel_with_probes(tmp_path, PROBES)
    yield running
    running.shutdown()


def imported(kernel, module):
    return kernel.value(f"__import__('sys').modules.get({module!r}) is not None") == "True"


def status(kernel):
    result = kernel.execute("%lazy status --json")
    assert result.status == "ok", result
    return {entry["name"]: entry for entry in eval(result.text)["imports"]}


@pytest.mark.parametrize(
    "statement, name, module",
    [
        ("import probe_plain", "probe_plain", "probe_plain"),
        ("import probe_pkg.left", "probe_pkg", "probe_pkg.left"),
        ("import probe_pkg.left as side", "side", "probe_pkg.left"),
        ("from probe_shapes import Circle", "Circle", "probe_shapes"),
        ("from probe_shapes import Circle as Round", "Round", "probe_shapes"),
        ("lazy import probe_plain", "probe_plain", "probe_plain"),
        ("lazy from probe_shapes import Circle", "Circle", "probe_shapes"),
    ],
)
def test_top_level_import_forms_are_deferred(lazy, statement, name, module):
    assert lazy.execute(statement).status == "ok"
    assert not imported(lazy, module)
    entry = status(lazy)[name]
    assert entry["state"] == "pending"
    assert entry["module"] == module


def test_several_names_in_one_statement_are_each_deferred(lazy):
    lazy.execute("import probe_plain, probe_other as other")
    entries = status(lazy)
    assert entries["probe_plain"]["state"] == entries["other"]["state"] == "pending"
    assert lazy.value("other.VALUE") == "'other'"
    assert not imported(lazy, "probe_plain")


@pytest.mark.parametrize(
    "cell",
    [
        "def load():\n    import probe_plain\nload()",
        "class Holder:\n    import probe_plain",
        "for _ in range(1):\n    import probe_plain",
        "if True:\n    import probe_plain",
        "try:\n    import probe_plain\nexcept ImportError:\n    pass",
        "import contextlib\nwith contextlib.nullcontext():\n    import probe_plain",
        "from probe_plain import *",
        "%%eager\nimport probe_plain",
    ],
)
def test_imports_outside_the_cell_top_level_or_marked_eager_run_at_once(lazy, cell):
    assert lazy.execute(cell).status == "ok"
    assert imported(lazy, "probe_plain")


def test_already_imported_modules_are_bound_at_once(lazy):
    lazy.execute("import json")
    assert lazy.value("type(json).__name__") == "'module'"
    assert status(lazy)["json"]["reason"] == "already imported"


def test_future_import_still_works(lazy):
    assert lazy.execute("from __future__ import annotations\nimport probe_plain").status == "ok"
    assert not imported(lazy, "probe_plain")


def test_missing_module_fails_at_its_import_line_with_pythons_message(lazy):
    result = lazy.execute("x = 1\nimport probe_missing_module")
    assert result.reply["ename"] == "ModuleNotFoundError"
    assert result.reply["evalue"] == "No module named 'probe_missing_module'"
    assert "----> 2 import probe_missing_module" in plain_traceback(result.reply)


def test_names_are_the_real_objects_when_a_cell_runs(lazy):
    lazy.execute("import probe_plain\nfrom probe_shapes import Circle")
    checks = "import sys, types\n(type(probe_plain) is types.ModuleType, probe_plain is sys.modules['probe_plain'], isinstance(Circle(), Circle), type(Circle) is type)"
    assert lazy.value(checks) == "(True, True, True, True)"


def test_names_reached_through_earlier_functions_are_resolved_before_the_cell(lazy):
    lazy.execute("import probe_plain")
    lazy.execute("def describe():\n    return probe_plain.VALUE")
    assert not imported(lazy, "probe_plain")
    assert lazy.value("describe()") == "'plain'"
    entry = status(lazy)["probe_plain"]
    assert entry["resolved_by"] == "cell [4]"  # cell 3 checked sys.modules


def test_a_pending_import_is_already_the_module_it_will_be(lazy):
    lazy.execute("import probe_plain")
    namespace = "__import__('sys')._getframe().f_globals"
    assert lazy.value(f"type({namespace}['probe_plain']).__name__") == "'module'"
    assert lazy.value(f"repr({namespace}['probe_plain']).startswith(\"<module 'probe_plain' from \")") == "True"
    assert not imported(lazy, "probe_plain")
    assert lazy.value(f"{namespace}['probe_plain'].VALUE") == "'plain'"
    assert status(lazy)["probe_plain"]["resolved_by"] == "first use in cell [5]"


def test_code_reading_the_whole_namespace_sees_every_import_resolved(lazy):
    lazy.execute("import probe_plain\nfrom probe_shapes import Circle")
    assert lazy.value("eval('probe_' + 'plain').VALUE, isinstance(globals()['Circle'], type)") == "('plain', True)"
    assert status(lazy)["Circle"]["resolved_by"] == "cell [2]"


def test_unused_import_is_never_executed(lazy):
    result = lazy.execute("import probe_printing")
    lazy.execute("x = 2")
    assert "probe_printing ran" not in result.stdout
    assert not imported(lazy, "probe_printing")


def test_failing_import_raises_in_the_cell_that_needs_it_and_stays_pending(lazy):
    broken = lazy.probe_dir / "probe_broken.py"
    broken.write_text("raise RuntimeError('needs a GPU')\n")
    assert lazy.execute("import probe_broken").status == "ok"
    result = lazy.execute("probe_broken.run()")
    assert result.reply["ename"] == "RuntimeError"
    assert result.reply["evalue"] == "needs a GPU"
    shown = plain_traceback(result.reply)
    assert "`import probe_broken` (cell [1], line 1)" in shown
    assert status(lazy)["probe_broken"]["state"] == "failed"
    broken.write_text("def run():\n    return 'fixed'\n")
    assert lazy.value("probe_broken.run()") == "'fixed'"


def test_rebinding_and_deleting_drop_pending_imports(lazy):
    lazy.execute("import probe_plain\nimport probe_other")
    lazy.execute("probe_plain = 3\ndel probe_other")
    entries = status(lazy)
    assert entries["probe_plain"]["state"] == "dropped"
    assert entries["probe_other"]["reason"] == "deleted in cell [2]"
    assert not imported(lazy, "probe_plain")


def test_importing_twice_is_idempotent(lazy):
    lazy.execute("import probe_plain")
    lazy.execute("import probe_plain")
    names = [entry["name"] for entry in eval(lazy.execute("%lazy status --json").text)["imports"]]
    assert names.count("probe_plain") == 1


def test_reset_clears_the_registry(lazy):
    lazy.execute("import probe_plain")
    lazy.execute("%reset -f")
    assert eval(lazy.execute("%lazy status --json").text)["imports"] == []


def test_completion_resolves_the_pending_name_and_records_why(lazy):
    lazy.execute("import probe_pkg.left")
    reply = lazy.request(lambda client: client.complete("probe_pkg.left.SI", 17))
    assert "probe_pkg.left.SIDE" in reply["matches"] or "SIDE" in reply["matches"]
    assert status(lazy)["probe_pkg"]["resolved_by"] == "completion"


def test_inspection_resolves_the_pending_name(lazy):
    lazy.execute("from probe_shapes import Circle")
    reply = lazy.request(lambda client: client.inspect("Circle", 6))
    assert reply["found"] is True
    assert "class" in reply["data"]["text/plain"].lower()
    assert status(lazy)["Circle"]["resolved_by"] == "inspection"


def test_two_submodules_of_a_pending_package_are_both_available(lazy):
    lazy.execute("import probe_pkg.left\nimport probe_pkg.right")
    assert lazy.value("probe_pkg.left.SIDE + probe_pkg.right.SIDE") == "'LR'"


def test_lazy_mode_off_imports_eagerly(tmp_path):
    (tmp_path / "probe_plain.py").write_text("print('ran now')\n")
    kernel = Kernel(["--lazy-mode=off"], env={"PYTHONPATH": str(tmp_path)})
    try:
        assert kernel.execute("import probe_plain").stdout == "ran now\n"
    finally:
        kernel.shutdown()


def test_xlazy_exclude_makes_modules_eager_from_the_start(tmp_path):
    (tmp_path / "probe_plain.py").write_text("print('ran now')\n")
    kernel = Kernel(env={"PYTHONPATH": str(tmp_path), "XLAZY_EXCLUDE": "json, probe_plain"})
    try:
        assert kernel.execute("import probe_plain").stdout == "ran now\n"
        assert "probe_plain: excluded by you" in kernel.execute("%lazy exclude").stdout
    finally:
        kernel.shutdown()


def test_numpy_works_as_usual(lazy):
    lazy.execute("import numpy as np")
    assert not imported(lazy, "numpy")
    assert lazy.value("np.arange(10).sum()") == "45"
    assert lazy.value("import sys; np is sys.modules['numpy']") == "True"


def test_interrupt_during_a_resolve_keeps_modules_and_namespace_consistent(lazy):
    slow = lazy.probe_dir / "probe_slow.py"
    slow.write_text("import time\ntime.sleep(60)\nVALUE = 1\n")
    lazy.execute("import probe_slow")
    msg_id = lazy.client.execute("print('resolving', flush=True)\n__import__('sys')._getframe().f_globals['probe_slow'].VALUE")
    while True:  # interrupt once the resolve is under way
        message = lazy.client.get_iopub_msg(timeout=30)
        if message["parent_header"].get("msg_id") == msg_id and message["msg_type"] == "stream":
            break
    time.sleep(0.3)
    lazy.manager.interrupt_kernel()
    reply = lazy.shell_reply(msg_id)
    assert reply["ename"] == "KeyboardInterrupt"
    assert not imported(lazy, "probe_slow")
    assert status(lazy)["probe_slow"]["state"] == "failed"
    slow.write_text("VALUE = 1\n")
    assert lazy.value("probe_slow.VALUE") == "1"


def test_threads_touching_a_pending_name_share_one_module(lazy):
    (lazy.probe_dir / "probe_counted.py").write_text("import time, builtins\nbuiltins.probe_runs = getattr(builtins, 'probe_runs', 0) + 1\ntime.sleep(0.3)\n")
    lazy.execute("import probe_counted")
    code = (
        "import threading\n"
        "seen = []\n"
        "workers = [threading.Thread(target=lambda: seen.append(eval('probe_counted').time and __import__('sys').modules['probe_counted'])) for _ in range(3)]\n"
        "[w.start() for w in workers]; [w.join() for w in workers]\n"
        "len(seen), all(s is seen[0] for s in seen), probe_runs"
    )
    assert lazy.value(code) == "(3, True, 1)"


def progress_notices(result):
    """The (msg_type, content) of every display message of the resolve progress notice."""
    return [
        (m["msg_type"], m["content"])
        for m in result.messages
        if m["msg_type"] in ("display_data", "update_display_data")
        and m["content"]["metadata"].get("xlazy", {}).get("progress")
    ]


def test_a_long_resolve_shows_what_is_imported_then_empties_the_notice(lazy):
    (lazy.probe_dir / "probe_sleepy.py").write_text("import time\nfor _ in range(30):\n    time.sleep(0.05)\nVALUE = 'awake'\n")
    lazy.execute("import probe_sleepy")
    result = lazy.execute("probe_sleepy.VALUE")
    [(shown, first), (updated, last)] = progress_notices(result)
    assert (shown, updated) == ("display_data", "update_display_data")
    assert "importing probe_sleepy" in first["data"]["text/plain"]
    assert first["transient"]["display_id"] == last["transient"]["display_id"]
    assert last["data"] == {}
    assert result.text == "'awake'"


def test_the_notice_never_erases_what_the_cell_or_the_module_printed(lazy):
    (lazy.probe_dir / "probe_talky.py").write_text(
        "import time, warnings\n"
        "print('probe_talky is importing')\n"
        "warnings.warn('probe_talky warns while importing')\n"
        "time.sleep(0.7)\n"
        "X = 42\n"
    )
    lazy.execute("import probe_talky")
    result = lazy.execute('print("before"); probe_talky.X')
    assert result.status == "ok", result.errors
    assert "clear_output" not in [m["msg_type"] for m in result.messages]
    assert sorted(result.stdout.splitlines()) == ["before", "probe_talky is importing"]
    assert "probe_talky warns while importing" in result.stderr
    assert result.text == "42"
    notices = progress_notices(result)
    assert [kind for kind, _ in notices] == ["display_data", "update_display_data"]
    assert notices[-1][1]["data"] == {}


def test_a_quick_resolve_shows_nothing(lazy):
    lazy.execute("import probe_plain")
    result = lazy.execute("probe_plain.VALUE")
    kinds = ("display_data", "update_display_data", "clear_output")
    assert [m["msg_type"] for m in result.messages if m["msg_type"] in kinds] == []


def test_question_mark_help_on_a_pending_name_shows_the_real_object(lazy):
    lazy.execute("from probe_shapes import Circle")
    result = lazy.execute("Circle?")
    [page] = result.reply["payload"]
    text = page["data"]["text/plain"]
    assert "pending_import" not in text and "type" in text.lower()
    assert "probe_shapes" in text
    assert status(lazy)["Circle"]["state"] == "resolved"
