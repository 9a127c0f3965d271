"""Aimed at what a pending `import m` binds: a real module object made from the spec found at
the import line, outside sys.modules until it runs, with `__getattr__`/`__dir__` hooks in its
__dict__ and a finder first in sys.meta_path that hands the same object to the import system.

Most cases reach the module only where the cell analysis does not resolve it: inside function
bodies (a pending module is expected to resolve itself when used), through library code that
looks modules up by name (importlib.util.find_spec, pkgutil, runpy, LazyLoader), through
threads, and through the order in which one cell's imports are resolved. Local modules are
used throughout, so that no kernel has imported them before the notebook does.
"""
import copy

import dataclasses

from . import Differs, case, failing_import_fails_at_first_use, shows_instead

HELPERS = {
    "helpers.py": '"""Helpers for the notebook."""\nA = 1\nB = 2\n\n\ndef double(x):\n    return 2 * x\n',
}
COUNTED = {
    "counter.py": "n = 0\n",
    "counted.py": "import counter\ncounter.n += 1\nVALUE = 'counted'\n",
}
DATA_PACKAGE = {"mypkg/__init__.py": "", "mypkg/data.txt": "hello\n"}
ERRS = {"errs.py": "class LookupFailed(Exception):\n    pass\n"}
GEOM = {"geom.py": "class Point:\n    def __init__(self, x=0, y=0):\n        self.x, self.y = x, y\n"}
LIMITS = {"limits.py": "THRESHOLD = 4\n"}


def _first_cell_never_fails(reason):
    """The module is fixed before anything uses it: under deferral its failing version never
    runs, so the import cell's error is gone and every later cell is as under ipykernel."""

    def expect(cells):
        changed = copy.deepcopy(cells)
        changed[0] = {"status": "ok", "stdout": "", "stderr": "", "outputs": [], "error": None}
        return changed

    return Differs("failing_import_fails_at_first_use", reason, expect)


