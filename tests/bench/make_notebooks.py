#!/usr/bin/python3
"""Write the scenario notebooks of tests/bench/notebooks.py to notebooks/bench.

    /usr/bin/python3 tests/bench/make_notebooks.py

The notebooks are what the benchmark runs, so they can be opened and tried in
Jupyter; this script is where they are defined. Cell ids are fixed so that
rewriting unchanged scenarios leaves the files unchanged.
"""

import pathlib

import nbformat

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
OUTPUT_DIR = REPOSITORY / "notebooks" / "bench"

HEAVY_IMPORTS = """\
import numpy as np
import pandas as pd
import scipy.stats
import matplotlib.pyplot as plt
import sklearn.ensemble
import sympy
import torch"""

NUMPY_SUM = "np.arange(10).sum()"

# Each cell really uses its module and shows a result that does not depend on
# the kernel (the plot is checked by its PNG header, not by the backend).
REALISTIC_USES = [
    """\
scores = pd.DataFrame({"team": ["a", "b", "a", "b"], "score": [3, 5, 4, 6]})
scores.groupby("team")["score"].mean()""",
    """\
print(f"P(Z < 1.96) = {scipy.stats.norm.cdf(1.96):.4f}")
scipy.stats.norm.cdf([-1, 0, 1]).round(4)""",
    """\
import io

figure, axes = plt.subplots(figsize=(4, 3))
axes.plot(np.linspace(0, 1, 20), np.linspace(0, 1, 20) ** 2)
image = io.BytesIO()
figure.savefig(image, format="png", dpi=50)
plt.close(figure)
png = image.getvalue()
png[:4], int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")""",
    """\
features = np.arange(20).reshape(-1, 1)
labels = (features.ravel() >= 10).astype(int)
forest = sklearn.ensemble.RandomForestClassifier(n_estimators=10, random_state=0)
forest.fit(features, labels).predict([[3], [15]])""",
    """\
x = sympy.symbols("x")
sympy.simplify(sympy.sin(x) ** 2 + sympy.cos(x) ** 2 + (x**2 - 1) / (x - 1))""",
    """\
t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
t @ t.T""",
]

TRIVIAL_CELLS = 200

# Notebooks as people write them: a few imports, each used, results printed. Their outputs
# do not depend on the kernel, so the benchmark can check them against ipykernel's.
CORPUS = {
    "corpus-sales-report": (
        "A pandas report: build a table, group, pivot, format.",
        ["import numpy as np\nimport pandas as pd",
         """\
rng = np.random.default_rng(0)
sales = pd.DataFrame({
    "region": rng.choice(["north", "south", "east", "west"], 500),
    "month": rng.integers(1, 13, 500),
    "units": rng.integers(1, 50, 500),
    "price": rng.uniform(5, 20, 500).round(2),
})
sales["revenue"] = sales.units * sales.price
sales.shape""",
         "sales.groupby(\"region\").revenue.sum().round(2)",
         "sales.pivot_table(index=\"month\", columns=\"region\", values=\"units\", aggfunc=\"sum\").iloc[:3]",
         "print(sales.describe().loc[[\"mean\", \"max\"]].round(1).to_string())"]),
    "corpus-model-fit": (
        "A small scikit-learn study: split, fit, score.",
        ["import numpy as np\nfrom sklearn.datasets import load_iris\n"
         "from sklearn.model_selection import train_test_split\n"
         "from sklearn.linear_model import LogisticRegression\n"
         "from sklearn.metrics import accuracy_score",
         """\
features, labels = load_iris(return_X_y=True)
train_x, test_x, train_y, test_y = train_test_split(features, labels, random_state=0)
train_x.shape, test_x.shape""",
         """\
model = LogisticRegression(max_iter=500).fit(train_x, train_y)
round(accuracy_score(test_y, model.predict(test_x)), 3)""",
         "np.bincount(model.predict(test_x))"]),
    "corpus-stats-plot": (
        "Statistics and a chart: scipy tests, a matplotlib figure saved to bytes.",
        ["import io\nimport numpy as np\nimport scipy.stats as stats\nimport matplotlib.pyplot as plt",
         """\
rng = np.random.default_rng(1)
a, b = rng.normal(0, 1, 200), rng.normal(0.3, 1, 200)
result = stats.ttest_ind(a, b)
round(float(result.statistic), 3), round(float(result.pvalue), 4)""",
         """\
figure, axes = plt.subplots(figsize=(4, 3))
axes.hist([a, b], bins=20)
buffer = io.BytesIO()
figure.savefig(buffer, format="png", dpi=40)
plt.close(figure)
buffer.getvalue()[:4]"""]),
    "corpus-text-tools": (
        "Standard library only: parse, count, format.",
        ["import collections\nimport csv\nimport io\nimport json\nimport re\nimport statistics",
         """\
text = "the quick brown fox jumps over the lazy dog " * 200
words = re.findall(r"\\w+", text)
collections.Counter(words).most_common(3)""",
         """\
rows = list(csv.DictReader(io.StringIO("name,score\\nada,91\\nbob,78\\ncy,85\\n")))
statistics.mean(int(row["score"]) for row in rows)""",
         "print(json.dumps(rows, indent=1)[:60])"]),
}

