"""The kernel as a Python process, with or without deferred imports: __main__, stdin,
notebook detection by libraries, children made by fork, output written below Python
(file descriptors, C, subprocesses), and the cell protocol (_, Out, display).
"""
from . import case

CASES = [
    # __main__ is a real module
    case("doctest_testmod_of_the_notebook", "def double(x):\n    '''\n    >>> double(2)\n    4\n    '''\n    return 2 * x", "import doctest\ndoctest.testmod()"),
    case("main_module_is_a_real_module", "import __main__, types\nisinstance(__main__, types.ModuleType), type(__main__).__name__"),
    case("main_module_namespace_is_the_notebook_namespace", "answer = 42", "import __main__\n__main__.answer, __main__.__dict__ is globals()"),
    case("dunder_names_in_the_namespace", "sorted(k for k in globals() if k.startswith('__') and k.endswith('__'))"),
    case("pickle_of_a_class_defined_in_the_notebook", "import pickle\nclass Point:\n    def __init__(self, x):\n        self.x = x\npickle.loads(pickle.dumps(Point(3))).x"),
    # stdin
    case("input_without_stdin", "input('name? ')", errors={1: "StdinNotImplementedError"}),
    case("getpass_without_stdin", "import getpass\ngetpass.getpass()", errors={1: "StdinNotImplementedError"}),
    # notebook detection
    case("ipkernelapp_in_the_ipython_config", "'IPKernelApp' in get_ipython().config"),
    case("shell_class_name_checked_by_notebook_detection_snippets", "get_ipython().__class__.__name__"),
    case("shell_has_a_kernel", "hasattr(get_ipython(), 'kernel') and get_ipython().kernel is not None"),
    case("matplotlib_backend_environment_variable", "import os\nos.environ.get('MPLBACKEND')"),
    case("stdout_is_a_text_stream", "import io, sys\nisinstance(sys.stdout, io.TextIOBase), sys.stdout.encoding.lower().replace('-', '')"),
    # children made by fork
    case(
        "multiprocessing_fork_pool_workers_print",
        "import multiprocessing as mp, sys\ndef work(i):\n    sys.stdout.write('working\\n')\n    sys.stdout.flush()\n    return i * i",
        "with mp.get_context('fork').Pool(2) as pool:\n    print(pool.map(work, range(4)))",
    ),
    case(
        "multiprocessing_fork_pool_results_only",
        "import multiprocessing as mp\nimport cmath\ndef root(i):\n    return abs(cmath.sqrt(-i))",
        "with mp.get_context('fork').Pool(2) as pool:\n    print(pool.map(root, [1, 4, 9]))",
    ),
    case(
        "multiprocessing_process_children_print",
        "import multiprocessing as mp\ndef hello(n):\n    print('hello from child', n, flush=True)",
        "for n in range(2):\n    p = mp.get_context('fork').Process(target=hello, args=(n,))\n    p.start()\n    p.join()\n    print('exit code', p.exitcode)",
    ),
    case(
        "bare_os_fork_with_os_exit_in_the_child",
        "import os\npid = os.fork()\nif pid == 0:\n    os.write(1, b'child writes\\n')\n    os._exit(0)\n_, status = os.waitpid(pid, 0)\nprint('child status', status)",
    ),
    case(
        "bare_os_fork_child_prints_through_python",
        "import os\npid = os.fork()\nif pid == 0:\n    print('child prints', flush=True)\n    os._exit(0)\n_, status = os.waitpid(pid, 0)\nprint('child status', status)",
    ),
    case(
        "process_pool_executor_with_a_notebook_function",
        "from concurrent.futures import ProcessPoolExecutor\nimport multiprocessing as mp\ndef square(x):\n    return x * x",
        "with ProcessPoolExecutor(2, mp_context=mp.get_context('fork')) as ex:\n    print(list(ex.map(square, range(5))))",
    ),
    # output written below Python
    case("subprocess_output_appears_in_the_cell", "import subprocess\nsubprocess.run(['echo', 'from a subprocess']).returncode"),
    case("os_system_output_appears_in_the_cell", "import os\nos.system('echo from os.system')"),
    case("file_descriptor_write", "import os\nos.write(1, b'raw fd write\\n')\nos.write(2, b'raw fd error\\n');"),
    case("c_level_printf", "import ctypes\nlibc = ctypes.CDLL(None)\nlibc.printf(b'from C printf\\n')\nlibc.fflush(None);"),
    # the cell protocol
    case("last_expression_is_the_result", "x = 2\nx * 21"),
    case("trailing_semicolon_hides_the_result", "1 + 1;"),
    case("underscore_and_out_history", "6 * 7", "_ + 1", "Out[1]", "In[1]"),
    case("display_then_result", "from IPython.display import display\ndisplay('shown')\n'result'"),
    case("display_of_html", "from IPython.display import HTML, display\ndisplay(HTML('<i>hi</i>'))"),
    case("print_unicode", "print('héllo wörld ✓ 日本')"),
    case("print_without_a_final_newline", "print('no newline', end='')"),
    case("stdout_and_stderr_in_one_cell", "import sys\nprint('out')\nprint('err', file=sys.stderr)"),
    case("thread_prints_and_is_joined", "import threading\nt = threading.Thread(target=print, args=('from a thread',))\nt.start()\nt.join()"),
    case("warning_in_a_cell", "import warnings\nwarnings.warn('careful')"),
    case("nested_run_cell", "get_ipython().run_cell('print(\"nested\")');"),
    case("error_in_a_nested_run_cell_is_not_the_cell_s_error", "get_ipython().run_cell('1/0').error_in_exec.__class__.__name__", "'next cell runs'"),
    case("error_inside_the_capture_cell_magic_is_not_the_cell_s_error", "%%capture captured\n1/0", "captured.stdout.splitlines()[:0]"),
    case("cwd_is_the_notebook_directory", "import os\nos.getcwd()"),
]
