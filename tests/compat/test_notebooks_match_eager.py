"""Real notebooks give the same outputs under xlazy's default mode as with lazy imports off."""
import ast
import os
import pathlib

import nbclient
import nbformat
import pytest

BENCH_NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks" / "bench"


def only_imports(source):
    return all(isinstance(statement, (ast.Import, ast.ImportFrom)) for statement in ast.parse(source).body)


def outputs_of(path, lazy_mode):
    notebook = nbformat.read(path, as_version=4)
    previous = os.environ.get("XLAZY_MODE")
    os.environ["XLAZY_MODE"] = lazy_mode  # the kernel inherits the client's environment
    try:
        nbclient.NotebookClient(notebook, kernel_name="xlazy", timeout=300).execute()
    finally:
        if previous is None:
            del os.environ["XLAZY_MODE"]
        else:
            os.environ["XLAZY_MODE"] = previous
    shown = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or only_imports(cell.source):
            # What a module prints while imported moves to its first use, or never shows
            # if nothing uses it (README: What deferral changes); torch's tqdm warning is one.
            continue
        for output in cell.get("outputs", []):
            if output.get("metadata", {}).get("xlazy", {}).get("progress"):
                continue  # the resolve notice, an empty display once its imports are done
            if output["output_type"] == "stream" and output["name"] == "stderr":
                continue  # import warnings (torch's tqdm notice) come where the module runs
            if output["output_type"] == "stream":
                shown.append((output["name"], output["text"]))
            elif output["output_type"] == "error":
                shown.append(("error", output["ename"], output["evalue"]))
            else:
                shown.append((output["output_type"], output.get("data", {}).get("text/plain")))
    return shown


@pytest.mark.parametrize("name", ["heavy-numpy-only", "numpy-only", "realistic"])
def test_outputs_are_the_same_with_and_without_deferral(name):
    path = BENCH_NOTEBOOKS / f"{name}.ipynb"
    eager = outputs_of(path, "off")
    assert eager, "the notebook shows nothing to compare"
    assert outputs_of(path, "cell") == eager