CASES = [
    # --- the module object's own __dict__ before it ran, read where nothing resolves it ----
    case(
        "module_vars_read_inside_a_function",
        "import helpers",
        "def public():\n    return sorted(k for k in vars(helpers) if not k.startswith('_'))\npublic()",
        files=HELPERS,
    ),
    case(
        "module_docstring_read_inside_a_function",
        "import helpers",
        "import inspect\ndef summary():\n    return inspect.getdoc(helpers)\nsummary()",
        files=HELPERS,
    ),
    case(
        "module_attribute_deleted_inside_a_function",
        "import cachemod",
        "def reset():\n    del cachemod.CACHE\n    return hasattr(cachemod, 'CACHE')\nreset()",
        files={"cachemod.py": "CACHE = {'k': 1}\n"},
    ),
    case(
        "importlib_reload_inside_a_function",
        "import helpers",
        "import importlib\ndef refresh():\n    return importlib.reload(helpers).A\nrefresh()",
        files=HELPERS,
    ),
    case(
        "module_listing_its_own_globals_while_imported",
        "import selfnames",
        "selfnames.DUNDERS",
        files={"selfnames.py": "DUNDERS = sorted(n for n in dir() if n.startswith('__'))\n"},
    ),
    # --- library code that finds the module by name ---------------------------------------
    case(
        "find_spec_of_a_pending_module",
        "import mypkg",
        "import importlib.util\nspec = importlib.util.find_spec('mypkg')\n"
        "type(spec.loader).__name__, spec.has_location, spec.submodule_search_locations",
        files=DATA_PACKAGE,
    ),
    case(
        "pkgutil_get_data_from_a_pending_package",
        "import mypkg",
        "import pkgutil\npkgutil.get_data('mypkg', 'data.txt')",
        files=DATA_PACKAGE,
    ),
    case(
        "runpy_run_module_of_a_pending_module",
        "import helpers",
        "import runpy\nrunpy.run_module('helpers')['A']",
        files=HELPERS,
    ),
    case(
        "module_copy_loaded_from_its_spec",
        "import counted",
        "import importlib.util\nspec = importlib.util.find_spec('counted')\n"
        "copy = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(copy)",
        "import counter\ncopy is counted, counter.n",
        files=COUNTED,
    ),
    # --- modules that replace themselves ----------------------------------------------------
    case(
        "module_replacing_itself_in_sys_modules_used_in_a_function",
        "import selfrep",
        "def answer():\n    return selfrep.answer\nanswer()",
        "type(selfrep).__name__",
        files={
            "selfrep.py": """
                import sys


                class _Wrapper:
                    def __init__(self, module):
                        self._module = module

                    def __getattr__(self, name):
                        return getattr(self._module, name)

                    @property
                    def answer(self):
                        return 42


                sys.modules[__name__] = _Wrapper(sys.modules[__name__])
            """
        },
    ),
    case(
        "callable_module_called_inside_a_function",
        "import callmod",
        "def use():\n    return callmod(3)\nuse()",
        files={
            "callmod.py": """
                import sys
                import types


                class _CallableModule(types.ModuleType):
                    def __call__(self, value):
                        return f'called with {value}'


                sys.modules[__name__].__class__ = _CallableModule
            """
        },
    ),
    case(
        "module_with_its_own_pep562_getattr_and_dir_used_in_a_function",
        "import lazypkg",
        "def show():\n    return dir(lazypkg), lazypkg.sub.X, hasattr(lazypkg, 'nope')\nshow()",
        files={
            "lazypkg/__init__.py": """
                import importlib
                __all__ = ['sub']


                def __getattr__(name):
                    if name == 'sub':
                        return importlib.import_module('.sub', __name__)
                    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


                def __dir__():
                    return __all__ + ['extra']
            """,
            "lazypkg/sub.py": "X = 'sub'\n",
        },
    ),
    # --- order and number of executions -------------------------------------------------------
    case(
        "circular_imports_used_together_in_one_cell",
        "import views, models",
        "views.Z, models.Y",
        files={"views.py": "X = 1\nimport models\nZ = models.Y + 1\n", "models.py": "import views\nY = views.X + 1\n"},
    ),
    case(
        "import_order_of_two_modules_used_in_one_cell",
        "import setup_mode\nimport app",
        "setup_mode.DONE, app.MODE_AT_IMPORT",
        files={
            "settings.py": "MODE = 'default'\n",
            "setup_mode.py": "import settings\nsettings.MODE = 'fast'\nDONE = True\n",
            "app.py": "import settings\nMODE_AT_IMPORT = settings.MODE\n",
        },
    ),
    case(
        "local_module_imported_only_for_its_side_effect",
        "import plugins\nimport plugin_extra",
        "plugins.REGISTRY",
        files={"plugins.py": "REGISTRY = []\n", "plugin_extra.py": "import plugins\nplugins.REGISTRY.append('extra')\n"},
    ),
    case(
        "two_threads_touch_a_pending_module_at_once",
        "import slowmod",
        """
        import threading
        results = []
        def work():
            results.append(slowmod.VALUE)
        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        import counter
        sorted(results), counter.n
        """,
        files={**COUNTED, "slowmod.py": "import time\nimport counter\ncounter.n += 1\ntime.sleep(0.3)\nVALUE = 7\n"},
    ),
    case(
        "library_imports_the_same_module_between_import_and_use",
        "import counted",
        "import consumer\nconsumer.SEEN.VALUE",
        "import counter\nconsumer.SEEN is counted, counter.n",
        files={**COUNTED, "consumer.py": "import counted\nSEEN = counted\n"},
    ),
    case(
        "run_script_importing_the_same_module",
        "import counted",
        "%run script.py",
        "counted is sys.modules['counted'], counter.n",
        files={
            **COUNTED,
            "script.py": "import counted, counter, sys\nprint(counted.VALUE, sys.modules['counted'] is counted, counter.n)\n",
        },
    ),
    case(
        "del_sys_modules_then_import_again",
        "import counted",
        "counted.VALUE",
        "import sys\nold = counted\ndel sys.modules['counted']\nimport counted",
        "import counter\ncounted is old, counted.VALUE, counter.n",
        files=COUNTED,
    ),
    # --- packages --------------------------------------------------------------------------
    case(
        "package_init_imports_its_own_submodules_and_reads_itself",
        "import selfpkg.core as c\nimport selfpkg",
        "selfpkg.NAME, selfpkg.HAS_CORE, c.helper(), c is selfpkg.core",
        files={
            "selfpkg/__init__.py": """
                import sys
                from . import core
                from .core import helper
                NAME = core.NAME + '!'
                HAS_CORE = hasattr(sys.modules[__name__], 'core')
            """,
            "selfpkg/core.py": "NAME = 'core'\ndef helper():\n    return 'helped'\n",
        },
    ),
    case(
        "from_import_of_a_submodule_name_rebound_to_a_function",
        "from tools import clean",
        "def tidy(s):\n    return clean(s)\n[tidy(' a '), type(clean).__name__]",
        files={"tools/__init__.py": "from .clean import clean\n", "tools/clean.py": "def clean(text):\n    return text.strip()\n"},
    ),
    case(
        "package_that_extends_its_path_at_import",
        "import redir.mod",
        "redir.mod.WHO",
        files={
            "redir/__init__.py": "import os\n__path__.insert(0, os.path.join(os.path.dirname(__file__), 'impl'))\n",
            "redir/impl/mod.py": "WHO = 'impl'\n",
            "redir/mod.py": "WHO = 'fallback'\n",
        },
    ),
    case(
        "namespace_package_portion_added_between_import_and_use",
        "import sys\nsys.path.insert(0, 'p1')\nimport nsx.a",
        "sys.path.insert(0, 'p2')\nimport nsx.b",
        "nsx.a.X, nsx.b.Y, len(list(nsx.__path__))",
        files={"p1/nsx/a.py": "X = 'a'\n", "p2/nsx/b.py": "Y = 'b'\n"},
    ),
    case(
        "zip_archive_on_sys_path",
        "import sys, zipfile\nwith zipfile.ZipFile('zmods.zip', 'w') as z:\n    z.writestr('zmod.py', 'X = \"zipped\"\\n')\nsys.path.insert(0, 'zmods.zip')",
        "import zmod",
        "sys.path.remove('zmods.zip')",
        "zmod.X, type(zmod.__loader__).__name__",
    ),
    case(
        "submodule_edited_between_package_import_and_use",
        "import editpkg",
        "open('editpkg/core.py', 'w').write('VALUE = 2\\n')",
        "editpkg.VALUE",
        files={"editpkg/__init__.py": "from .core import VALUE\n", "editpkg/core.py": "VALUE = 1\n"},
    ),
    # --- what the module changes in sys.path and warnings while it runs ---------------------
    case(
        "module_putting_its_vendor_dir_first_on_sys_path",
        "import vendoring",
        "vendoring.VENDOR.endswith('vendor')",
        "import dep\ndep.WHO",
        files={
            "vendoring.py": "import os, sys\nVENDOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'vendor')\nsys.path.insert(0, VENDOR)\n",
            "vendor/dep.py": "WHO = 'vendored'\n",
            "dep.py": "WHO = 'top-level'\n",
        },
    ),
    case(
        "module_warning_filter_appended_with_low_priority",
        "import warnings\nwarnings.filterwarnings('error', message='noisy')",
        "import quietmod",
        "quietmod.X",
        "warnings.warn('noisy')",
        files={"quietmod.py": "import warnings\nwarnings.filterwarnings('ignore', message='noisy', append=True)\nX = 1\n"},
        errors={4: "UserWarning"},
    ),
    case(
        "first_use_inside_catch_warnings_loses_the_modules_filter",
        "import quietmod",
        "import warnings\ndef load():\n    return quietmod.X\nwith warnings.catch_warnings():\n    warnings.simplefilter('default')\n    load()",
        "warnings.warn('noisy')",
        files={"quietmod.py": "import warnings\nwarnings.filterwarnings('ignore', message='noisy')\nX = 1\n"},
    ),
    # --- from-imports reached by code the analysis does not follow --------------------------
    case(
        "generator_created_before_the_from_import_and_consumed_after",
        "def parse_all(items):\n    for item in items:\n        try:\n            yield int(item)\n        except (LookupFailed, ValueError):\n            yield None",
        "results = parse_all(['1', 'x'])",
        "from errs import LookupFailed",
        "list(results)",
        files=ERRS,
    ),
    case(
        "defaultdict_factory_catching_a_from_imported_exception",
        "import collections\ndef fallback():\n    try:\n        return int('x')\n    except (LookupFailed, ValueError):\n        return 'caught'\ntable = collections.defaultdict(fallback)",
        "from errs import LookupFailed",
        "table['k']",
        files=ERRS,
    ),
    case(
        "doctest_example_catching_a_from_imported_exception",
        "from errs import LookupFailed",
        '''
        def parse(text):
            """
            >>> try:
            ...     parse('x')
            ... except (LookupFailed, ValueError):
            ...     print('caught')
            caught
            """
            return int(text)
        ''',
        "import doctest\ndoctest.run_docstring_examples(parse, get_ipython().user_ns, name='parse')",
        files=ERRS,
    ),
    case(
        "run_i_script_json_dumps_a_from_imported_constant",
        "from limits import THRESHOLD",
        "%run -i report.py",
        files={**LIMITS, "report.py": "import json\nprint(json.dumps({'threshold': THRESHOLD}))\n"},
    ),
    case(
        "parameter_annotation_with_a_from_imported_class",
        "from geom import Point",
        "def move(p: Point) -> Point:\n    return p",
        "import inspect\ninspect.signature(move).parameters['p'].annotation is Point",
        files=GEOM,
    ),
    # --- monkeypatching, reload tools and the import system ----------------------------------
    case(
        "monkeypatch_through_functions_before_first_use",
        "import tunable",
        "def configure():\n    tunable.LEVEL = 3\nconfigure()",
        "def report():\n    return tunable.describe(), tunable.LEVEL\nreport()",
        files={"tunable.py": "LEVEL = 1\ndef describe():\n    return f'level {LEVEL}'\n"},
    ),
    case(
        "autoreload_edit_between_import_and_first_use",
        "%load_ext autoreload\n%autoreload 2",
        "import projmod",
        "import os, time\nopen('projmod.py', 'w').write('VALUE = 2\\n')\nnow = time.time() + 10\nos.utime('projmod.py', (now, now))",
        "projmod.VALUE",
        files={"projmod.py": "VALUE = 1\n"},
    ),
    case(
        "sys_modules_entry_replaced_then_first_use_in_a_function",
        "import helpers",
        "import sys, types\nsys.modules['helpers'] = types.SimpleNamespace(A='fake')",
        "def a():\n    return helpers.A\na()",
        files=HELPERS,
        differs=shows_instead(
            "import_system_edited",
            "the deferred import runs through the import system at first use and gets the replacement",
            {3: dict(outputs=[["execute_result", ["text/plain"], "'fake'"]])},
        ),
    ),
    case(
        "import_hook_finder_inserted_before_first_use_in_a_function",
        "import helpers",
        "import hooks\nhooks.install()",
        "def a():\n    return helpers.A\na()",
        "'helpers' in hooks.Tracing.seen",
        files={
            **HELPERS,
            "hooks.py": """
                import importlib.machinery
                import sys


                class Tracing(importlib.machinery.PathFinder):
                    # what typeguard's and beartype's import hooks look like from outside
                    seen = []

                    @classmethod
                    def find_spec(cls, name, path=None, target=None):
                        spec = super().find_spec(name, path, target)
                        if spec is not None:
                            cls.seen.append(name)
                        return spec


                def install():
                    sys.meta_path.insert(0, Tracing)
            """,
        },
        differs=shows_instead(
            "import_system_edited",
            "a finder put in front of sys.meta_path between the import and its use finds the module",
            {4: dict(outputs=[["execute_result", ["text/plain"], "True"]])},
        ),
    ),
    # --- error paths ---------------------------------------------------------------------------
    case(
        "module_failing_with_attribute_error_read_through_getattr_default",
        "import flags",
        "def debug_enabled():\n    return getattr(flags, 'DEBUG', 'off')\ndebug_enabled()",
        files={"flags.py": "import os\nDEBUG = os.environ.MISSING\n"},
        errors={1: "AttributeError", 2: "NameError"},
        differs=failing_import_fails_at_first_use("flags raises while it runs, at first use", 1, 2),
    ),
    case(
        "misspelt_from_import_next_to_a_used_module",
        "from helpers import doubel",
        "import helpers",
        "helpers.double(2)",
        "doubel(3)",
        files=HELPERS,
        errors={1: "ImportError", 4: "NameError"},
        differs=failing_import_fails_at_first_use("whether helpers has the name is known once it runs", 1, 4),
    ),
    case(
        "failing_module_fixed_then_imported_again_before_first_use",
        "import broken",
        "open('broken.py', 'w').write('VALUE = 1\\n')",
        "import broken",
        "broken.VALUE",
        files={"broken.py": "VALUE = 1 / 0\n"},
        errors={1: "ZeroDivisionError"},
        differs=_first_cell_never_fails("broken is fixed, and imported again, before anything uses it"),
    ),
]


