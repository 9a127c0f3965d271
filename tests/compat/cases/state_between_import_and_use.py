"""What changes between an import line and the first use: cwd, sys.path, files, sys.modules,
warnings filters, environment variables, monkeypatching, rebinding and deleting.

Under ipykernel the module runs at the import line, with the state of that moment. The issue
asks xlazy to find the spec at the import line and run that spec at first use, with the
warnings filters of the import's time; only state the module reads while running (an
environment variable, the random state) is a documented difference.
"""
from . import case, import_output_moves, shows_instead, state_read_at_import

PROJ = {"proj/projmod.py": "X = 'from proj'\n"}
TWO_VERSIONS = {"v1/vmod.py": "VERSION = 1\n", "v2/vmod.py": "VERSION = 2\n"}
WARNS_AT_IMPORT = {
    "warnmod.py": """
        import warnings
        warnings.warn("warnmod is deprecated", UserWarning)
        X = 1
    """
}

CASES = [
    case("percent_cd_into_a_project_import_then_cd_back", "%cd proj", "import projmod", "%cd ..", "projmod.X", files=PROJ),
    case(
        "os_chdir_between_import_and_use",
        "import os\nos.chdir('proj')",
        "import projmod",
        "os.chdir('..')",
        "projmod.X",
        files=PROJ,
    ),
    case(
        "sys_path_insert_import_pop_then_use",
        "import sys\nsys.path.insert(0, 'lib')",
        "import libmod",
        "sys.path.pop(0)",
        "libmod.WHO",
        files={"lib/libmod.py": "WHO = 'lib'\n"},
    ),
    case(
        "sys_path_switched_to_another_version_between_import_and_use",
        "import sys\nsys.path.insert(0, 'v1')",
        "import vmod",
        "sys.path.remove('v1'); sys.path.insert(0, 'v2')",
        "vmod.VERSION",
        files=TWO_VERSIONS,
    ),
    case(
        "shadowing_file_created_between_import_and_use",
        "import graphlib",
        "open('graphlib.py', 'w').write('SHADOW = True\\n')",
        "hasattr(graphlib, 'SHADOW'), hasattr(graphlib, 'TopologicalSorter')",
    ),
    case(
        "local_module_edited_between_import_and_use",
        "import projmod",
        "open('projmod.py', 'w').write('VALUE = 2\\n')",
        "projmod.VALUE",
        files={"projmod.py": "VALUE = 1\n"},
    ),
    case(
        "local_module_deleted_between_import_and_use",
        "import projmod",
        "import os\nos.remove('projmod.py')",
        "projmod.VALUE",
        files={"projmod.py": "VALUE = 1\n"},
    ),
    case(
        "sys_modules_entry_replaced_between_import_and_use",
        "import csv",
        "import sys, types\nsys.modules['csv'] = types.SimpleNamespace(QUOTE_ALL='fake')",
        "csv.QUOTE_ALL",
        differs=shows_instead(
            "import_system_edited",
            "the deferred import runs through the import system at first use and gets the replacement "
            "(README: What deferral changes)",
            {3: {"outputs": [["execute_result", ["text/plain"], "'fake'"]]}},
        ),
    ),
    case(
        "sys_modules_entry_removed_between_import_and_use",
        "import cmath",
        "import sys\nsys.modules.pop('cmath', None)",
        "cmath.sqrt(-4)",
    ),
    case(
        "module_put_in_sys_modules_before_its_import",
        "import sys, types\nfake = types.ModuleType('fakemod')\nfake.X = 'planted'\nsys.modules['fakemod'] = fake",
        "import fakemod",
        "fakemod.X, fakemod is fake",
    ),
    case("attribute_set_on_module_before_first_use", "import statistics", "statistics.mean = lambda data: 'patched'", "statistics.mean([1, 2])"),
    case("setattr_through_globals_before_first_use", "import statistics", "setattr(globals()['statistics'], 'ANSWER', 42)", "statistics.ANSWER"),
    case(
        "monkeypatched_function_seen_by_a_from_import_made_earlier",
        "import statistics\nfrom statistics import mean",
        "statistics.mean = lambda data: 'patched'",
        "mean([1, 2]), statistics.mean([1, 2])",
    ),
    case(
        "monkeypatched_attribute_read_by_the_module_itself",
        "import projmod",
        "projmod.helper = lambda: 'patched helper'",
        "projmod.run()",
        files={"projmod.py": "def helper():\n    return 'original'\ndef run():\n    return helper()\n"},
    ),
    case("pending_name_rebound_then_used", "import csv", "csv = 'just a string'", "csv.upper()"),
    case("pending_name_deleted_then_used", "import csv", "del csv", "csv", errors={3: "NameError"}),
    case("pending_name_deleted_then_imported_again", "import csv", "del csv", "import csv\ncsv.QUOTE_ALL"),
    case("pending_name_rebound_by_assignment_in_a_loop", "import cmath", "for cmath in range(3):\n    pass", "cmath"),
    case(
        "warnings_filter_set_to_ignore_at_import_time_then_reset",
        "import warnings\nwarnings.simplefilter('ignore')",
        "import warnmod",
        "warnings.resetwarnings()\nwarnings.simplefilter('default')",
        "warnmod.X",
        files=WARNS_AT_IMPORT,
    ),
    case(
        "warnings_turned_into_errors_after_the_import",
        "import warnmod",
        "import warnings\nwarnings.simplefilter('error')",
        "warnmod.X",
        files=WARNS_AT_IMPORT,
        differs=import_output_moves(
            "the module warns while it runs, and it runs at first use (under the import's filters)",
            from_cell=1,
            to_cell=3,
        ),
    ),
    case(
        "environment_variable_read_at_call_time_is_unaffected",
        "import os\nos.environ['PROJ_MODE'] = 'a'",
        "import projmod",
        "os.environ['PROJ_MODE'] = 'b'",
        "print(projmod.mode())",
        files={"projmod.py": "import os\ndef mode():\n    return os.environ.get('PROJ_MODE')\n"},
    ),
    case(
        "environment_variable_read_at_import",
        "import os\nos.environ['PROJ_MODE'] = 'a'",
        "import projmod",
        "os.environ['PROJ_MODE'] = 'b'",
        "print(projmod.MODE)",
        files={"projmod.py": "import os\nMODE = os.environ.get('PROJ_MODE')\n"},
        differs=state_read_at_import(
            "environment_read_at_import",
            "the module reads PROJ_MODE when it runs, which is at first use (README: use %%eager)",
            cell=4,
            stdout="b\n",
        ),
    ),
    case(
        "random_state_consumed_at_import",
        "import random\nrandom.seed(0)",
        "import projmod",
        "print(round(random.random(), 6))",
        files={"projmod.py": "import random\nTOKEN = random.random()\n"},
        differs=state_read_at_import(
            "random_state_consumed_at_import",
            "the module draws from the random state when it runs, which is after this cell",
            cell=3,
            stdout="0.844422\n",
        ),
    ),
    case(
        "module_written_in_the_same_cell_as_its_import",
        "open('fresh.py', 'w').write('Z = 7\\n')\nimport fresh",
        "fresh.Z",
    ),
    case(
        "main_module_attribute_set_after_import_read_at_call_time",
        "import projmod",
        "CONFIG = 'set later'",
        "projmod.config()",
        files={"projmod.py": "import __main__\ndef config():\n    return getattr(__main__, 'CONFIG', None)\n"},
    ),
    case(
        "meta_path_finder_added_after_import",
        "import projmod",
        """
        import sys, importlib.abc
        class Refuse(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name == 'projmod':
                    raise ImportError('projmod refused by a finder added later')
        sys.meta_path.insert(0, Refuse())
        """,
        "projmod.VALUE",
        "sys.meta_path.pop(0); None",
        files={"projmod.py": "VALUE = 'found at the import line'\n"},
        differs=shows_instead(
            "import_system_edited",
            "a finder put in front of xlazy's after the import line is asked at first use "
            "(README: What deferral changes)",
            {3: {"status": "error ImportError", "outputs": [], "error": "ImportError: projmod refused by a finder added later"}},
        ),
    ),
]
