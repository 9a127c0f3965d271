"""How corpus_runs compares one xlazy run with the two ipykernel runs, cell by cell.
No kernel runs here: the transcripts are written for these tests."""
from corpus_runs import compare, shown
from shipped_examples import Example

EXAMPLE = Example("sympy", "beginner/example.py", ["a", "b", "c"])


def cell(stdout="", stderr="", status="ok"):
    return {"status": status, "stdout": stdout, "stderr": stderr, "outputs": [], "error": None}


def test_identical_cells_are_counted_as_identical():
    run = [cell("1\n"), cell("2\n")]
    result = compare(EXAMPLE, "cell", run, run, run, {})
    assert (result["compared"], result["identical"], result["different"]) == (2, 2, [])


def test_a_cell_showing_something_else_is_a_difference():
    reference = [cell("1\n"), cell("2\n")]
    result = compare(EXAMPLE, "all", reference, reference, [cell("1\n"), cell("3\n")], {})
    assert (result["compared"], result["identical"], result["different"]) == (2, 1, [2])


def test_stderr_is_set_aside():
    reference = [cell(stderr="UserWarning: at import\n")]
    assert compare(EXAMPLE, "cell", reference, reference, [cell()], {})["different"] == []


def test_a_cell_whose_two_reference_runs_differ_is_not_compared():
    result = compare(EXAMPLE, "cell", [cell("0.12\n"), cell("x\n")], [cell("0.98\n"), cell("x\n")],
                     [cell("0.55\n"), cell("x\n")], {})
    assert (result["nondeterministic"], result["compared"], result["different"]) == (1, 1, [])


def test_cells_an_xlazy_run_never_reached_are_differences():
    reference = [cell("1\n"), cell("2\n")]
    result = compare(EXAMPLE, "off", reference, reference, [cell(status="kernel died")], {})
    assert result["different"] == [1, 2]


def test_a_documented_difference_is_counted_apart_for_its_mode_only():
    reference, lazy = [cell("1\n")], [cell("2\n")]
    documented = {"all sympy/beginner/example.py [1]": "a reason"}
    assert compare(EXAMPLE, "all", reference, reference, lazy, documented)["documented"] == [1]
    assert compare(EXAMPLE, "cell", reference, reference, lazy, documented)["different"] == [1]


def test_the_clock_in_a_statsmodels_summary_is_not_a_difference():
    first = cell("Date:                Mon, 30 Nov 2026   Prob\nTime:                        08:19:09   Log\n")
    later = cell("Date:                Tue, 01 Dec 2026   Prob\nTime:                        00:00:01   Log\n")
    assert shown(first) == shown(later)


def test_a_time_of_day_outside_a_summary_field_is_compared():
    assert shown(cell("2020-01-01 08:19:09\n")) != shown(cell("2020-01-01 08:19:10\n"))