# Differences left by design, each a row of the README's "What deferral changes".
DOCUMENTED = {
    'module_vars_read_inside_a_function': shows_instead(
        'pending_module_read_without_an_attribute',
        "a function reads the pending module's namespace before it ran; reading it does not run it",
        {2: {'outputs': [['execute_result', ['text/plain'], '[]']]}},
    ),
    'module_docstring_read_inside_a_function': shows_instead(
        'pending_module_read_without_an_attribute',
        "a pending module's __doc__ is None until it runs",
        {2: {'outputs': []}},
    ),
    'module_attribute_deleted_inside_a_function': shows_instead(
        'pending_module_read_without_an_attribute',
        'deleting an attribute does not run the pending module',
        {2: {'status': 'error AttributeError', 'outputs': [], 'error': "AttributeError: 'module' object has no attribute 'CACHE'"}},
    ),
    'importlib_reload_inside_a_function': shows_instead(
        'pending_module_read_without_an_attribute',
        'a pending module is not in sys.modules until it runs',
        {2: {'status': 'error ImportError', 'outputs': [], 'error': 'ImportError: module helpers not in sys.modules'}},
    ),
    'module_listing_its_own_globals_while_imported': shows_instead(
        'hooks_visible_while_running',
        "the module's namespace holds xlazy's __getattr__ and __dir__ while it runs",
        {2: {'outputs': [['execute_result', ['text/plain'], "['__builtins__',\n '__cached__',\n '__dir__',\n '__doc__',\n '__file__',\n '__getattr__',\n '__loader__',\n '__name__',\n '__package__',\n '__spec__']"]]}},
    ),
    'find_spec_of_a_pending_module': shows_instead(
        'spec_of_a_pending_module',
        'find_spec of a pending module answers with the spec xlazy hands to the import system',
        {2: {'outputs': [['execute_result', ['text/plain'], "('SimpleNamespace', True, ['<casedir>/mypkg'])"]]}},
    ),
    'module_copy_loaded_from_its_spec': shows_instead(
        'spec_of_a_pending_module',
        'module_from_spec of that spec gives the pending module itself',
        {3: {'outputs': [['execute_result', ['text/plain'], '(True, 1)']]}},
    ),
    'callable_module_called_inside_a_function': shows_instead(
        'pending_module_read_without_an_attribute',
        'a call does not run a pending module; only attribute reads do',
        {2: {'status': 'error TypeError', 'outputs': [], 'error': "TypeError: 'module' object is not callable"}},
    ),
    'local_module_imported_only_for_its_side_effect': shows_instead(
        'import_for_side_effect_only',
        'a module imported only for what its import does elsewhere never runs unless used (README: %lazy exclude)',
        {2: {'outputs': [['execute_result', ['text/plain'], '[]']]}},
    ),
    'package_that_extends_its_path_at_import': shows_instead(
        'submodule_located_before_its_package_ran',
        "the submodule was located in the package's path before the package extended it",
        {2: {'outputs': [['execute_result', ['text/plain'], "'fallback'"]]}},
    ),
    'submodule_edited_between_package_import_and_use': shows_instead(
        'submodule_located_before_its_package_ran',
        "only the package's own code is read at the import line",
        {3: {'outputs': [['execute_result', ['text/plain'], '2']]}},
    ),
    'first_use_inside_catch_warnings_loses_the_modules_filter': shows_instead(
        'first_use_inside_catch_warnings',
        "the module's filter goes into catch_warnings' list, dropped when the block ends",
        {3: {'stderr': "<cell>.py:1: UserWarning: noisy\n  warnings.warn('noisy')\n"}},
    ),
    'generator_created_before_the_from_import_and_consumed_after': shows_instead(
        'placeholder_reached_unseen',
        'a from-import reached only through code the analysis cannot see is still a placeholder there',
        {4: {'status': 'error TypeError', 'outputs': [], 'error': 'TypeError: catching classes that do not inherit from BaseException is not allowed'}},
    ),
    'defaultdict_factory_catching_a_from_imported_exception': shows_instead(
        'placeholder_reached_unseen',
        'a from-import reached only through a library container is still a placeholder there',
        {3: {'status': 'error TypeError', 'outputs': [], 'error': 'TypeError: catching classes that do not inherit from BaseException is not allowed'}},
    ),
    'doctest_example_catching_a_from_imported_exception': shows_instead(
        'placeholder_reached_unseen',
        'a from-import named only in doctest text is still a placeholder there',
        {3: {'stdout': '**********************************************************************\nFile "__main__", line 3, in parse\nFailed example:\n    try:\n        parse(\'x\')\n    except (LookupFailed, ValueError):\n        print(\'caught\')\nException raised:\n    Traceback (most recent call last):\n      File "<doctest parse[0]>", line 2, in <module>\n        parse(\'x\')\n      File "<cell>.py", line 9, in parse\n        return int(text)\n               ^^^^^^^^^\n    ValueError: invalid literal for int() with base 10: \'x\'\n\n    During handling of the above exception, another exception occurred:\n\n    Traceback (most recent call last):\n      File "/usr/lib/python3.11/doctest.py", line 1351, in __run\n        exec(compile(example.source, filename, "single",\n      File "<doctest parse[0]>", line 3, in <module>\n        except (LookupFailed, ValueError):\n    TypeError: catching classes that do not inherit from BaseException is not allowed\n'}},
    ),
    'autoreload_edit_between_import_and_first_use': shows_instead(
        'code_read_at_the_import_line',
        'autoreload records the file after the code read at the import line ran',
        {4: {'outputs': [['execute_result', ['text/plain'], '1']]}},
    ),
    'module_failing_with_attribute_error_read_through_getattr_default': shows_instead(
        'attribute_error_while_running',
        'an AttributeError raised while the module runs under getattr(m, x, default) reads as a missing attribute',
        {1: {'status': 'ok', 'error': None}, 2: {'status': 'ok', 'outputs': [['execute_result', ['text/plain'], "'off'"]], 'error': None}},
    ),
}
CASES = [dataclasses.replace(each, differs=DOCUMENTED.get(each.id, each.differs)) for each in CASES]
