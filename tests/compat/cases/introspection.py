"""Looking at what an import bound: type checks, identity, repr, dir, vars, help, ?, inspect,
pickle, copy, globals() snapshots, reload, and objects that are hostile to being looked at.

Under ipykernel a module name is a module from the import line on; the issue asks that a
pending import under xlazy be indistinguishable by any of these.
"""
from . import case

LOCAL_PROXY = '''
class LocalProxy:
    """Like werkzeug's LocalProxy: every attribute, __class__ included, goes to a target
    that is not there outside a request."""
    def __getattribute__(self, name):
        raise RuntimeError("Working outside of request context.")
    def __repr__(self):
        return "<LocalProxy unbound>"
request = LocalProxy()
'''

CASES = [
    case("isinstance_module_type_of_a_pending_import", "import csv", "import types\nisinstance(csv, types.ModuleType)"),
    case("type_of_an_imported_module", "import csv", "type(csv)"),
    case("repr_of_an_imported_module", "import csv", "csv"),
    case("inspect_ismodule", "import csv", "import inspect\ninspect.ismodule(csv)"),
    case("module_is_the_object_in_sys_modules", "import csv", "import sys\nsys.modules['csv'] is csv"),
    case("module_identity_kept_across_cells", "import csv\nfirst = csv", "csv.QUOTE_ALL", "first is csv"),
    case("module_name_file_and_spec", "import csv", "csv.__name__, csv.__spec__.name, csv.__file__.endswith('csv.py')"),
    case("dir_of_a_module", "import graphlib", "[n for n in dir(graphlib) if not n.startswith('_')]"),
    case("dir_at_top_level_lists_the_imported_names", "import csv\nfrom statistics import mean", "sorted(n for n in dir() if n in ('csv', 'mean'))"),
    case("callable_of_a_from_imported_function", "from statistics import mean", "callable(mean), type(mean).__name__"),
    case("repr_of_a_from_imported_function", "from statistics import mean", "mean"),
    case("repr_of_a_from_imported_class", "from graphlib import TopologicalSorter", "TopologicalSorter"),
    case("help_of_a_from_imported_function", "from statistics import median_low", "help(median_low)"),
    case("question_mark_on_a_pending_module", "import graphlib", "graphlib?"),
    case("question_mark_on_a_from_imported_function", "from statistics import fmean", "fmean?"),
    case("double_question_mark_shows_the_source", "import projmod", "projmod.double??", files={"projmod.py": "def double(x):\n    return 2 * x\n"}),
    case("inspect_getsource_of_a_function_in_a_local_module", "import projmod", "import inspect\nprint(inspect.getsource(projmod.double))", files={"projmod.py": "def double(x):\n    return 2 * x\n"}),
    case("inspect_signature_of_a_from_imported_function", "from statistics import quantiles", "import inspect\nstr(inspect.signature(quantiles))"),
    case("pickle_roundtrip_of_an_object_from_a_pending_module", "from statistics import NormalDist", "import pickle\npickle.loads(pickle.dumps(NormalDist(1, 2)))"),
    case("pickle_of_a_module_fails_the_same_way", "import csv", "import pickle\npickle.dumps(csv)", errors={2: "TypeError"}),
    case("pickle_a_function_from_a_local_module_by_reference", "import projmod", "import pickle\npickle.loads(pickle.dumps(projmod.double))(4)", files={"projmod.py": "def double(x):\n    return 2 * x\n"}),
    case("copy_of_a_module_fails_the_same_way", "import csv", "import copy\ncopy.copy(csv)", errors={2: "TypeError"}),
    case("module_as_dict_key_and_in_a_set", "import csv", "import sys\n{csv: 1}[sys.modules['csv']], len({csv, sys.modules['csv']})"),
    case("globals_snapshot_then_is_comparison", "import csv", "snapshot = dict(globals())", "csv.QUOTE_ALL", "snapshot['csv'] is csv"),
    case("globals_snapshot_value_is_a_module", "import csv", "import types\nsnapshot = dict(globals())\nisinstance(snapshot['csv'], types.ModuleType)"),
    case("globals_lookup_by_string", "import csv", "globals()['csv'].QUOTE_ALL"),
    case("eval_of_a_string_naming_the_module", "import csv", "eval('csv.QUOTE_NONE')"),
    case("importlib_reload_through_globals", "import projmod", "import importlib\nimportlib.reload(globals()['projmod']).VALUE", files={"projmod.py": "VALUE = 'reloaded'\n"}),
    case("importlib_reload_of_a_pending_name", "import projmod", "import importlib\nimportlib.reload(projmod).VALUE", files={"projmod.py": "VALUE = 'reloaded'\n"}),
    case(
        "importlib_reload_picks_up_an_edit",
        "import projmod\nprojmod.VALUE",
        "open('projmod.py', 'w').write('VALUE = 2\\n')",
        "import importlib\nimportlib.reload(projmod).VALUE",
        files={"projmod.py": "VALUE = 1\n"},
    ),
    case("modules_found_by_scanning_globals", "import csv, cmath", "import types\nsorted(k for k, v in globals().items() if isinstance(v, types.ModuleType) and k in ('csv', 'cmath'))"),
    case("is_comparison_of_two_import_statements", "import csv", "import csv as again", "again is csv"),
    case("from_imported_class_identity_with_module_attribute", "import statistics\nfrom statistics import NormalDist", "NormalDist is statistics.NormalDist"),
    case("object_whose_class_attribute_raises_is_left_alone", "import cmath", LOCAL_PROXY, "print(repr(request))", "print('still works')\nx = [request]\nlen(x)"),
    case("object_whose_class_attribute_raises_next_to_a_pending_name", "import cmath", LOCAL_PROXY, "items = [request, cmath.pi]\nlen(items)"),
    case("object_whose_class_attribute_raises_inside_a_function", "import cmath", LOCAL_PROXY, "def f():\n    return request, cmath.pi\nlen(f())"),
    case(
        "object_with_getattr_returning_anything",
        "class Anything:\n    def __getattr__(self, name):\n        return Anything()\n    def __repr__(self):\n        return 'Anything()'\nthing = Anything()",
        "import csv\nthing.csv, csv.QUOTE_ALL",
    ),
]
