"""The tour notebook the README's demo command runs keeps showing what it promises."""
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
    assert "{'numpy': False, 'pandas': False, 'torch': False, 'sympy': False}" in shown
    assert "import numpy as np" in shown and "pending" in shown
    assert "(45, True)" in shown
    assert "mean    2.5" in shown
    assert "RuntimeError: plugin needs a licence file" in shown
    assert "`import broken_plugin` (cell [9], line 1)" in shown
    assert "sklearn.experimental.enable_iterative_imputer" in shown
    assert "(False, False)" in shown
    assert "/usr/bin/python3 3.11.2" in shown and "printed by C code" in shown
