"""Adversarial cases for `all` mode, mostly aimed at the early "cannot defer" decision made
from an import statement's own arguments (level, the importer's names, sys.modules, the
loaded module's __dict__). See all_against_off for how a case runs."""
import subprocess
import sys

import pytest

from all_against_off import (BEFORE_IT_RAN, CYCLE_COMPLETES, ENVIRONMENT, REGISTERS_AT_FIRST_READ,
                             REPLACED_ITSELF, assert_same_in_all_and_off_mode, kernels)


# --- from-imports of a package not imported yet -------------------------------------------


def test_from_import_of_a_function_the_package_binds_over_its_submodule_of_that_name(kernels, tmp_path):
    # As `from dask import delayed`: dask/delayed.py exists, and dask/__init__ rebinds
    # `delayed` to the function of that module.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "shadowpkg/__init__.py": "from .helper import helper\n",
        "shadowpkg/helper.py": "def helper():\n    return 'function'\n",
        "shadowuser.py": "from shadowpkg import helper\ndef get():\n    return helper()\n",
    }, ["import shadowuser\nshadowuser.get()"])


def test_from_import_of_a_name_pep562_getattr_answers_though_a_submodule_has_it(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "getattrpkg/__init__.py": (
            "def __getattr__(name):\n    if name == 'thing':\n        return 'from __getattr__'\n"
            "    raise AttributeError(name)\n"),
        "getattrpkg/thing.py": "VALUE = 'submodule'\n",
        "getattruser.py": (
            "from getattrpkg import thing\n"
            "def get():\n    return thing if isinstance(thing, str) else thing.VALUE\n"),
    }, ["import getattruser\ngetattruser.get()"])


def test_from_import_of_a_submodule_from_a_package_that_prepends_to_its_path(kernels, tmp_path):
    # The package's __init__ decides where its submodules are found, as vendoring and
    # plugin packages do; it has not run when the statement is deferred.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "pathpkg/__init__.py": (
            "import os\n__path__.insert(0, os.path.join(os.path.dirname(__file__), 'override'))\n"),
        "pathpkg/sub.py": "WHO = 'original'\n",
        "pathpkg/override/sub.py": "WHO = 'override'\n",
        "pathuser.py": "from pathpkg import sub\ndef get():\n    return sub.WHO\n",
    }, ["import pathuser\npathuser.get()"])


# --- what a library reads of a module it imported -------------------------------------------


@pytest.mark.xfail(strict=True, reason=BEFORE_IT_RAN)
def test_a_library_reads_the_docstring_of_a_module_it_imported(kernels, tmp_path):
    # As packages do with `__doc__ = _impl.__doc__`.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "docdep.py": "'''the real docstring'''\nX = 1\n",
        "docuser.py": "import docdep\nDOC = docdep.__doc__\n",
    }, ["import docuser\ndocuser.DOC"])


@pytest.mark.xfail(strict=True, reason=BEFORE_IT_RAN)
def test_a_library_reads_vars_of_a_module_it_imported(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "constsdep.py": "A = 1\nB = 2\n",
        "constsuser.py": "import constsdep\nNAMES = sorted(k for k in vars(constsdep) if k.isupper())\n",
    }, ["import constsuser\nconstsuser.NAMES"])


@pytest.mark.xfail(strict=True, reason=BEFORE_IT_RAN)
def test_a_library_reads_the_annotations_of_a_module_it_imported(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "annodep.py": "X: int = 1\n",
        "annouser.py": "import annodep\nANNOTATIONS = dict(annodep.__annotations__)\n",
    }, ["import annouser\nannouser.ANNOTATIONS"])


SELF_REPLACING = {
    "selfrep{0}.py": "import sys\nclass Wrapper:\n    value = 'wrapper'\nsys.modules[__name__] = Wrapper()\n",
    "selfrepuser{0}.py": "import selfrep{0} as selfrep\ndef get():\n    return selfrep.value\n",
}


def self_replacing(case):
    return {name.format(case): source.format(case) for name, source in SELF_REPLACING.items()}


def test_a_library_reads_what_a_module_that_replaced_itself_in_sys_modules_put_there(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, self_replacing("a"), [
        "import selfrepusera\nselfrepusera.get()",
        "selfrepusera.get()",
    ])


@pytest.mark.xfail(strict=True, reason=REPLACED_ITSELF)
def test_a_module_that_replaced_itself_in_sys_modules_is_what_the_library_holds(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, self_replacing("b"), [
        "import selfrepuserb, sys\nselfrepuserb.selfrep is sys.modules['selfrepb']",
    ])


