"""Short sessions with the libraries people import in notebooks: numpy, pandas, scipy,
matplotlib (Agg), scikit-learn, sympy, torch, tqdm, requests. Each a few cells, the way
they are really used: import block first, work later.
"""
from . import case, state_read_at_import

CSV_FILE = {"data.csv": "name,score\nada,3\nbob,5\ncyd,4\n"}

CASES = [
    # numpy
    case("numpy_zeros_with_a_from_imported_dtype", "import numpy as np\nfrom numpy import float32", "np.zeros(2, dtype=float32)"),
    case("numpy_dtype_from_import_in_a_function_of_the_same_cell", "import numpy as np\nfrom numpy import float32", "def make():\n    return np.ones(3, dtype=float32).dtype\nmake()"),
    case("numpy_array_repr", "import numpy as np", "np.linspace(0, 1, 5)"),
    case("numpy_isinstance_ndarray", "import numpy as np", "a = np.array([1, 2])\nisinstance(a, np.ndarray), type(a).__name__"),
    case("numpy_precision_magic_after_the_import", "import numpy as np", "%precision 3", "np.array([1 / 3, 2 / 3])"),
    case("numpy_printoptions_set_before_first_use", "import numpy as np", "np.set_printoptions(precision=2)", "np.array([3.14159])"),
    case("numpy_random_generator_with_a_seed", "import numpy as np", "rng = np.random.default_rng(0)\nrng.integers(0, 100, 5)"),
    case("numpy_legacy_seed_then_draw", "import numpy as np", "np.random.seed(1)", "np.random.randint(0, 1000, 3)"),
    case("numpy_submodule_dotted_import", "import numpy.linalg as la\nimport numpy as np", "la.det(np.eye(3))"),
    case("numpy_error_message", "import numpy as np", "np.ones(2) @ np.ones(3)", errors={2: "ValueError"}),
    case("numpy_scalar_type_check_in_a_function", "import numpy as np\nfrom numpy import integer", "def is_int(x):\n    return isinstance(x, integer)\nis_int(np.int64(3)), is_int(3.0)"),
    # pandas
    case("pandas_dataframe_shows_text_and_html", "import pandas as pd", "pd.DataFrame({'a': [1, 2], 'b': [3.5, 4.5]})"),
    case("pandas_read_csv_from_the_working_directory", "import pandas as pd", "df = pd.read_csv('data.csv')\ndf.score.mean()", files=CSV_FILE),
    case("pandas_option_set_before_first_frame", "import pandas as pd", "pd.set_option('display.precision', 1)", "pd.Series([1.234, 5.678])"),
    case("pandas_isinstance_in_a_function", "import pandas as pd\nfrom pandas import DataFrame", "def is_frame(x):\n    return isinstance(x, DataFrame)\nis_frame(pd.DataFrame()), is_frame([])"),
    case("pandas_and_numpy_together", "import numpy as np\nimport pandas as pd", "pd.Series(np.arange(3)).describe()"),
    # scipy
    case("scipy_stats_from_import", "from scipy import stats", "round(stats.norm.cdf(1.0), 6)"),
    case("scipy_linalg_dotted_import", "import scipy.linalg\nimport numpy as np", "scipy.linalg.inv(np.array([[2.0, 0.0], [0.0, 4.0]]))"),
    case("scipy_special_and_optimize", "from scipy.special import gamma\nfrom scipy.optimize import minimize_scalar", "gamma(5), round(minimize_scalar(lambda x: (x - 2) ** 2).x, 4)"),
    # matplotlib
    case(
        "matplotlib_agg_figure_saved_to_a_file",
        "import matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt",
        "fig, ax = plt.subplots()\nax.plot([1, 2, 3])\nfig.savefig('plot.png')\nimport os\nos.path.getsize('plot.png') > 0",
    ),
    case("matplotlib_backend_after_use_agg", "import matplotlib\nmatplotlib.use('Agg')", "import matplotlib.pyplot as plt", "plt.get_backend()"),
    case("matplotlib_default_backend_in_a_notebook_kernel", "import matplotlib.pyplot as plt", "plt.get_backend()"),
    case("matplotlib_plot_in_a_notebook_kernel_shows_a_figure", "import matplotlib.pyplot as plt", "plt.plot([1, 2, 3]);"),
    # scikit-learn
    case("sklearn_from_import_then_package_import_then_dotted_use", "from sklearn import datasets", "import sklearn", "sklearn.datasets.load_iris().data.shape"),
    case(
        "sklearn_sets_kmp_duplicate_lib_ok_when_imported",
        "import sklearn",
        "import os\nprint(os.environ.get('KMP_DUPLICATE_LIB_OK'))",
        differs=state_read_at_import(
            "environment_set_at_import",
            "sklearn sets the variable when it runs, which is at first use (README: What deferral changes)",
            cell=2,
            stdout="None\n",
        ),
    ),
    case(
        "sklearn_fit_and_predict",
        "from sklearn.linear_model import LinearRegression\nimport numpy as np",
        "model = LinearRegression().fit(np.array([[0.0], [1.0], [2.0]]), np.array([1.0, 3.0, 5.0]))\nnp.round(model.predict(np.array([[3.0]])), 6)",
    ),
    # sympy
    case("sympy_expression_has_latex_and_text", "import sympy as sp", "x = sp.Symbol('x')\nsp.expand((x + 1) ** 2)"),
    case("sympy_from_import_symbols_and_solve", "from sympy import symbols, solve", "x = symbols('x')\nsolve(x ** 2 - 4, x)"),
    # torch
    case("torch_tensor_sum", "import torch", "torch.tensor([1, 2, 3]).sum()"),
    case("torch_isinstance_tensor_in_a_function", "import torch\nfrom torch import Tensor", "def is_tensor(x):\n    return isinstance(x, Tensor)\nis_tensor(torch.zeros(1)), is_tensor(0)"),
    # tqdm, requests
    case("tqdm_auto_detects_a_notebook_kernel", "import tqdm.auto", "print(tqdm.auto.tqdm.__module__, tqdm.auto.tqdm.__name__)"),
    case("tqdm_std_progress_bar_with_a_fixed_format", "from tqdm import tqdm", "total = 0\nfor i in tqdm(range(3), bar_format='{n}/{total}', file=__import__('sys').stdout):\n    total += i\ntotal"),
    case(
        "requests_adds_warnings_filters",
        "import requests",
        "import warnings\nprint(sorted({f[2].__name__ for f in warnings.filters if f[2].__module__.startswith(('urllib3', 'requests'))}))",
        differs=state_read_at_import(
            "warnings_filters_set_at_import",
            "requests installs its filters when it runs, which is at first use (README: What deferral changes)",
            cell=2,
            stdout="[]\n",
        ),
    ),
    case("requests_prepares_a_request_without_network", "import requests", "requests.Request('GET', 'http://example.invalid/a', params={'q': 1}).prepare().url"),
]
