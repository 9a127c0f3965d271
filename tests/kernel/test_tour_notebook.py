"""The tour notebook the README's demo command runs keeps working."""
import pathlib
import subprocess

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"


def test_tour_runs_and_shows_each_feature():
    finished = subprocess.run(
        ["/usr/bin/python3", str(NOTEBOOKS / "run_notebook.py"), str(NOTEBOOKS / "tour.ipynb")],
        capture_output=True, text=True, timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    shown = finished.stdout
    assert "/usr/bin/python3" in shown
    assert "from Python, before\n    from C printf\n    from Python, after" in shown
    assert "ZeroDivisionError: division by zero" in shown
    assert "In [5]: answer\n    42" in shown
