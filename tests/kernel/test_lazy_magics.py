"""%lazy and %%eager as a user types them: help, status in text, HTML and JSON, control."""
import pytest

from conftest import Kernel


@pytest.fixture
def lazy(tmp_path):
    (tmp_path / "probe_plain.py").write_text("VALUE = 'plain'\n")
    (tmp_path / "probe_other.py").write_text("VALUE = 'other'\n")
    running = Kernel(env={"PYTHONPATH": str(tmp_path)})
    yield running
    running.shutdown()


def status_json(kernel):
    return eval(kernel.execute("%lazy status --json").text)


def test_help_lists_every_command(lazy):
    for spelling in ("%lazy -h", "%lazy --help", "%lazy"):
        shown = lazy.execute(spelling).stdout
        for command in ("status", "resolve", "mode", "exclude", "include", "%%eager"):
            assert command in shown, (spelling, command)


@pytest.mark.parametrize(
    "line, complaint",
    [
        ("%lazy frobnicate", "unknown %lazy command 'frobnicate'"),
        ("%lazy status --yaml", "%lazy status takes only --deep and --json"),
        ("%lazy status --deep --deep", "%lazy status takes only --deep and --json"),
        ("%lazy mode sometimes", "unknown lazy mode 'sometimes'"),
        ("%lazy resolve", "%lazy resolve needs names, or --all"),
        ("%lazy include", "%lazy include needs module names"),
        ("%lazy status 'unclosed", "cannot read the arguments"),
    ],
)
def test_bad_arguments_give_a_usage_message_not_a_traceback(lazy, line, complaint):
    result = lazy.execute(line)
    assert result.status == "error"
    assert result.reply["ename"] == "UsageError"
    assert complaint in result.stderr
    assert "Usage:" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.errors == []  # like ipykernel: the message on stderr, no error output
    assert lazy.value("1 + 1") == "2"


def test_status_shows_pending_imports_as_text_and_html(lazy):
    lazy.execute("import probe_plain\nimport probe_other as other")
    [display] = lazy.execute("%lazy status").displays
    text, html = display["text/plain"], display["text/html"]
    assert "import probe_plain" in text and "pending" in text and "cell [1] line 1" in text
    assert "2 pending, 0 resolved" in text
    assert html.startswith("<table") and html.count("<tr>") == 3
    assert "<td>pending</td>" in html


def test_status_after_use_shows_who_resolved_it_and_the_cost(lazy):
    lazy.execute("import probe_plain")
    lazy.execute("probe_plain.VALUE")
    [entry] = [e for e in status_json(lazy)["imports"] if e["name"] == "probe_plain"]
    assert entry["state"] == "resolved"
    assert entry["resolved_by"] == "cell [2]"
    assert entry["resolve_ms"] > 0
    assert "probe_plain" in entry["modules_loaded"]
    assert entry["cell"] == 1 and entry["line"] == 1
    text = lazy.execute("%lazy status").displays[0]["text/plain"]
    assert "resolved" in text and "cell [2] at " in text


def test_status_json_can_be_assigned(lazy):
    lazy.execute("import probe_plain")
    assert lazy.value("data = %lazy status --json\ndata['mode'], [i['name'] for i in data['imports']]") == "('all', ['probe_plain'])"


def test_resolve_by_name_and_all(lazy):
    lazy.execute("import probe_plain\nimport probe_other")
    lazy.execute("%lazy resolve probe_plain")
    states = {e["name"]: (e["state"], e["resolved_by"]) for e in status_json(lazy)["imports"]}
    assert states["probe_plain"] == ("resolved", "%lazy resolve")
    assert states["probe_other"][0] == "pending"
    lazy.execute("%lazy resolve --all")
    assert {e["state"] for e in status_json(lazy)["imports"]} == {"resolved"}


def test_resolving_a_name_that_is_not_pending_says_so(lazy):
    assert "'nothing_here' is not a pending import" in lazy.execute("%lazy resolve nothing_here").stdout


def test_mode_shows_and_changes_the_mode(lazy):
    assert lazy.execute("%lazy mode").stdout == "lazy mode: all\n"
    assert lazy.execute("%lazy mode off").stdout == "lazy mode: off\n"
    lazy.execute("import probe_plain")
    assert lazy.value("type(probe_plain).__name__") == "'module'"
    lazy.execute("%lazy mode cell")
    lazy.execute("import probe_other")
    assert status_json(lazy)["imports"][-1]["state"] == "pending"


def test_exclude_include_and_list(lazy):
    listed = lazy.execute("%lazy exclude").stdout
    assert "sklearn.experimental.enable_iterative_imputer: makes" in listed
    lazy.execute("%lazy exclude probe_plain")
    assert "probe_plain: excluded by you" in lazy.execute("%lazy exclude").stdout
    lazy.execute("import probe_plain")
    [entry] = status_json(lazy)["imports"]
    assert entry["state"] == "eager"
    assert entry["reason"] == "excluded (probe_plain): excluded by you"
    lazy.execute("%lazy include probe_plain")
    lazy.execute("import probe_other")
    assert "probe_plain" not in lazy.execute("%lazy exclude").stdout
    assert "'never_excluded' was not excluded" in lazy.execute("%lazy include never_excluded").stdout


def test_eager_cell_imports_at_once_and_records_why(lazy):
    result = lazy.execute("%%eager\nimport probe_plain\nprobe_plain.VALUE")
    assert result.text == "'plain'"
    [entry] = status_json(lazy)["imports"]
    assert (entry["state"], entry["reason"]) == ("eager", "%%eager cell")


def test_status_with_nothing_recorded_says_so(lazy):
    [display] = lazy.execute("%lazy status").displays
    assert display["text/plain"].startswith("No imports recorded yet.")
