"""IPython magics next to deferred imports: %who/%whos/%who_ls, %reset, %xdel, %load_ext,
%precision, %pinfo, %run (a script and a notebook), %%writefile, %time/%timeit, %cd, and
xlazy's own %%eager and %lazy exclude.

ipykernel has no %%eager or %lazy: its reference runs the %%eager cell's code as a plain
cell and treats %lazy as doing nothing (notebook_runner.IPYKERNEL_REFERENCE_SHIMS).
`%lazy status` is not used here: only xlazy has it.
"""
import json

from . import case

PRINTS = {"loud.py": "print('loud is imported')\nVALUE = 'loud'\n"}

OTHER_NOTEBOOK = json.dumps(
    {
        "cells": [
            {"id": "c1", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": "import csv\nprint('other notebook ran', csv.QUOTE_ALL)\nshared = 'from other'"},
            {"id": "m1", "cell_type": "markdown", "metadata": {}, "source": "a note"},
            {"id": "c2", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
             "source": "print('second cell of the other notebook')"},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)

EXTENSION = {
    "myext.py": """
        import statistics
        def load_ipython_extension(ip):
            def avg(line):
                return statistics.mean(float(x) for x in line.split())
            ip.register_magic_function(avg, 'line')
    """
}

CASES = [
    # %%eager
    case(
        "eager_cell_with_a_syntax_error_then_pending_names_still_resolve",
        "import statistics\nfrom statistics import StatisticsError",
        "%%eager\nx = (",
        "try:\n    statistics.mean([])\nexcept StatisticsError:\n    print('caught')",
        errors={2: "SyntaxError"},
    ),
    case("eager_cell_with_a_syntax_error_reports_the_users_line", "%%eager\nimport csv\nx = 1 +\ny = 2", errors={1: "SyntaxError"}),
    case("eager_cell_with_a_syntax_error_then_later_imports_still_defer_and_resolve", "%%eager\ndef (", "import cmath", "cmath.sqrt(-1)", errors={1: "SyntaxError"}),
    case("eager_cell_imports_then_divides_by_zero", "%%eager\nimport csv\n1/0", "csv.QUOTE_ALL", errors={1: "ZeroDivisionError"}),
    case("eager_cell_with_a_missing_module", "%%eager\nimport no_such_module_xyz", errors={1: "ModuleNotFoundError"}),
    case("eager_cell_with_a_relative_import", "%%eager\nfrom . import x", errors={1: "ImportError"}),
    case("eager_cell_runs_the_import_in_that_cell", "%%eager\nimport loud", "loud.VALUE", files=PRINTS),
    case("eager_cell_followed_by_the_time_cell_magic", "%%eager\n%%time\nimport graphlib", "import sys\n'graphlib' in sys.modules"),
    case("eager_cell_followed_by_the_capture_cell_magic", "%%eager\n%%capture out\nimport loud", "out.stdout", files=PRINTS),
    case("eager_cell_with_a_function_that_catches", "%%eager\nimport statistics\nfrom statistics import StatisticsError\ndef f():\n    try:\n        statistics.mean([])\n    except StatisticsError:\n        return 'caught'\nf()"),
    case(
        "lazy_exclude_after_the_import_makes_it_a_module",
        "import projmod",
        "%lazy exclude projmod",
        "import sys\n'projmod' in sys.modules",
        "import types\nisinstance(globals()['projmod'], types.ModuleType)",
        files={"projmod.py": "VALUE = 1\n"},
    ),
    # PEP 810 spelling must be read by the tokenizer, not found by text search
    case("lazy_import_inside_a_string_literal_is_text", "s = 'lazy import json'\nt = \"\"\"\nlazy from os import path\n\"\"\"\nprint(s)\nprint(t)"),
    case("lazy_import_inside_an_f_string_and_a_comment", "name = 'csv'\nprint(f'lazy import {name}')  # lazy import csv"),
    case("lazy_import_inside_a_writefile_body_is_written_verbatim", "%%writefile lazyfile.py\nlazy import json\nlazy from os import path\n", "print(open('lazyfile.py').read())"),
    # %who and friends
    case("who_lists_imported_modules_and_variables", "import csv\nfrom statistics import mean\nx = 1", "%who"),
    case("who_module_lists_only_modules", "import csv\nimport cmath\nx = 1", "%who module"),
    case("who_function_lists_from_imported_functions", "from statistics import mean\nimport csv", "%who function"),
    case("whos_table_of_imports", "import csv\nfrom statistics import mean\nn = 3", "%whos"),
    case("who_ls_module", "import csv\nk = 2", "%who_ls module"),
    case("reset_forgets_pending_imports", "import csv\nx = 1", "%reset -f", "csv", errors={3: "NameError"}),
    case("reset_selective_drops_matching_names", "import csv\nimport cmath", "%reset_selective -f ^cs", "cmath.pi", "csv", errors={4: "NameError"}),
    case("xdel_of_a_pending_import", "import csv", "%xdel csv", "csv", errors={3: "NameError"}),
    # extensions, precision, inspection magics
    case("load_ext_of_a_local_extension_that_imports", "%load_ext myext", "%avg 1 2 3 4", files=EXTENSION),
    case(
        "load_ext_autoreload_picks_up_an_edit",
        "%load_ext autoreload\n%autoreload 2",
        "import projmod\nprojmod.VALUE",
        "import os, time\nopen('projmod.py', 'w').write('VALUE = 2\\n')\nnow = time.time() + 10\nos.utime('projmod.py', (now, now))",
        "projmod.VALUE",
        files={"projmod.py": "VALUE = 1\n"},
    ),
    case("precision_magic_on_floats", "%precision 3", "import cmath\ncmath.pi", "%precision", "cmath.pi"),
    case("pinfo_of_a_pending_module", "import graphlib", "%pinfo graphlib"),
    case("load_magic_fills_the_next_cell", "%load projmod.py", files={"projmod.py": "VALUE = 1\n"}),
    # %run
    case("run_a_script_that_imports_and_prints", "%run script.py", "shared", files={"script.py": "import csv\nprint('script ran', csv.QUOTE_ALL)\nshared = 'from script'\n"}),
    case("run_a_script_then_use_its_import", "%run script.py", "csv.QUOTE_NONE", files={"script.py": "import csv\n"}),
    case("run_i_sees_pending_imports_of_the_notebook", "import cmath", "%run -i script.py", files={"script.py": "print(cmath.sqrt(-1))\n"}),
    case("run_another_notebook_that_prints", "%run other.ipynb", "shared", files={"other.ipynb": OTHER_NOTEBOOK}),
    # %%writefile
    case("writefile_then_import_the_file", "%%writefile written.py\nVALUE = 'written'\n", "import written", "written.VALUE"),
    # timing magics
    case("timeit_of_an_import_does_not_bind_the_name", "%timeit -n1 -r1 import csv", "'csv' in globals()"),
    case("time_of_an_import_binds_the_name", "%time import csv", "'csv' in globals()", "csv.QUOTE_ALL"),
    case("time_cell_magic_of_an_import_binds_the_name", "%%time\nimport graphlib", "graphlib.TopologicalSorter.__name__"),
    case("capture_cell_magic_of_an_import", "%%capture\nimport cmath", "cmath.sqrt(-1)"),
    # working directory and environment
    case("pwd_and_cd", "%pwd", "%cd sub", "%pwd", "%cd -q ..", files={"sub/keep.txt": "x\n"}),
    case("env_magic_sets_a_variable", "%env XLAZY_CASE_VAR=hello", "import os\nos.environ['XLAZY_CASE_VAR']"),
    case("shell_escape_output", "!echo hello from the shell"),
    case("html_cell_magic", "%%html\n<b>bold</b>"),
    case("xmode_plain", "%xmode Plain", "import statistics\nstatistics.mean([])", errors={2: "StatisticsError"}),
    case("history_of_numbered_cells", "import csv", "x = 1", "%history -n 1-2"),
]
