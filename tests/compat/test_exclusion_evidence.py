"""Evidence behind xlazy's default exclusion list (kernel/engine/exclusions.cpp).

An exclusion is a module that xlazy always imports eagerly, because importing it changes
what *other* code sees, even if the notebook never reads the name it binds again. For every
entry, one test here runs the same "later cell" twice, each time in a fresh /usr/bin/python3
(the interpreter the kernel embeds): once alone, and once after the "earlier cell" import.
It asserts what the later cell sees both times, so a test fails when the side effect is gone
from the installed version (the entry may then be obsolete). A test skips when the package
is not installed.

The second group records modules often said to be imported for a side effect that does NOT
happen with Debian 12's versions, which is why they are not in the list. If one of those
fails, the effect has appeared and the module probably belongs in the list.

Run with: /usr/bin/python3 -m pytest -q tests/compat/test_exclusion_evidence.py
"""
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

PYTHON = "/usr/bin/python3"
EXCLUSIONS_CPP = Path(__file__).resolve().parents[2] / "kernel" / "engine" / "exclusions.cpp"
TIMEOUT = 180

# Modules of exclusions.cpp that have a test below; filled in by @evidence_for.
EVIDENCED = set()


def evidence_for(module):
    """Marks a test as the evidence for the exclusion of `module`."""
    EVIDENCED.add(module)
    return lambda test: test


def need(*packages):
    """Skips unless /usr/bin/python3 can import each top-level package (without importing it)."""
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec(sys.argv[1]) else 1)"
    for package in packages:
        if subprocess.run([PYTHON, "-c", probe, package], env=clean_env()).returncode != 0:
            pytest.skip(f"{package} is not installed for {PYTHON}")


def clean_env(**extra):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    # Headless plots; a browser "opened" by any test runs /bin/true; keep stderr readable.
    env.update(MPLBACKEND="Agg", BROWSER="true", PYTHONWARNINGS="ignore")
    env.update(extra)
    return env


