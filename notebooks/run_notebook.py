"""Run a notebook headless on its own kernel and print every cell with its outputs.

Usage: run_notebook.py NOTEBOOK [--kernel NAME]
Cells tagged `raises-exception` may fail; any other failing cell makes the run fail.
"""
import argparse
import re
import sys

import nbclient
import nbformat

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def output_text(output):
    kind = output["output_type"]
    if kind == "stream":
        return output["text"]
    if kind == "error":
        return ANSI_ESCAPE.sub("", "\n".join(output["traceback"])) + "\n"
    data = output.get("data", {})
    if "text/plain" in data:
        return data["text/plain"] + "\n"
    return f"[{', '.join(sorted(data))}]\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook")
    parser.add_argument("--kernel", default=None, help="kernel name (default: the notebook's)")
    options = parser.parse_args()

    notebook = nbformat.read(options.notebook, as_version=4)
    client_options = {"timeout": 600}
    if options.kernel:
        client_options["kernel_name"] = options.kernel
    nbclient.NotebookClient(notebook, **client_options).execute()

    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        print(f"In [{cell.execution_count}]: " + cell.source.replace("\n", "\n" + " " * 8))
        for output in cell.outputs:
            print("    " + output_text(output).rstrip("\n").replace("\n", "\n    "))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
