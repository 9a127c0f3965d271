"""Every way a notebook writes an import, then uses what it bound.

Modules are ones neither kernel has imported at start-up (csv, statistics, graphlib, cmath,
tomllib, zoneinfo, xml.etree, email.mime, wave, sched, secrets) or local files of the case,
so that xlazy really defers them.
"""
from . import case

PKG = {
    "pkg/__init__.py": """
        NAME = "pkg"
        RUNS = globals().get("RUNS", 0) + 1
    """,
    "pkg/sub.py": """
        from . import helper
        def f():
            return "sub.f via " + helper.NAME
    """,
    "pkg/helper.py": """
        NAME = "helper"
    """,
}

CASES = [
    case("plain_import_used_in_next_cell", "import csv", "csv.QUOTE_ALL"),
    case("plain_import_used_in_same_cell", "import csv\ncsv.QUOTE_NONNUMERIC"),
    case("import_with_alias", "import statistics as st", "st.mean([1, 2, 3, 4])"),
    case("dotted_import_binds_the_top_package", "import xml.etree.ElementTree", "xml.etree.ElementTree.fromstring('<a><b/></a>')[0].tag"),
    case(
        "dotted_import_then_import_of_the_parent_package",
        "import xml.etree.ElementTree",
        "import xml",
        "xml.etree.ElementTree.fromstring('<a/>').tag",
    ),
    case(
        "dotted_import_with_alias_then_import_of_the_parent_package",
        "import email.mime.text as t",
        "import email",
        "email.mime.text.MIMEText('hi').get_content_type()",
        "t is email.mime.text",
    ),
    case("dotted_import_with_alias", "import xml.etree.ElementTree as ET", "ET.tostring(ET.Element('x'))"),
    case("from_import_of_a_function", "from statistics import median", "median([5, 1, 3])"),
    case("from_import_of_a_submodule", "from xml.etree import ElementTree", "ElementTree.fromstring('<r x=\"1\"/>').attrib"),
    case("from_import_of_several_names", "from statistics import mean, median, mode", "mean([1, 2]), median([1, 2, 3]), mode([1, 1, 2])"),
    case(
        "parenthesised_multiline_from_import",
        """
        from statistics import (
            mean,
            pstdev as sd,   # population
            variance,
        )
        """,
        "mean([2, 4]), sd([2, 4]), variance([2, 4, 6])",
    ),
    case("several_modules_in_one_statement", "import csv, graphlib, cmath", "csv.QUOTE_MINIMAL, graphlib.TopologicalSorter, cmath.sqrt(-1)"),
    case("import_and_statement_on_one_line", "import cmath; z = 3 + 4j", "print(abs(z), cmath.polar(z))"),
    case("star_import_binds_every_public_name", "from statistics import *", "mean([1, 2]), median_low([1, 2]), 'StatisticsError' in dir()"),
    case(
        "future_import_changes_how_the_cell_compiles",
        "from __future__ import annotations",
        "def f(x: NotDefinedAnywhere) -> int:\n    return 1\nf.__annotations__",
    ),
    case(
        "future_import_with_a_deferrable_import_in_the_same_cell",
        "from __future__ import annotations\nimport csv\ndef g(x: csv.Dialect) -> None: ...\ng.__annotations__",
        "csv.QUOTE_ALL",
    ),
    case("import_inside_if_at_top_level", "if True:\n    import csv\nelse:\n    import cmath", "csv.QUOTE_ALL", "cmath", errors={3: "NameError"}),
    case("import_in_false_branch_binds_nothing", "if False:\n    import csv", "csv", errors={2: "NameError"}),
    case(
        "import_inside_try_with_importerror_fallback",
        "try:\n    import no_such_fast_csv as fastcsv\nexcept ImportError:\n    import csv as fastcsv",
        "fastcsv.__name__",
    ),
    case("import_inside_with_block", "import contextlib\nwith contextlib.suppress(Exception):\n    import graphlib", "graphlib.CycleError.__mro__[1].__name__"),
    case("import_inside_function_bound_by_global", "def load():\n    global csv\n    import csv\nload()", "csv.__name__"),
    case("import_inside_function_stays_local", "def load():\n    import csv\n    return csv.QUOTE_ALL\nload()", "csv", errors={2: "NameError"}),
    case("import_inside_class_body", "class Holder:\n    import statistics\n    avg = statistics.mean([1, 3])", "Holder.avg, Holder.statistics.__name__"),
    case("importlib_import_module_call", "import importlib\ng = importlib.import_module('graphlib')", "g.__name__"),
    case("dunder_import_of_dotted_name_returns_the_top_package", "e = __import__('email.mime.text')", "e.__name__, e.mime.text.__name__"),
    case("same_module_imported_under_two_names", "import csv\nimport csv as c2", "csv is c2"),
    case("from_import_then_module_import_of_the_same_module", "from statistics import mean", "import statistics", "statistics.mean is mean"),
    case("module_import_then_from_import_of_the_same_module", "import statistics", "from statistics import mean", "statistics.mean is mean"),
    case("alias_that_shadows_a_builtin", "import statistics as max", "max.mean([1, 5])", "del max\nmax([1, 5])"),
    case("function_named_lazy_is_callable", "def lazy(x):\n    return x * 2", "lazy (21)"),
    case("pep810_lazy_import_statement", "lazy import csv", "csv.QUOTE_ALL"),
    case("pep810_lazy_from_import_statement", "lazy from statistics import median", "median([1, 2, 3])"),
    case("local_module_import", "import projmod", "projmod.VALUE", files={"projmod.py": "VALUE = 42\n"}),
    case("local_package_import_runs_init_once", "import pkg", "pkg.NAME", "import pkg\npkg.NAME, pkg.RUNS", files=PKG),
    case("local_package_dotted_submodule_import", "import pkg.sub", "pkg.sub.f()", files=PKG),
    case("from_local_package_import_submodule", "from pkg import sub", "sub.f()", files=PKG),
    case("from_local_submodule_import_function", "from pkg.sub import f", "f()", files=PKG),
    case("relative_import_at_top_level_fails", "from . import sibling", errors={1: "ImportError"}),
    case("import_followed_by_del_in_the_same_cell", "import csv\ndel csv", "csv", errors={2: "NameError"}),
]
