"""Libraries that ask IPython whether they run in a notebook kernel get ipykernel's answer."""


def test_ipython_config_names_the_kernel_app(kernel_in_each_mode):
    assert kernel_in_each_mode.value("'IPKernelApp' in get_ipython().config") == "True"


def test_tqdm_autonotebook_chooses_the_notebook_flavour(kernel_in_each_mode):
    # With ipywidgets tqdm.notebook is used; without, tqdm warns that IProgress is missing,
    # exactly as under ipykernel. A console would silently get tqdm.std.
    code = (
        "import warnings\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from tqdm.autonotebook import tqdm\n"
        "tqdm.__module__ == 'tqdm.notebook' or any('IProgress not found' in str(w.message) for w in caught)"
    )
    assert kernel_in_each_mode.value(code) == "True"


def test_configuration_of_the_shell_is_otherwise_unchanged(kernel_in_each_mode):
    code = "{section: dict(values) for section, values in get_ipython().config.items() if section != 'IPKernelApp'}"
    assert kernel_in_each_mode.value(code) == "{}"


def test_the_usual_notebook_detection_snippet_finds_a_notebook(kernel_in_each_mode):
    assert kernel_in_each_mode.value("get_ipython().__class__.__name__") == "'ZMQInteractiveShell'"
    assert kernel_in_each_mode.value("type(get_ipython()).__mro__[1].__name__") == "'XPythonShell'"