SCENARIOS = {
    "empty": (
        "A single `pass`: the cost of starting a kernel and running one cell.",
        ["pass"]),
    "heavy-numpy-only": (
        "Many heavy imports, then a cell that needs only numpy. With deferred "
        "imports, only numpy should be paid for.",
        [HEAVY_IMPORTS, NUMPY_SUM]),
    "numpy-only": (
        "The baseline for `heavy-numpy-only`: import numpy, use it.",
        ["import numpy as np", NUMPY_SUM]),
    "realistic": (
        "The heavy imports, then a cell that really uses each module, so "
        "every import is paid for in the end.",
        [HEAVY_IMPORTS] + REALISTIC_USES),
    "sklearn-fit": (
        "Import scikit-learn, fit a small model, predict: the workload whose "
        "import `--lazy-mode=all` should mostly skip.",
        ["import numpy as np\nfrom sklearn.ensemble import RandomForestClassifier",
         """\
features = np.arange(20).reshape(-1, 1)
labels = (features.ravel() >= 10).astype(int)
RandomForestClassifier(n_estimators=10, random_state=0).fit(features, labels).predict([[3], [15]])"""]),
    "trivial-200": (
        f"{TRIVIAL_CELLS} cells of `x = 1`: the overhead each cell adds.",
        ["x = 1"] * TRIVIAL_CELLS),
    "one-plus-one": (
        "A first cell `1+1`: how soon a new kernel answers a first cell.",
        ["1+1"]),
    **CORPUS,
}


def notebook(name, description, cells):
    book = nbformat.v4.new_notebook(metadata={
        "kernelspec": {"name": "xlazy", "display_name": "Python 3 (xlazy)",
                       "language": "python"},
        "language_info": {"name": "python"},
    })
    book.cells.append(nbformat.v4.new_markdown_cell(
        f"# Benchmark scenario `{name}`\n\n{description}\n\n"
        f"Run by `tests/bench/notebooks.py`; written by "
        f"`tests/bench/make_notebooks.py`.", id="description"))
    book.cells.extend(nbformat.v4.new_code_cell(source, id=f"cell-{index}")
                      for index, source in enumerate(cells, start=1))
    nbformat.validate(book)
    return book


def main():
    OUTPUT_DIR.mkdir(parents=True, exist_ok=True)
    for name, (description, cells) in SCENARIOS.items():
        nbformat.write(notebook(name, description, cells),
                       OUTPUT_DIR / f"{name}.ipynb")


if __name__ == "__main__":
    main()
