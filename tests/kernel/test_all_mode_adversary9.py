"""Adversarial cases for four of `all` mode's rules: a from-import from a package that has not
run yet (or is still running) runs now; two threads making one pending module get one object;
a module's own imports are told by its `__name__`, `__package__` or spec's name; an import
statement outside `try` that fails with ModuleNotFoundError first runs what libraries deferred
and looks once more. See all_against_off for how a case runs."""
import pytest

from all_against_off import CYCLE_COMPLETES, FOUND_BY_CALLS, assert_same_in_all_and_off_mode, kernels


def reported(statement):
    """A cell that runs `statement` and prints the error it raises, if any."""
    body = "\n".join("    " + line for line in statement.splitlines())
    return f"try:\n{body}\nexcept Exception as error:\n    print(type(error).__name__, error)"


# A module that puts its `vendor` folder on sys.path as it runs, as vendoring packages do.
def vendoring(name, vendored):
    return {
        f"{name}.py": "import os, sys\nsys.path.append(os.path.join(os.path.dirname(__file__), 'vendor'))\n"
                      "VERSION = 1\n",
        f"vendor/{vendored}.py": "V = 'vendored'\n",
    }


# --- a library's import that fails with ModuleNotFoundError -----------------------------------


def test_an_optional_module_that_prints_then_fails_to_find_its_own_import_runs_once(kernels, tmp_path):
    # `try: import accel except ImportError` where accel is found but its own import is not:
    # its top level runs, prints, and fails once in an eager import.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "oncedep.py": "V = 'dep'\n",
        "onceaccel.py": "print('onceaccel starts')\nimport oncemissing_nowhere\n",
        "oncelib.py": "import oncedep\ntry:\n    import onceaccel\nexcept ImportError:\n    onceaccel = None\n"
                      "def get():\n    return oncedep.V, onceaccel\n",
    }, ["import oncelib\noncelib.get()"])


def test_an_optional_module_that_registers_then_fails_to_find_its_own_import_registers_once(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "regdep.py": "V = 'dep'\n",
        "regregistry.py": "ENTRIES = []\n",
        "regaccel.py": "import regregistry\nregregistry.ENTRIES.append('accel')\nimport regmissing_nowhere\n",
        "reglib.py": "import regdep\ntry:\n    import regaccel\nexcept ImportError:\n    pass\n"
                     "def get():\n    return regdep.V\n",
    }, ["import reglib, regregistry\nreglib.get(), regregistry.ENTRIES"])


def test_a_second_library_needs_the_folder_a_module_the_first_library_deferred_puts_on_sys_path(kernels, tmp_path):
    # Both import the vendoring module; the first library's import of it waits, and the
    # second one's binds the same pending module.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        **vendoring("sharedvendoring", "sharedvendored"),
        "sharedfirst.py": "import sharedvendoring\ndef get():\n    return sharedvendoring.VERSION\n",
        "sharedsecond.py": "import sharedvendoring\nimport sharedvendored\n"
                           "def get():\n    return sharedvendoring.VERSION, sharedvendored.V\n",
    }, [reported("import sharedfirst, sharedsecond\nprint(sharedfirst.get(), sharedsecond.get())")])


def test_a_library_function_imports_what_a_module_it_deferred_put_on_sys_path(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        **vendoring("fnvendoring", "fnvendored"),
        "fnlib.py": "import fnvendoring\ndef load():\n    import fnvendored\n    return fnvendoring.VERSION, fnvendored.V\n",
    }, ["import fnlib", reported("print(fnlib.load())")])


def test_a_library_class_body_imports_what_a_module_it_deferred_put_on_sys_path(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        **vendoring("clsvendoring", "clsvendored"),
        "clslib.py": "import clsvendoring\nclass Holder:\n    import clsvendored\n"
                     "def get():\n    return clsvendoring.VERSION, Holder.clsvendored.V\n",
    }, [reported("import clslib\nprint(clslib.get())")])


def test_a_library_imports_what_a_module_its_dependency_deferred_puts_on_sys_path(kernels, tmp_path):
    # The vendoring module is deferred by the library's dependency, not by the library.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        **vendoring("depvendoring", "depvendored"),
        "depmiddle.py": "import depvendoring\ndef get():\n    return depvendoring.VERSION\n",
        "deptop.py": "import depmiddle\nimport depvendored\ndef get():\n    return depmiddle.get(), depvendored.V\n",
    }, [reported("import deptop\nprint(deptop.get())")])


