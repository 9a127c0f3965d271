"""Where an imported name is used: functions of the same or an earlier cell (plain, wrapped,
cached), except clauses, match/case, class bodies and bases, comprehensions, lambdas,
generators, threads, asyncio, exec/eval strings, and code run by %%capture / %time.

Code that checks types (except, match, isinstance, class bases, dtype=...) must never see a
stand-in for the real object.
"""
from . import case

STATS = "import statistics\nfrom statistics import StatisticsError, NormalDist"

CASES = [
    case(
        "except_clause_in_function_defined_in_same_cell",
        STATS,
        """
        def f():
            try:
                statistics.mean([])
            except StatisticsError:
                return "caught"
        f()
        """,
    ),
    case(
        "except_clause_in_function_defined_in_an_earlier_cell",
        STATS,
        "def f():\n    try:\n        statistics.mean([])\n    except StatisticsError as e:\n        return f'caught: {e}'",
        "f()",
    ),
    case("except_clause_at_top_level", STATS, "try:\n    statistics.mean([])\nexcept StatisticsError:\n    print('caught')"),
    case(
        "except_clause_with_a_tuple_of_imported_exceptions",
        "from statistics import StatisticsError\nfrom graphlib import CycleError",
        "def g(kind):\n    try:\n        raise CycleError('loop') if kind else ValueError('v')\n    except (StatisticsError, CycleError) as e:\n        return type(e).__name__\n    except ValueError:\n        return 'value'\ng(1), g(0)",
    ),
    case(
        "except_clause_in_a_function_only_reached_through_another_function",
        STATS,
        "def inner():\n    try:\n        return statistics.mean([])\n    except StatisticsError:\n        return 'inner caught'\ndef outer():\n    return inner()",
        "outer()",
    ),
    case(
        "except_clause_in_a_method",
        STATS,
        "class Safe:\n    def mean(self, xs):\n        try:\n            return statistics.mean(xs)\n        except StatisticsError:\n            return None\nSafe().mean([]), Safe().mean([2, 4])",
    ),
    case("with_suppress_of_an_imported_exception", STATS, "import contextlib\nwith contextlib.suppress(StatisticsError):\n    statistics.mean([])\nprint('suppressed')"),
    case("raise_an_imported_exception_class", STATS, "raise StatisticsError('raised by the notebook')", errors={2: "StatisticsError"}),
    case(
        "match_case_against_a_from_imported_class",
        STATS,
        "def describe(x):\n    match x:\n        case NormalDist():\n            return 'normal'\n        case _:\n            return 'other'\ndescribe(statistics.NormalDist(0, 1)), describe(3)",
    ),
    case(
        "match_case_class_pattern_at_top_level",
        "from fractions import Fraction\nfrom graphlib import TopologicalSorter",
        "match TopologicalSorter():\n    case TopologicalSorter():\n        print('sorter')",
    ),
    case(
        "match_case_with_dotted_value_pattern",
        "import csv",
        "def q(v):\n    match v:\n        case csv.QUOTE_ALL:\n            return 'all'\n        case csv.QUOTE_NONE:\n            return 'none'\n    return 'other'\nq(1), q(3), q(9)",
    ),
    case("isinstance_with_a_from_imported_class_in_a_function", STATS, "def is_normal(x):\n    return isinstance(x, NormalDist)\nis_normal(statistics.NormalDist()), is_normal(1)"),
    case(
        "lru_cache_wrapped_function_across_cells",
        STATS,
        "import functools\n@functools.lru_cache(maxsize=None)\ndef safe_mean(xs):\n    try:\n        return statistics.mean(xs)\n    except StatisticsError:\n        return 'empty'",
        "safe_mean(()), safe_mean((1, 3))",
    ),
    case(
        "functools_wraps_decorator_written_in_the_notebook",
        STATS,
        "import functools\ndef logged(fn):\n    @functools.wraps(fn)\n    def wrapper(*args):\n        print('calling', fn.__name__)\n        return fn(*args)\n    return wrapper\n@logged\ndef safe_mean(xs):\n    try:\n        return statistics.mean(xs)\n    except StatisticsError:\n        return 'empty'",
        "safe_mean([])",
    ),
    case(
        "decorator_without_wraps_hides_the_body",
        STATS,
        "def twice(fn):\n    def run(*a):\n        fn(*a)\n        return fn(*a)\n    return run\n@twice\ndef m(xs):\n    try:\n        return statistics.mean(xs)\n    except StatisticsError:\n        return 'none'",
        "m([])",
    ),
    case("functools_partial_of_an_imported_function", "from statistics import quantiles", "import functools\nquartiles = functools.partial(quantiles, n=4)", "quartiles([1, 2, 3, 4, 5, 6, 7, 8])"),
    case("default_argument_evaluated_at_def_time", "import csv", "def quoting(q=csv.QUOTE_ALL):\n    return q\nquoting()"),
    case("annotation_evaluated_at_def_time", "import csv", "def read(d: csv.Dialect) -> csv.Dialect:\n    return d\nread.__annotations__['d'].__name__"),
    case("closure_over_an_imported_module", "import cmath", "def make():\n    def inner():\n        return cmath.sqrt(-9)\n    return inner\nfn = make()", "fn()"),
    case("lambda_defined_in_an_earlier_cell", "import cmath", "root = lambda x: cmath.sqrt(x)", "root(-16)"),
    case("list_comprehension_using_a_from_import", "from statistics import mean", "[mean([i, i + 2]) for i in range(3)]"),
    case("generator_created_then_consumed_later", "import cmath", "gen = (cmath.sqrt(i) for i in (1, 4, 9))", "list(gen)"),
    case("map_and_sorted_with_imported_key", "from statistics import mean", "sorted([[3, 4], [1, 2], [9]], key=mean)"),
    case("class_inheriting_from_a_from_imported_class", STATS, "class Normal2(NormalDist):\n    pass\nisinstance(Normal2(), NormalDist), Normal2.__mro__[1].__name__"),
    case("class_inheriting_from_an_imported_exception", STATS, "class MyError(StatisticsError):\n    pass\ntry:\n    raise MyError('x')\nexcept StatisticsError as e:\n    print(type(e).__name__)"),
    case("class_body_reading_an_imported_name", "import cmath", "class Consts:\n    TAU = cmath.tau\nConsts.TAU"),
    case("method_of_an_earlier_class_using_the_module", "import cmath", "class Circle:\n    def __init__(self, r):\n        self.r = r\n    def area(self):\n        return cmath.pi * self.r ** 2", "round(Circle(2).area(), 3)"),
    case("dataclass_field_default_from_the_module", "import csv", "import dataclasses\n@dataclasses.dataclass\nclass Opts:\n    quoting: int = csv.QUOTE_MINIMAL", "Opts()"),
    case("thread_uses_the_module", "import cmath", "import threading\nout = []\nt = threading.Thread(target=lambda: out.append(cmath.sqrt(-1)))\nt.start(); t.join()\nout"),
    case("thread_pool_maps_a_from_imported_function", "from statistics import mean", "from concurrent.futures import ThreadPoolExecutor\nwith ThreadPoolExecutor(2) as pool:\n    print(list(pool.map(mean, [[1, 2], [3, 5]])))"),
    case("top_level_await_with_the_module", "import cmath", "import asyncio\nasync def root(x):\n    await asyncio.sleep(0)\n    return cmath.sqrt(x)\nawait root(-1)"),
    case("async_function_from_an_earlier_cell", STATS, "import asyncio\nasync def safe(xs):\n    await asyncio.sleep(0)\n    try:\n        return statistics.mean(xs)\n    except StatisticsError:\n        return 'empty'", "await safe([])"),
    case("exec_string_using_the_module", "import cmath", "exec('print(cmath.sqrt(-4))')"),
    case("exec_with_own_globals_importing", "ns = {}\nexec('import csv', ns)\nns['csv'].QUOTE_ALL"),
    case("capture_cell_magic_hides_then_keeps_output", "import cmath", "%%capture captured\nprint(cmath.sqrt(-1))", "captured.stdout"),
    case("time_line_magic_on_an_expression_using_the_module", "from statistics import mean", "%time mean([1, 2, 3])"),
    case("time_cell_magic_using_the_module", "import cmath", "%%time\nprint(cmath.sqrt(-25))"),
    case("timeit_line_magic_with_a_function_of_an_earlier_cell", STATS, "def f():\n    try:\n        statistics.mean([])\n    except StatisticsError:\n        pass", "%timeit -n1 -r1 f()"),
    case("nested_function_reached_only_through_a_returned_callable", STATS, "def factory():\n    def check(v):\n        return isinstance(v, NormalDist)\n    return check\nchecker = factory()", "checker(statistics.NormalDist())"),
    case("callback_stored_in_a_dict", STATS, "handlers = {'normal': lambda v: isinstance(v, NormalDist)}", "handlers['normal'](statistics.NormalDist())"),
    case("instance_with_a_method_that_catches", STATS, "class Guard:\n    def __call__(self, xs):\n        try:\n            return statistics.mean(xs)\n        except StatisticsError:\n            return 'guarded'\nguard = Guard()", "guard([])"),
]
