"""Output around deferred imports: what a module prints or warns while it is imported, slow
imports (over the half second after which xlazy shows what it is waiting for) and what the
cell printed before, displays, clear_output and update_display by the notebook itself.

What a module prints while it runs moves, under deferral, to the cell that first uses it:
that is a documented difference. Nothing else may be lost, reordered or added.
"""
import json

from . import case, import_output_moves

LOUD = {"loud.py": "print('loud is imported')\nVALUE = 'loud'\n"}
SLOW = {"slowmod.py": "import time\ntime.sleep(0.7)\nX = 'slow'\ndef weight(v):\n    return -v\n"}
SLOW_LOUD = {"slowloud.py": "import time\nprint('slowloud starts')\ntime.sleep(0.7)\nprint('slowloud done')\nX = 'slow and loud'\n"}
WARNS = {"warnmod.py": "import warnings\nwarnings.warn('warnmod is deprecated', UserWarning)\nX = 1\n"}
MOVES = "the module prints while it runs, and under deferral it runs at first use"


def notebook(*sources):
    return json.dumps(
        {
            "cells": [
                {"id": f"cell{n}", "cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": s}
                for n, s in enumerate(sources)
            ],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


CASES = [
    case("module_printing_while_imported", "import loud", "loud.VALUE", files=LOUD, differs=import_output_moves(MOVES, 1, 2)),
    case("module_printing_while_imported_used_two_cells_later", "import loud", "x = 1", "print(x)\nloud.VALUE", files=LOUD, differs=import_output_moves(MOVES, 1, 3)),
    case("from_import_of_a_module_printing_while_imported", "from loud import VALUE", "VALUE", files=LOUD, differs=import_output_moves(MOVES, 1, 2)),
    case(
        "module_printing_and_taking_0_7_s_while_imported",
        "import slowloud",
        "slowloud.X",
        files=SLOW_LOUD,
        differs=import_output_moves(MOVES + "; nothing else (no progress notice) may remain", 1, 2),
    ),
    case("module_warning_while_imported", "import warnmod", "warnmod.X", files=WARNS, differs=import_output_moves(MOVES, 1, 2)),
    case("zen_of_python_printed_by_import_this", "import this", "this.s[:10]"),
    case("module_printing_while_imported_inside_try_prints_at_once", "try:\n    import loud\nexcept ImportError:\n    pass", "loud.VALUE", files=LOUD),
    case("module_function_printing_when_called", "import projmod", "projmod.shout()", files={"projmod.py": "def shout():\n    print('called')\n    return 'done'\n"}),
    case("module_warning_when_a_function_is_called", "import projmod", "projmod.old()", files={"projmod.py": "import warnings\ndef old():\n    warnings.warn('old() is old', DeprecationWarning, stacklevel=2)\n    return 'ran'\n"}),
    case("module_deprecation_warning_at_import_is_hidden_by_default", "import quietwarn", "quietwarn.X", files={"quietwarn.py": "import warnings\nwarnings.warn('hidden', DeprecationWarning)\nX = 'quiet'\n"}),
    case("slow_import_used_by_the_next_cell", "import slowmod", "print('using it')\nslowmod.X", files=SLOW),
    case("slow_import_reached_through_eval_keeps_earlier_output", "import slowmod", "print('printed before')\nprint(eval('slowmod.X'))", files=SLOW),
    case("slow_import_reached_through_globals_keeps_earlier_display", "import slowmod", "from IPython.display import display\ndisplay('displayed before')\nglobals()['slowmod'].X", files=SLOW),
    case("slow_import_reached_in_a_library_callback_keeps_earlier_output", "import slowmod", "print('sorting')\nsorted([1, 3, 2], key=eval('lambda v: slowmod.weight(v)'))", files=SLOW),
    case("slow_import_and_stderr_output_before", "import slowmod", "import sys\nprint('to stderr first', file=sys.stderr)\nexec('print(slowmod.X)')", files=SLOW),
    case("two_slow_imports_in_one_cell", "import slowmod\nimport slowloud", "print(slowmod.X, slowloud.X)", files={**SLOW, **SLOW_LOUD}, differs=import_output_moves(MOVES, 1, 2)),
    case(
        "run_another_notebook_keeps_what_it_printed",
        "%run other.ipynb",
        "print(shared)",
        files={"other.ipynb": notebook("print('other: first cell')\nshared = 'shared'", "print('other: second cell')")},
    ),
    case(
        "run_another_notebook_that_uses_a_slow_pending_import",
        "import slowmod",
        "%run other.ipynb",
        files={"other.ipynb": notebook("print('other: before the slow import is used')", "print('other:', slowmod.X)"), **SLOW},
    ),
    case("clear_output_by_the_notebook", "from IPython.display import clear_output\nprint('gone')\nclear_output()\nprint('kept')"),
    case("clear_output_wait_by_the_notebook", "from IPython.display import clear_output\nprint('gone')\nclear_output(wait=True)\nprint('kept')"),
    case("update_display_by_the_notebook", "from IPython.display import display\nh = display('first', display_id=True)\nh.update('second')"),
    case("object_with_html_repr", "class Card:\n    def _repr_html_(self):\n        return '<b>card</b>'\n    def __repr__(self):\n        return 'Card()'\nCard()"),
    case("repr_that_prints_while_displayed", "class Loud:\n    def __repr__(self):\n        print('repr side effect')\n        return 'Loud()'\nLoud()"),
    case("many_lines_of_output", "for i in range(2000):\n    print('line', i)"),
    case("print_then_error_keeps_the_print", "import cmath\nprint('before the error', cmath.pi)\n1 / 0", errors={1: "ZeroDivisionError"}),
]