def test_a_library_whose_missing_import_stays_missing_after_its_deferred_modules_ran(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "printingdep.py": "print('printingdep runs')\nV = 1\n",
        "printinglib.py": "import printingdep\nimport printingmissing_nowhere\n"
                          "def get():\n    return printingdep.V\n",
    }, [reported("import printinglib\nprint(printinglib.get())"),
        reported("import printinglib\nprint(printinglib.get())")])


FINDS_VENDORED = {
    "import_module": "import importlib\nvendored = importlib.import_module('{vendored}')\nV = vendored.V",
    "dunder_import": "V = __import__('{vendored}').V",
    "find_spec": "import importlib.util\nV = importlib.util.find_spec('{vendored}') is not None",
    "exec_in_globals": "exec('import {vendored}')\nV = {vendored}.V",
}


@pytest.mark.parametrize("case", [
    pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=FOUND_BY_CALLS)) if case != "exec_in_globals" else case
    for case in FINDS_VENDORED])
def test_a_library_finds_what_a_module_it_deferred_put_on_sys_path_without_an_import_statement(kernels, tmp_path, case):
    # As libraries load their backends and check their optional dependencies.
    name, vendored = f"codevendoring_{case}", f"codevendored_{case}"
    finds = FINDS_VENDORED[case].format(vendored=vendored)
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        **vendoring(name, vendored),
        f"codelib_{case}.py": f"import {name}\n{finds}\ndef get():\n    return {name}.VERSION, V\n",
    }, [reported(f"import codelib_{case}\nprint(codelib_{case}.get())")])


def test_a_script_run_by_runpy_imports_what_a_module_it_deferred_put_on_sys_path(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        **vendoring("runvendoring", "runvendored"),
        "runscript.py": "import runvendoring\nimport runvendored\nRESULT = (runvendoring.VERSION, runvendored.V)\n",
    }, [reported(f"import runpy\nprint(runpy.run_path({str(tmp_path / 'runscript.py')!r})['RESULT'])")])


def test_a_deferred_module_that_raises_while_the_library_retries_a_missing_import(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "raisingdep.py": "raise ValueError('raisingdep is broken')\n",
        "raisinglib.py": "import raisingdep\ntry:\n    import raisingmissing_nowhere\nexcept ImportError:\n    pass\n"
                         "def get():\n    return raisingdep.V\n",
    }, [reported("import raisinglib\nprint(raisinglib.get())"),
        reported("import raisinglib\nprint(raisinglib.get())")])


def test_a_deferred_module_that_cannot_find_its_own_import_while_the_library_retries(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "lostdep.py": "import lostdep_inner_nowhere\nV = 1\n",
        "lostlib.py": "import lostdep\ntry:\n    import lostmissing_nowhere\nexcept ImportError:\n    pass\n"
                      "def get():\n    return lostdep.V\n",
    }, [reported("import lostlib\nprint(lostlib.get())"),
        reported("import lostlib\nprint(lostlib.get())")])


def test_the_retry_of_a_missing_import_still_fails_with_the_same_error(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "stillvendoring.py": "V = 1\n",
        "stilllib.py": "import stillvendoring\nimport stillmissing_nowhere\n"
                       "def get():\n    return stillvendoring.V\n",
    }, [reported("import stilllib"), "import sys\n'stilllib' in sys.modules"])


@pytest.mark.xfail(strict=True, reason=CYCLE_COMPLETES)
def test_a_deferred_module_reads_what_its_library_binds_after_the_import_line(kernels, tmp_path):
    # Eagerly, the dependency runs at the import line, before SETTING exists.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "orderdep.py": "import orderlib\nSEEN = getattr(orderlib, 'SETTING', 'unset')\n",
        "orderlib.py": "import orderdep\nSETTING = 'set'\ntry:\n    import ordermissing_nowhere\nexcept ImportError:\n"
                       "    pass\ndef get():\n    return orderdep.SEEN\n",
    }, ["import orderlib\norderlib.get()"])


def test_an_exec_in_a_notebook_namespace_named_like_a_library_that_deferred_imports(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "execdep.py": "print('execdep runs')\nV = 1\n",
        "execlib.py": "import execdep\ndef get():\n    return execdep.V\n",
    }, ["import execlib\nexeclib.get()",
        reported("namespace = {'__name__': 'execlib'}\nexec('import execmissing_nowhere', namespace)"),
        "execlib.get()"])


# --- the importing module told by its spec's name --------------------------------------------


