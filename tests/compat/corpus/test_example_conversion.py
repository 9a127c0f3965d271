"""How shipped_examples.py turns an example file or a docstring into notebook cells, and
what it sets aside. No kernel runs here; the sources are written for these tests."""
import textwrap

import pytest

import shipped_examples
from shipped_examples import Docstrings, doctest_sources, docstrings_of, gallery_cells, imported_libraries, screen


def source(text):
    return textwrap.dedent(text).lstrip("\n")


def test_gallery_page_title_is_dropped_and_statements_are_kept_whole():
    cells = gallery_cells(source('''
        """
        Title
        =====
        """
        import numpy as np
        x = np.array([1,
                      2])
    '''))
    assert cells == ["import numpy as np\nx = np.array([1,\n              2])"]


def test_percent_marker_starts_a_cell():
    assert gallery_cells(source('''
        a = 1
        # %%
        b = 2
    ''')) == ["a = 1", "b = 2"]


def test_sphinx_gallery_hash_line_starts_a_cell():
    assert gallery_cells(source('''
        a = 1
        ##############################################################################
        # Some text
        b = 2
    ''')) == ["a = 1", "b = 2"]


def test_comment_block_after_a_blank_line_starts_a_cell():
    assert gallery_cells(source('''
        a = 1

        # ## A heading of the original notebook
        b = 2
    ''')) == ["a = 1", "b = 2"]


def test_comment_right_under_a_statement_does_not_start_a_cell():
    assert gallery_cells(source('''
        a = 1
        # about b
        b = 2

        c = 3
    ''')) == ["a = 1\nb = 2\nc = 3"]


def test_decorated_function_stays_with_its_decorator():
    cells = gallery_cells(source('''
        import functools

        # cache it
        @functools.lru_cache
        def f():
            return 1
    '''))
    assert cells == ["import functools", "@functools.lru_cache\ndef f():\n    return 1"]


def test_each_doctest_example_is_a_cell_with_its_continuation_lines():
    text = source('''
        Sum things.

        >>> total = 0
        >>> for i in range(3):
        ...     total += i
        >>> total
        3
    ''')
    assert doctest_sources(text) == ["total = 0", "for i in range(3):\n    total += i", "total"]


def test_docstrings_of_functions_classes_methods_and_add_docstr_calls():
    found = dict(docstrings_of(source('''
        def f():
            """>>> f()"""
        class C:
            """>>> C()"""
            def m(self):
                """>>> C().m()"""
        add_docstr(torch.abs, r""">>> torch.abs(x)""")
        add_docstr_all("view", """>>> x.view(1)""")
    ''')))
    assert found == {"f": ">>> f()", "C": ">>> C()", "C.m": ">>> C().m()", "torch.abs": ">>> torch.abs(x)",
                     "view": ">>> x.view(1)"}


def test_docstring_notebook_starts_with_the_documentation_imports_and_a_seed(tmp_path, monkeypatch):
    (tmp_path / "mod.py").write_text('def f():\n    """\n    >>> np.ones(2)\n    """\n')
    monkeypatch.setattr(shipped_examples, "DIST_PACKAGES", tmp_path)
    library = Docstrings("python3-mod", ("mod.py",), "import numpy as np", "np.random.seed(0)")
    assert library.examples() == ["mod.py:f"]
    assert library.cells("mod.py:f") == ["import numpy as np", "np.random.seed(0)", "np.ones(2)"]


@pytest.mark.parametrize("code, reason", [
    ("X = fetch_openml('mnist')", "needs the network"),
    ("from urllib.request import urlopen", "needs the network"),
    ("df = sm.datasets.get_rdataset('Guerry')", "needs the network"),
    ("points = plt.ginput(3)", "needs a GUI or a user"),
    ("clf = GridSearchCV(model, grid, n_jobs=-1)", "starts worker processes"),
    ("f = autowrap(expr)", "compiles C at run time"),
])
def test_screen_sets_aside_what_a_headless_offline_kernel_cannot_run(code, reason):
    assert screen(code).startswith(reason)


def test_screen_lets_an_ordinary_example_through():
    assert screen("import numpy as np\nnp.linspace(0, 1, 5)") is None


def test_a_notebook_counts_for_every_corpus_library_it_imports():
    assert imported_libraries(["import numpy as np\nfrom sklearn import datasets", "import os"]) == {"numpy", "sklearn"}


def test_selection_naming_an_example_that_is_not_shipped_says_so(tmp_path, monkeypatch):
    selection = tmp_path / "selection.toml"
    selection.write_text('[sympy]\nci = ["beginner/no_such_example.py"]\n')
    monkeypatch.setattr(shipped_examples, "SELECTION", selection)
    with pytest.raises(LookupError, match="sympy/beginner/no_such_example.py.*python-sympy-doc"):
        shipped_examples.selected_examples("ci")


def test_every_selected_example_is_shipped_and_passes_the_screen():
    for example in shipped_examples.selected_examples("full"):
        assert example.cells, example.id
        assert screen("\n".join(example.cells)) is None, example.id