@pytest.mark.xfail(strict=True, reason=BEFORE_IT_RAN)
def test_reload_of_a_module_a_library_imported(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "reloaddep.py": "X = 1\n",
        "reloaduser.py": "import reloaddep\ndef get():\n    return reloaddep.X\n",
    }, ["import importlib, reloaduser\nimportlib.reload(reloaduser.reloaddep).__name__"])


def test_a_library_imports_a_submodule_of_a_loaded_package_that_has_an_attribute_of_its_name(kernels, tmp_path):
    # `import a.b` always binds the submodule as a.b, over whatever a had under that name.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "attrpkg/__init__.py": "b = 1\n",
        "attrpkg/b.py": "X = 'sub'\n",
        "attruser.py": "import attrpkg.b\ndef get():\n    return attrpkg.b.X\n",
    }, ["import importlib\nimportlib.import_module('attrpkg')\nimport attruser\nattruser.get()"])


@pytest.mark.xfail(strict=True, reason=CYCLE_COMPLETES)
def test_a_circular_import_between_two_libraries_fails_as_it_does_eagerly(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "circa.py": "VALUE = 1\nimport circb\nLATER = 2\ndef get():\n    return circb.GOT\n",
        "circb.py": "from circa import VALUE, LATER\nGOT = VALUE + LATER\n",
    }, ["try:\n    import circa\nexcept ImportError as error:\n    print(type(error).__name__)\nelse:\n    print(circa.get())"])


def test_a_package_that_renames_itself_runs_its_own_submodule_at_its_import_line(kernels, tmp_path):
    # Under another __name__ its own absolute imports look like another package's.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "renamedself/__init__.py": (
            "__name__ = 'alias'\nSTAGE = 'early'\nimport renamedself.sub\nSTAGE = 'late'\n"
            "def get():\n    return renamedself.sub.SEEN\n"),
        "renamedself/sub.py": "from renamedself import STAGE\nSEEN = STAGE\n",
    }, ["import renamedself\nrenamedself.get()"])


@pytest.mark.xfail(strict=True, reason=ENVIRONMENT)
def test_a_module_reads_an_environment_variable_its_importer_sets_only_around_the_import(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "envdep.py": "import os\nMODE = os.environ.get('ENVDEP_MODE', 'default')\n",
        "envuser.py": (
            "import os\nos.environ['ENVDEP_MODE'] = 'fast'\nimport envdep\ndel os.environ['ENVDEP_MODE']\n"
            "def get():\n    return envdep.MODE\n"),
    }, ["import envuser\nenvuser.get()"])


@pytest.mark.xfail(strict=True, reason=REGISTERS_AT_FIRST_READ)
def test_a_codec_registered_by_a_module_a_library_imports_and_reads(kernels, tmp_path):
    # Unlike a module kept only for its side effects, this one is also read by the library.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "codecdep.py": (
            "import codecs\n"
            "def find(name):\n    return codecs.lookup('rot13') if name == 'adversary8_rot' else None\n"
            "codecs.register(find)\n"),
        "codeclib.py": "import codecdep\ndef finder():\n    return codecdep.find\nREADY = True\n",
    }, ["import codeclib, codecs\ncodeclib.READY, codecs.encode('abc', 'adversary8_rot')"])


def test_a_module_whose_import_puts_a_folder_on_sys_path_for_the_librarys_next_import(kernels, tmp_path):
    # As packages that make their vendored copies importable when they are imported.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "vendoring.py": "import os, sys\nsys.path.append(os.path.join(os.path.dirname(__file__), 'vendor'))\n"
                        "VERSION = 1\n",
        "vendor/vendoredmod.py": "V = 'vendored'\n",
        "vendoringuser.py": "import vendoring\nimport vendoredmod\n"
                            "def get():\n    return vendoring.VERSION, vendoredmod.V\n",
    }, ["import vendoringuser\nvendoringuser.get()"])


@pytest.mark.xfail(strict=True, reason=BEFORE_IT_RAN)
def test_a_library_asks_sys_modules_whether_another_library_imported_a_module(kernels, tmp_path):
    # As libraries do to support a package only when the notebook already uses it.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "seendep.py": "V = 1\n",
        "seeinglib.py": "import seendep\ndef get():\n    return seendep.V\nREADY = True\n",
        "askinglib.py": "import sys\nSUPPORTS_SEENDEP = 'seendep' in sys.modules\n",
    }, ["import seeinglib, askinglib\nseeinglib.READY, askinglib.SUPPORTS_SEENDEP"])