def run(code, **env):
    proc = subprocess.run(
        [PYTHON, "-c", code],
        capture_output=True,
        text=True,
        env=clean_env(**env),
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0, (
        f"exit {proc.returncode}\n--- code\n{code}\n--- stderr\n{proc.stderr[-3000:]}"
    )
    return proc.stdout


def later_cell_sees(earlier_import, later_cell, setup="", **env):
    """What `later_cell` prints (without the import, with the import), each in a fresh process.

    `setup` runs first in both: it stands for what the kernel already has before any cell.
    """
    setup, earlier_import, later_cell = map(textwrap.dedent, (setup, earlier_import, later_cell))
    without = run(setup + "\n" + later_cell, **env)
    with_import = run(setup + "\n" + earlier_import + "\n" + later_cell, **env)
    return without.strip(), with_import.strip()


# --- evidence for each entry of the default exclusion list ---------------------------------


@evidence_for("antigravity")
def test_antigravity_opens_a_browser():
    setup = """
        import webbrowser
        opened = []
        webbrowser.open = lambda url, *args, **kwargs: opened.append(url) or True
    """
    without, with_import = later_cell_sees("import antigravity", "print(opened)", setup=setup)
    assert without == "[]"
    assert with_import == "['https://xkcd.com/353/']"


@evidence_for("this")
def test_this_prints_the_zen_of_python():
    without, with_import = later_cell_sees("import this", "print('--')")
    assert without == "--"
    assert with_import.startswith("The Zen of Python, by Tim Peters")
    assert "Beautiful is better than ugly." in with_import


COLORMAP_REGISTRARS = [
    # (entry, earlier cell, a colormap name it registers)
    ("cmyt", "import cmyt", "cmyt.arbre"),
    ("colorcet", "import colorcet as cc", "cet_fire"),
    ("seaborn", "import seaborn as sns", "mako"),
]
for _entry, _, _ in COLORMAP_REGISTRARS:
    evidence_for(_entry)


@pytest.mark.parametrize(
    "entry, earlier_import, cmap", COLORMAP_REGISTRARS, ids=[c[0] for c in COLORMAP_REGISTRARS]
)
def test_import_registers_matplotlib_colormap(entry, earlier_import, cmap):
    need(entry)
    later_cell = f"""
        import matplotlib.pyplot as plt
        try:
            plt.imshow([[0, 1], [2, 3]], cmap={cmap!r})
            print("drawn")
        except ValueError:
            print("unknown colormap")
    """
    without, with_import = later_cell_sees(earlier_import, later_cell)
    assert without == "unknown colormap"
    assert with_import == "drawn"


@evidence_for("mpl_scatter_density")
def test_mpl_scatter_density_registers_its_projection():
    need("mpl_scatter_density")
    later_cell = """
        import matplotlib.pyplot as plt
        try:
            print(plt.figure().add_subplot(projection="scatter_density").name)
        except ValueError as error:
            print(error)
    """
    without, with_import = later_cell_sees("import mpl_scatter_density", later_cell)
    assert without == "Unknown projection 'scatter_density'"
    assert with_import == "scatter_density"


@evidence_for("geopandas")
def test_geopandas_registers_geometry_dtype_and_set_geometry():
    need("geopandas")
    later_cell = """
        import pandas as pd
        from shapely.geometry import Point
        try:
            print("astype:", pd.Series([Point(0, 0), Point(1, 1)]).astype("geometry").dtype)
        except TypeError:
            print("astype: TypeError")
        frame = pd.DataFrame({"where": [Point(0, 0)], "value": [1]})
        try:
            print("set_geometry:", type(frame.set_geometry("where")).__name__)
        except AttributeError:
            print("set_geometry: AttributeError")
    """
    without, with_import = later_cell_sees("import geopandas as gpd", later_cell)
    assert without.splitlines() == ["astype: TypeError", "set_geometry: AttributeError"]
    assert with_import.splitlines() == ["astype: geometry", "set_geometry: GeoDataFrame"]


@evidence_for("rioxarray")
def test_rioxarray_adds_rio_accessor_to_xarray():
    need("rioxarray", "xarray")
    later_cell = """
        import numpy as np
        import xarray as xr
        coords = {"y": [1.5, 0.5], "x": [0.5, 1.5]}
        raster = xr.DataArray(np.zeros((2, 2)), dims=("y", "x"), coords=coords)
        try:
            print(raster.rio.write_crs("EPSG:4326").rio.crs)
        except AttributeError:
            print("AttributeError")
    """
    without, with_import = later_cell_sees("import rioxarray", later_cell)
    assert without == "AttributeError"
    assert with_import == "EPSG:4326"


@evidence_for("rdkit.Chem.Draw.IPythonConsole")
def test_rdkit_ipythonconsole_displays_molecules_as_images():
    need("rdkit", "IPython")
    setup = """
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
    """
    later_cell = """
        from rdkit import Chem
        data, metadata = shell.display_formatter.format(Chem.MolFromSmiles("c1ccccc1O"))
        print(sorted(data))
    """
    earlier = "from rdkit.Chem.Draw import IPythonConsole"
    without, with_import = later_cell_sees(earlier, later_cell, setup=setup)
    assert without == "['text/plain']"
    assert with_import == "['image/png', 'text/plain']"


@evidence_for("rdkit.Chem.PandasTools")
def test_rdkit_pandastools_makes_ge_a_substructure_match():
    need("rdkit", "pandas")
    later_cell = """
        import pandas as pd
        from rdkit import Chem
        df = pd.DataFrame({"ROMol": [Chem.MolFromSmiles(smiles) for smiles in ("CCO", "CCC")]})
        try:
            print(len(df[df.ROMol >= Chem.MolFromSmiles("O")]), "row(s) contain oxygen")
        except TypeError:
            print("TypeError")
    """
    without, with_import = later_cell_sees("from rdkit.Chem import PandasTools", later_cell)
    assert without == "TypeError"
    assert with_import == "1 row(s) contain oxygen"


@evidence_for("sklearn.experimental.enable_iterative_imputer")
def test_sklearn_enable_iterative_imputer():
    need("sklearn")
    later_cell = """
        try:
            from sklearn.impute import IterativeImputer
            rows = [[1.0, 2.0], [3.0, 6.0], [float("nan"), 8.0]]
            print(IterativeImputer(random_state=0).fit_transform(rows).shape)
        except ImportError:
            print("ImportError")
    """
    earlier = "from sklearn.experimental import enable_iterative_imputer"
    without, with_import = later_cell_sees(earlier, later_cell)
    assert without == "ImportError"
    assert with_import == "(3, 2)"


@evidence_for("sklearn.experimental.enable_halving_search_cv")
def test_sklearn_enable_halving_search_cv():
    need("sklearn")
    later_cell = """
        try:
            from sklearn.model_selection import HalvingGridSearchCV, HalvingRandomSearchCV
            print(HalvingGridSearchCV.__name__, HalvingRandomSearchCV.__name__)
        except ImportError:
            print("ImportError")
    """
    earlier = "from sklearn.experimental import enable_halving_search_cv"
    without, with_import = later_cell_sees(earlier, later_cell)
    assert without == "ImportError"
    assert with_import == "HalvingGridSearchCV HalvingRandomSearchCV"


# A TorchScript model saved by someone who had the extension loaded, as a notebook receives it.
TORCHSCRIPT_MODELS = {
    "torchvision": """
        import torch, torchvision
        class Detector(torch.nn.Module):
            def forward(self, boxes: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
                return torchvision.ops.nms(boxes, scores, 0.5)
        torch.jit.save(torch.jit.script(Detector()), {path!r})
    """,
    "torchaudio": """
        import torch, torchaudio
        class Smoother(torch.nn.Module):
            def forward(self, wave: torch.Tensor) -> torch.Tensor:
                a, b = torch.tensor([1.0, 0.0]), torch.tensor([0.5, 0.5])
                return torchaudio.functional.lfilter(wave, a, b)
        torch.jit.save(torch.jit.script(Smoother()), {path!r})
    """,
}
TORCHSCRIPT_OPS = {"torchvision": "torchvision::nms", "torchaudio": "torchaudio::_lfilter"}
for _entry in TORCHSCRIPT_MODELS:
    evidence_for(_entry)


@pytest.mark.parametrize("entry", sorted(TORCHSCRIPT_MODELS))
def test_import_registers_ops_that_torch_jit_load_needs(entry, tmp_path):
    need("torch", entry)
    model = tmp_path / f"{entry}_model.pt"
    # TorchScript compiles from source, so the model is made by a script file, not `-c`.
    maker = tmp_path / f"make_{entry}_model.py"
    maker.write_text(textwrap.dedent(TORCHSCRIPT_MODELS[entry].format(path=str(model))))
    proc = subprocess.run(
        [PYTHON, str(maker)], capture_output=True, text=True, env=clean_env(), timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    later_cell = f"""
        import torch
        try:
            torch.jit.load({str(model)!r})
            print("loaded")
        except RuntimeError as error:
            print("RuntimeError:", "Unknown builtin op: {TORCHSCRIPT_OPS[entry]}" in str(error))
    """
    without, with_import = later_cell_sees(f"import {entry}", later_cell)
    assert without == "RuntimeError: True"
    assert with_import == "loaded"


@evidence_for("translitcodec")
def test_translitcodec_registers_translit_codecs():
    need("translitcodec")
    later_cell = r"""
        import codecs
        for name in ("translit/long", "translit/short", "translit/one"):
            try:
                print(codecs.encode("Caf\u00e9 \u2013 \u00bd", name))
            except LookupError:
                print("LookupError")
    """
    without, with_import = later_cell_sees("import translitcodec", later_cell)
    assert without.splitlines() == ["LookupError"] * 3
    assert with_import.splitlines() == ["Cafe - 1/2"] * 3


# --- the list and the evidence stay in step ------------------------------------------------


def listed_modules():
    return re.findall(r'\{\s*"([A-Za-z0-9_.]+)"\s*,', EXCLUSIONS_CPP.read_text())


def test_every_listed_module_has_evidence_and_every_evidence_is_listed():
    listed = listed_modules()
    assert listed, f"no entries found in {EXCLUSIONS_CPP}"
    assert set(listed) == EVIDENCED


def test_list_is_sorted_without_duplicates():
    listed = listed_modules()
    assert listed == sorted(set(listed))


# --- often-cited side-effect imports that have no such effect here (so not listed) ---------


def test_no_effect_mpl_toolkits_mplot3d_3d_projection_is_built_in():
    need("matplotlib")
    later_cell = """
        import matplotlib.pyplot as plt
        print(plt.figure().add_subplot(projection="3d").name)
    """
    without, with_import = later_cell_sees("from mpl_toolkits.mplot3d import Axes3D", later_cell)
    assert without == with_import == "3d"


def test_no_effect_matplotlib_pyplot_installs_no_ipython_hook_until_a_figure_exists():
    need("matplotlib", "matplotlib_inline", "IPython")
    setup = """
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
    """
    later_cell = """
        print([callback.__name__ for callback in shell.events.callbacks["post_execute"]])
    """
    inline = "module://matplotlib_inline.backend_inline"
    without, with_import = later_cell_sees(
        "import matplotlib.pyplot as plt", later_cell, setup=setup, MPLBACKEND=inline
    )
    assert without == with_import == "[]"


def test_no_effect_hello_prints_nothing_on_python_3_11():
    without, with_import = later_cell_sees("import __hello__, __phello__.spam", "print('--')")
    assert without == with_import == "--"


def test_no_effect_sklearn_enable_hist_gradient_boosting_is_not_needed():
    need("sklearn")
    later_cell = """
        from sklearn.ensemble import HistGradientBoostingClassifier
        print(HistGradientBoostingClassifier.__name__)
    """
    earlier = "from sklearn.experimental import enable_hist_gradient_boosting"
    without, with_import = later_cell_sees(earlier, later_cell)
    assert without == with_import == "HistGradientBoostingClassifier"


def test_no_effect_hdf5plugin_debian_hdf5_finds_its_filters_without_it():
    need("h5py", "hdf5plugin")
    # blosc, lz4, bitshuffle, zstd: Debian's h5py loads the system's filter plugins itself.
    later_cell = """
        import h5py
        print([bool(h5py.h5z.filter_avail(code)) for code in (32001, 32004, 32008, 32015)])
    """
    without, with_import = later_cell_sees("import hdf5plugin", later_cell)
    assert without == with_import


def test_no_effect_tqdm_auto_adds_no_pandas_progress_methods():
    need("tqdm", "pandas")
    later_cell = """
        import pandas as pd
        print(hasattr(pd.Series, "progress_apply"), hasattr(pd.DataFrame, "progress_apply"))
    """
    without, with_import = later_cell_sees("from tqdm.auto import tqdm", later_cell)
    assert without == with_import == "False False"


def test_no_effect_gevent_monkey_patches_nothing_until_patch_all():
    need("gevent")
    later_cell = """
        import socket, threading, time
        print(socket.socket.__module__, threading.Lock.__module__, time.sleep.__module__)
    """
    without, with_import = later_cell_sees("from gevent import monkey", later_cell)
    assert without == with_import == "socket _thread time"


def test_no_effect_pyximport_installs_no_import_hook_until_install():
    need("pyximport")
    later_cell = """
        import sys
        print([type(finder).__module__ for finder in sys.meta_path if "pyx" in type(finder).__module__])
    """
    without, with_import = later_cell_sees("import pyximport", later_cell)
    assert without == with_import == "[]"
