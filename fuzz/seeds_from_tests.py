"""Writes fuzzing seeds taken from the test suites into OUT_DIR/<fuzzer>/, one file each.

cell_source: every cell of the adversarial notebooks (tests/compat/cases), which is Python
as users write it, with magics and a few `lazy import` spellings added.
lazy_arguments: what follows `%lazy` in every `%lazy ...` line of the kernel suites.
The committed seeds in fuzz/seeds/ hold hand-written inputs and past crashes; these follow
the tests as they grow, so they are written at build time instead of committed.
"""
import hashlib
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def write(directory, texts):
    directory.mkdir(parents=True, exist_ok=True)
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def notebook_cells():
    sys.path.insert(0, str(ROOT / "tests" / "compat"))
    from cases import ALL_CASES

    return {cell for case in ALL_CASES for cell in case.cells}


def lazy_magic_arguments():
    found = set()
    for test_file in (ROOT / "tests").glob("*/test_*.py"):
        for match in re.finditer(r"""%lazy( [^"'\\\n]*)?""", test_file.read_text()):
            found.add((match.group(1) or "").strip())
    return found


def main(out_dir):
    out = pathlib.Path(out_dir)
    write(out / "cell_source", notebook_cells())
    write(out / "lazy_arguments", lazy_magic_arguments())


if __name__ == "__main__":
    main(sys.argv[1])