# --- statements the early decision sends to Python's import ---------------------------------


def test_relative_import_under_a_foreign_package_whose_init_binds_a_function_over_the_submodule(kernels, tmp_path):
    # __package__ names another top-level package: a relative import resolves there.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "relforeign.py": (
            "__package__ = 'relother'\nfrom . import sub\n"
            "def get():\n    return sub() if callable(sub) else sub.V\n"),
        "relother/__init__.py": "def sub():\n    return 'function'\n",
        "relother/sub.py": "V = 'submodule'\n",
    }, ["import relforeign\nrelforeign.get()"])


def test_relative_import_under_a_foreign_package_in_a_module_that_lists_lazy_modules(kernels, tmp_path):
    # The same statement as above; the module also lists other modules in __lazy_modules__.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "optforeign.py": (
            "__lazy_modules__ = ['json']\n__package__ = 'optother'\nfrom . import sub\n"
            "def get():\n    return sub() if callable(sub) else sub.V\n"),
        "optother/__init__.py": "def sub():\n    return 'function'\n",
        "optother/sub.py": "V = 'submodule'\n",
    }, ["import optforeign\noptforeign.get()"])


def test_from_import_of_a_loaded_module_whose_type_hides_a_name_its_dict_holds(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "hidepkg/__init__.py": (
            "import sys, types\n"
            "class Hiding(types.ModuleType):\n"
            "    def __getattribute__(self, name):\n"
            "        if name == 'sub':\n            raise AttributeError(name)\n"
            "        return super().__getattribute__(name)\n"
            "sub = 'hidden'\nsys.modules[__name__].__class__ = Hiding\n"),
        "hidepkg/sub.py": "X = 'sub'\n",
        "hideuser.py": "from hidepkg import sub\ndef get():\n    return sub.X\n",
    }, ["import importlib\nimportlib.import_module('hidepkg')\nimport hideuser\nhideuser.get()"])


def test_from_import_of_a_loaded_package_whose_init_binds_a_function_over_its_submodule(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "loadedshadow/__init__.py": "from .helper import helper\n",
        "loadedshadow/helper.py": "def helper():\n    return 'function'\n",
        "loadedshadowuser.py": "from loadedshadow import helper\ndef get():\n    return helper()\n",
    }, ["import importlib\nimportlib.import_module('loadedshadow')\nimport loadedshadowuser\nloadedshadowuser.get()"])


def test_from_import_of_a_loaded_package_whose_pep562_getattr_answers_though_a_submodule_has_it(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "loadedgetattr/__init__.py": (
            "def __getattr__(name):\n    if name == 'thing':\n        return 'from __getattr__'\n"
            "    raise AttributeError(name)\n"),
        "loadedgetattr/thing.py": "VALUE = 'submodule'\n",
        "loadedgetattruser.py": (
            "from loadedgetattr import thing\n"
            "def get():\n    return thing if isinstance(thing, str) else thing.VALUE\n"),
    }, ["import importlib\nimportlib.import_module('loadedgetattr')\nimport loadedgetattruser\nloadedgetattruser.get()"])


def test_from_import_of_an_attribute_and_a_submodule_not_imported_of_a_loaded_package(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "mixpkg/__init__.py": "ATTRIBUTE = 'attribute'\n",
        "mixpkg/later.py": "V = 'later'\n",
        "mixuser.py": "from mixpkg import later, ATTRIBUTE\ndef get():\n    return later.V, ATTRIBUTE\n",
        "mixuser2.py": "from mixpkg import ATTRIBUTE, later\ndef get():\n    return later.V, ATTRIBUTE\n",
    }, [
        "import importlib\nimportlib.import_module('mixpkg')\nimport mixuser\nmixuser.get()",
        "import mixuser2\nmixuser2.get(), mixuser.later is mixuser2.later",
    ])


def test_none_in_sys_modules_stops_a_librarys_from_import_and_dotted_import(kernels, tmp_path):
    cell = ("try:\n    import {0}\nexcept ImportError as error:\n    print(type(error).__name__)\n"
            "else:\n    print({0}.get())")
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "nonepkg/__init__.py": "",
        "nonepkg/sub.py": "X = 1\n",
        "noneuser_from.py": "from nonepkg import sub\ndef get():\n    return sub.X\n",
        "noneuser_dotted.py": "import nonepkg.sub\ndef get():\n    return nonepkg.sub.X\n",
        "noneuser_plain.py": "import nonepkg\ndef get():\n    return nonepkg\n",
    }, [
        "import sys\nsys.modules['nonepkg'] = None",
        cell.format("noneuser_from"),
        cell.format("noneuser_dotted"),
        cell.format("noneuser_plain"),
        "del sys.modules['nonepkg']",
    ])