def test_a_library_whose_spec_counts_reads_of_its_name(kernels, tmp_path):
    # Python's own import does not read the importer's spec for an absolute import.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "countingdep.py": "V = 1\n",
        "countinglib.py": (
            "class CountingSpec:\n    reads = 0\n    parent = ''\n"
            "    @property\n    def name(self):\n        CountingSpec.reads += 1\n        return 'countinglib'\n"
            "__spec__ = CountingSpec()\nimport countingdep\nimport json\nimport os.path\n"
            "READS = CountingSpec.reads\ndef get():\n    return countingdep.V\n"),
    }, ["import countinglib\ncountinglib.READS, countinglib.get()"])


SPECS = {
    "name_raises": "class Spec:\n    parent = ''\n    @property\n    def name(self):\n        raise RuntimeError('no name')\n"
                   "__spec__ = Spec()",
    "name_not_str": "import types\n__spec__ = types.SimpleNamespace(name=42, parent='')",
    "name_str_subclass": "import types\nclass Name(str):\n    pass\n"
                         "__spec__ = types.SimpleNamespace(name=Name(__name__), parent='')",
    "spec_of_other": "import importlib.util\n__spec__ = importlib.util.find_spec('json')",
    "spec_none_renamed": "__spec__ = None\n__name__ = 'renamed_alias'",
    "name_raises_systemexit": "class Spec:\n    parent = ''\n    @property\n    def name(self):\n"
                              "        raise SystemExit('spec name')\n__spec__ = Spec()",
    "name_surrogate": "import types\n__spec__ = types.SimpleNamespace(name='spec\\udcff', parent='')",
    "getattr_raises_base": "class Spec:\n    def __getattr__(self, name):\n        raise KeyError(name)\n__spec__ = Spec()",
}


@pytest.mark.parametrize("case", SPECS)
def test_a_package_that_changes_its_spec_imports_its_own_submodule_and_another_library(kernels, tmp_path, case):
    package, dep = f"specpkg_{case}", f"specdep_{case}"
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        # Absolute imports only: Python's own import reads neither the spec nor __name__ for them.
        f"{package}/__init__.py": f"REGISTRY = []\n{SPECS[case]}\nimport {dep}\nimport {package}.sub\n"
                                  f"import {package}.other as other\nREGISTERED = list(REGISTRY)\n"
                                  f"def get():\n    return {dep}.V, {package}.sub.V, other.V\n",
        f"{package}/sub.py": f"import {package}\n{package}.REGISTRY.append('sub')\nV = 'sub'\n",
        f"{package}/other.py": f"import {package}\n{package}.REGISTRY.append('other')\nV = 'other'\n",
        f"{dep}.py": "V = 'dep'\n",
    }, [reported(f"import {package}\nprint({package}.REGISTERED, {package}.get())")])


# --- from-imports from a package --------------------------------------------------------------


def test_from_import_of_a_submodule_of_a_package_that_is_still_running_and_rebinds_it(kernels, tmp_path):
    # The package imports a library that imports back from it; then the package binds the
    # submodule's name to something else, as the import system's binding came first.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "midpkg/__init__.py": "import midlib\nsub = 'rebound by midpkg'\n",
        "midpkg/sub.py": "V = 'sub'\n",
        "midlib.py": "from midpkg import sub\ndef get():\n    return sub.V\n",
    }, ["import midpkg, midlib\nmidlib.get(), midpkg.sub"])


def test_from_import_of_a_submodule_of_a_still_running_package_that_then_imports_it_itself(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "selfpkg/__init__.py": "import selflib\nfrom . import sub\n",
        "selfpkg/sub.py": "print('selfpkg.sub runs')\nV = 'sub'\n",
        "selflib.py": "from selfpkg import sub\ndef get():\n    return sub\n",
    }, ["import selfpkg, selflib\nselflib.get() is selfpkg.sub, selfpkg.sub.V"])


def test_import_of_a_submodule_of_a_loaded_package_whose_getattr_answers_its_name(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "answerpkg/__init__.py": ("def __getattr__(name):\n    if name == 'sub':\n        return 'getattr answer'\n"
                                  "    raise AttributeError(name)\n"),
        "answerpkg/sub.py": "V = 'sub'\n",
        "answerlib.py": "import answerpkg.sub\ndef get():\n    return answerpkg.sub.V\n",
    }, ["import answerpkg\nanswerpkg.__getattr__ is not None", "import answerlib\nanswerlib.get",
        "answerpkg.sub if isinstance(answerpkg.sub, str) else answerpkg.sub.V", "answerlib.get()"])


