"""history_request answers like IPython: numbered cells of the current session, glob search;
and the session IPython records in its history database ends as under ipykernel."""
import pathlib
import sqlite3

from conftest import Kernel


def history(kernel, **arguments):
    return kernel.request(lambda client: client.history(raw=True, output=False, **arguments))["history"]


def test_entries_are_numbered_by_execution_count(fresh_kernel):
    counts = [fresh_kernel.execute(code).reply["execution_count"] for code in ("a = 1", "b = 2", "a + b")]
    entries = history(fresh_kernel, hist_access_type="tail", n=3)
    assert [entry[1] for entry in entries] == counts
    assert [entry[2] for entry in entries] == ["a = 1", "b = 2", "a + b"]


def test_range_of_the_current_session_by_number_or_zero(fresh_kernel):
    for code in ("first = 1", "second = 2", "third = 3"):
        fresh_kernel.execute(code)
    session = history(fresh_kernel, hist_access_type="tail", n=1)[0][0]
    for asked in (session, 0):
        entries = history(fresh_kernel, hist_access_type="range", session=asked, start=2, stop=4)
        assert [entry[2] for entry in entries] == ["second = 2", "third = 3"]


def test_search_matches_a_glob_and_unique_keeps_the_latest(fresh_kernel):
    for code in ("total = 1", "print(total)", "total = 1", "other = 2"):
        fresh_kernel.execute(code)
    assert [e[2] for e in history(fresh_kernel, hist_access_type="search", pattern="total*")] == ["total = 1", "total = 1"]
    unique = history(fresh_kernel, hist_access_type="search", pattern="total*", unique=True)
    assert [(e[1], e[2]) for e in unique] == [(3, "total = 1")]


def test_output_flag_pairs_each_input_with_its_output(fresh_kernel):
    fresh_kernel.execute("40 + 2")
    [entry] = fresh_kernel.request(lambda c: c.history(hist_access_type="tail", n=1, raw=True, output=True))["history"]
    assert entry[2][0] == "40 + 2"
    assert len(entry[2]) == 2


def test_shutdown_ends_the_history_session_and_removes_the_shells_temporary_files(tmp_path):
    # IPython's exit handler runs on the kernel's control thread at shutdown, with the
    # database connection the shell thread opened.
    kernel = Kernel(env={"IPYTHONDIR": str(tmp_path)})
    try:
        kernel.execute("answer = 42")
        temporary = kernel.execute("print(get_ipython().mktempfile('draft'))").stdout.strip()
        assert pathlib.Path(temporary).exists()
    finally:
        kernel.shutdown()
    with sqlite3.connect(tmp_path / "profile_default" / "history.sqlite") as database:
        [(end, cells)] = database.execute("SELECT end, num_cmds FROM sessions").fetchall()
    assert end is not None
    assert cells == 2
    assert not pathlib.Path(temporary).exists()