def test_an_object_that_is_not_a_module_in_sys_modules(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "fakeuser.py": "from fakemod import x\nimport fakemod\ndef get():\n    return x, fakemod.x\n",
    }, [
        "import sys, types\nsys.modules['fakemod'] = types.SimpleNamespace(x='fake')\nimport fakeuser\nfakeuser.get()",
        "del sys.modules['fakemod']",
    ])


def test_a_lazyloader_module_in_sys_modules(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "lzpkg/__init__.py": "print('lzpkg ran')\nfrom . import part\n",
        "lzpkg/part.py": "V = 'part'\n",
        "lzpkg/other.py": "V = 'other'\n",
        "lzuser.py": "from lzpkg import part, other\ndef get():\n    return part.V, other.V\n",
    }, [
        "import importlib.util, sys\nspec = importlib.util.find_spec('lzpkg')\n"
        "spec.loader = importlib.util.LazyLoader(spec.loader)\nm = importlib.util.module_from_spec(spec)\n"
        "sys.modules['lzpkg'] = m\nspec.loader.exec_module(m)\nimport lzuser\nlzuser.get()",
    ])


NAME_CHANGES = {
    "int": "__name__ = 42",
    "deleted": "del __name__",
    "imported_package": "__name__ = 'renameddep_imported_package'",
    "main": "__name__ = '__main__'",
    "no_spec_or_package": "__spec__ = None\n__package__ = None",
}


@pytest.mark.parametrize("case", NAME_CHANGES)
def test_a_library_whose_name_was_changed_while_it_runs(kernels, tmp_path, case):
    first_line = NAME_CHANGES[case]
    dep, package = f"renameddep_{case}", f"renamedpkg_{case}"
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        f"renamer_{case}.py": f"{first_line}\nimport {dep}\nimport {package}.sub\nfrom {package} import other\n"
                              f"def get():\n    return {dep}.V, {package}.sub.V, other.V\n",
        f"{dep}.py": "V = 'dep'\n",
        f"{package}/__init__.py": "",
        f"{package}/sub.py": "V = 'sub'\n",
        f"{package}/other.py": "V = 'other'\n",
    }, [f"import renamer_{case}\nrenamer_{case}.get()"])


def test_a_module_a_library_put_in_sys_modules_under_another_name_before_it_ran(kernels, tmp_path):
    # As six.moves and vendoring shims alias modules: the alias is the library's module
    # object, which in all mode has not run yet.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "aliaseddep.py": "V = 'aliaseddep'\n",
        "aliasinglib.py": "import sys\nimport aliaseddep\nsys.modules['aliasname'] = aliaseddep\n"
                          "def get():\n    return aliaseddep.V\n",
        "aliasuser.py": "from aliasname import V\nimport aliasname\nimport sys\n"
                        "def get():\n    return V, aliasname.V, aliasname is sys.modules['aliasname']\n",
        "aliasmissing.py": "from aliasname import MISSING\n",
    }, [
        "import importlib\naliasinglib = importlib.import_module('aliasinglib')",
        "import aliasuser\naliasuser.get()",
        "try:\n    import aliasmissing\nexcept ImportError as error:\n    print(error)",
        "import sys\naliasinglib.get(), aliasinglib.aliaseddep is sys.modules['aliaseddep']",
        "del sys.modules['aliasname']",
    ])


def test_from_import_of_submodules_in_two_portions_of_a_namespace_package(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "nsuser.py": "from nsportions import a, b\nimport nsportions.b\n"
                     "def get():\n    return a.V, b.V, nsportions.b.V, len(nsportions.__path__)\n",
        "nsportions/a.py": "V = 'a'\n",
        "second/nsportions/b.py": "V = 'b'\n",
    }, [
        f"import sys\nsys.path.append({str(tmp_path / 'second')!r})",
        "import nsuser\nnsuser.get()",
        f"sys.path.remove({str(tmp_path / 'second')!r})",
    ])


def test_packages_whose_names_are_prefixes_of_each_other(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "pre/__init__.py": "import prefixlib.data\nNAME = 'pre'\ndef get():\n    return prefixlib.data.NAME\n",
        "prefixlib/__init__.py": "import pre\ndef get():\n    return pre.NAME\n",
        "prefixlib/data.py": "NAME = 'prefixlib.data'\n",
    }, ["import prefixlib\nprefixlib.get()", "import pre\npre.get()"])


