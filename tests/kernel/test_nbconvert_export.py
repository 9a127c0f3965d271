"""A notebook run and saved on xlazy exports to a Python script with Debian's
`jupyter nbconvert --to script`, magics turned into IPython calls as for ipykernel's."""
import subprocess

import nbformat
from nbclient import NotebookClient

from conftest import KERNEL_NAME, TIMEOUT

CELLS = ["import json", "%lazy status", "payload = json.dumps({'x': 1})\npayload"]


def saved_notebook(path):
    """A notebook executed on xlazy and saved as Notebook would: the kernelspec and the
    language_info of the kernel's kernel_info_reply in its metadata."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3 (xlazy)", "language": "python"}
    NotebookClient(notebook, kernel_name=KERNEL_NAME, timeout=TIMEOUT).execute()
    nbformat.write(notebook, path)
    return notebook


def test_nbconvert_to_script_writes_a_python_file_with_magics_as_calls(tmp_path):
    notebook = saved_notebook(tmp_path / "analysis.ipynb")
    assert notebook.metadata["language_info"]["nbconvert_exporter"] == "python"

    subprocess.run(
        ["/usr/bin/jupyter", "nbconvert", "--to", "script", str(tmp_path / "analysis.ipynb")],
        check=True, capture_output=True, text=True, timeout=TIMEOUT,
    )
    script = (tmp_path / "analysis.py").read_text()
    assert "get_ipython().run_line_magic('lazy', 'status')" in script
    assert "%lazy" not in script
    compile(script, "analysis.py", "exec")