def test_import_of_a_submodule_of_a_loaded_package_is_an_attribute_of_it_at_once(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "attrpkg/__init__.py": "",
        "attrpkg/sub.py": "V = 'sub'\n",
        "attrlib.py": "import attrpkg.sub\ndef get():\n    return attrpkg.sub.V\n",
    }, ["import attrpkg\nattrpkg.__name__", "import attrlib\nattrlib.get",
        "hasattr(attrpkg, 'sub'), 'sub' in dir(attrpkg)", "attrlib.get()"])


def test_from_import_of_a_name_a_still_running_package_has_not_bound_yet(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "halfpkg/__init__.py": "import halflib\ndef helper():\n    return 'function'\n",
        "halflib.py": "from halfpkg import helper\ndef get():\n    return helper()\n",
    }, [reported("import halfpkg, halflib\nprint(halflib.get())")])


def test_from_import_of_a_submodule_of_a_namespace_package_imported_in_a_cell(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "nsonly/part.py": "print('nsonly.part runs')\nV = 'part'\n",
        "nslib.py": "from nsonly import part\ndef get():\n    return part.V\n",
    }, ["import nsonly", "import nslib\nnslib.get()", "import sys\n'nsonly.part' in sys.modules"])


def test_from_import_of_a_submodule_of_an_excluded_package(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "exclpkg/__init__.py": "",
        "exclpkg/sub.py": "print('exclpkg.sub runs')\nV = 'sub'\n",
        "excllib.py": "from exclpkg import sub\nprint('excllib runs')\ndef get():\n    return sub.V\n",
    }, ["%lazy exclude exclpkg", "import exclpkg", "import excllib\nexcllib.get()"])


# --- threads ----------------------------------------------------------------------------------

THREADS = (
    "import threading, sys\n"
    "barrier = threading.Barrier(3)\nseen = []\n"
    "def read():\n"
    "    barrier.wait()\n"
    "    try:\n"
    "        seen.append(('ok', id({read}), {read}.V))\n"
    "    except Exception as error:\n"
    "        seen.append(('error', type(error).__name__, str(error)))\n"
    "threads = [threading.Thread(target=read) for _ in range(3)]\n"
    "for thread in threads:\n    thread.start()\n"
    "for thread in threads:\n    thread.join()\n"
)


def test_three_threads_read_a_slow_module_a_library_deferred(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "slowcount.py": "RUNS = []\n",
        "slowdep.py": "import time, slowcount\nslowcount.RUNS.append(1)\ntime.sleep(0.3)\nV = 'slow'\n",
        "slowlib.py": "import slowdep\ndef get():\n    return slowdep\n",
    }, ["import slowlib, slowcount",
        THREADS.format(read="slowlib.slowdep") +
        "len({entry[1] for entry in seen}), sorted({entry[2] for entry in seen}), len(slowcount.RUNS), "
        "slowlib.slowdep is sys.modules['slowdep']"])


def test_three_threads_import_a_slow_module_a_library_deferred(kernels, tmp_path):
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "importcount.py": "RUNS = []\n",
        "importdep.py": "import time, importcount\nimportcount.RUNS.append(1)\ntime.sleep(0.3)\nV = 'slow'\n",
        "importlib_user.py": "import importdep\ndef get():\n    return importdep\n",
    }, ["import importlib_user, importcount\nimportlib_user.READY = True",
        THREADS.replace("barrier.wait()\n", "barrier.wait()\n    import importdep\n").format(read="importdep") +
        "len({entry[1] for entry in seen}), sorted({entry[2] for entry in seen}), len(importcount.RUNS), "
        "importlib_user.importdep is sys.modules['importdep']"])


def test_three_threads_read_a_deferred_module_whose_code_raises(kernels, tmp_path):
    # Eagerly the library's import raises; in all mode the threads' first reads do: every
    # one of them must see the module's own error, not a half-made module.
    assert_same_in_all_and_off_mode(kernels, tmp_path, {
        "faildep.py": "import time\ntime.sleep(0.2)\nraise ValueError('faildep broke')\n",
        "faillib.py": "import faildep\ndef get():\n    return faildep\n",
    }, ["errors = set()\ntry:\n    import faillib\n    faillib.get\n"
        + "\n".join("    " + line for line in THREADS.format(read="faillib.faildep").splitlines())
        + "\n    errors.update(entry[1] if entry[0] == 'error' else 'read ' + repr(entry[2]) for entry in seen)\n"
        "except Exception as error:\n    errors.add(type(error).__name__)\nsorted(errors)",
        "import sys\n'faildep' in sys.modules"])


def test_the_notebook_namespace_survives_every_case(kernels):
    for kernel in kernels.values():
        assert kernel.execute("notebook_variable").text == "'kept'"