def test_non_ascii_module_names(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "naïve.py": "import données\nfrom paquet_été import sous_module\n"
                    "def get():\n    return données.V, sous_module.V\n",
        "données.py": "V = 'données'\n",
        "paquet_été/__init__.py": "",
        "paquet_été/sous_module.py": "V = 'sous-module'\n",
    }, ["import naïve\nnaïve.get()"])


def test_relative_import_listed_in_lazy_modules(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "lmpkg/__init__.py": "__lazy_modules__ = ['lmpkg.sub']\nfrom . import sub\ndef get():\n    return sub.V\n",
        "lmpkg/sub.py": "V = 'lm'\n",
    }, ["import lmpkg\nlmpkg.get()"])


# Reading the module's code takes a while the first time (a cold disk, a network share): the
# second thread reaches the same import meanwhile.
SLOW_FIRST_READ_FINDER = """
import importlib.machinery, importlib.util, os, time

class SlowFirstRead(importlib.machinery.SourceFileLoader):
    reads = 0
    def get_code(self, name):
        SlowFirstRead.reads += 1
        if SlowFirstRead.reads == 1:
            time.sleep(0.3)
        return super().get_code(name)

class Finder:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name != 'threaddep':
            return None
        location = os.path.join(os.path.dirname(__file__), 'elsewhere', 'threaddep.py')
        return importlib.util.spec_from_file_location(name, location, loader=SlowFirstRead(name, location))
"""


def test_two_threads_import_libraries_that_import_one_module(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "slowfinder.py": SLOW_FIRST_READ_FINDER,
        "elsewhere/threaddep.py": "V = 1\n",
        "threaduser0.py": "import threaddep\ndef get():\n    return threaddep.V\n",
        "threaduser1.py": "import threaddep\ndef get():\n    return threaddep.V\n",
    }, [
        "import importlib, sys, threading\nsys.meta_path.append(importlib.import_module('slowfinder').Finder)",
        "threads = [threading.Thread(target=__import__, args=(f'threaduser{i}',)) for i in range(2)]\n"
        "for thread in threads:\n    thread.start()\nfor thread in threads:\n    thread.join()",
        "import threaduser0, threaduser1\nthreaduser0.get(), threaduser1.get()",
        "threaduser0.threaddep is sys.modules['threaddep'], threaduser1.threaddep is sys.modules['threaddep']",
        "sys.meta_path.remove(sys.modules['slowfinder'].Finder)",
    ])


def test_reload_of_a_library_whose_import_waits(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "reloaddep2.py": "X = 1\n",
        "reloaduser2.py": "import reloaddep2\ndef get():\n    return reloaddep2.X\n",
    }, ["import importlib, sys, reloaduser2\nimportlib.reload(reloaduser2)\n"
        "reloaduser2.get(), reloaduser2.reloaddep2 is sys.modules['reloaddep2']"])


def test_module_code_run_by_exec_with_globals_of_its_own(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "execdep.py": "V = 'exec'\n",
        "execpkg/__init__.py": "",
        "execpkg/sub.py": "V = 'sub'\n",
    }, [
        "import sys\nnamespace = {'__name__': 'execmod'}\n"
        "exec('import execdep\\nfrom execpkg import sub\\ndef get():\\n    return execdep.V, sub.V', namespace)\n"
        "namespace['get'](), namespace['execdep'] is sys.modules['execdep']",
        "exec('import execdep\\nV = execdep.V', {})\n'ok'",
    ])


@pytest.mark.parametrize("level", ["2**32", "2**70"])
def test_an_import_level_too_large_for_a_c_int_fails_as_in_python(kernels, level):
    # Module code calling __import__ with its own globals as locals, as IMPORT_NAME does.
    cell = (f"try:\n    exec(\"__import__('json', globals(), globals(), None, {level})\", {{'__name__': 'caller'}})\n"
            "except Exception as error:\n    print(type(error).__name__)\nelse:\n    print('imported')\n")
    python = subprocess.run([sys.executable, "-c", cell], capture_output=True, text=True, check=True).stdout
    for mode, kernel in kernels.items():
        assert kernel.execute(cell).stdout == python, mode


def test_both_kernels_answer_and_keep_the_notebooks_variables_after_every_case(kernels):
    for kernel in kernels.values():
        assert kernel.value("notebook_variable") == "'kept'"
