"""Every gallery example runs (in its fast mode), and the code of the docs pages is right.

Each page's doctests run; the estimator pages' fragments over the reader's
own data run on a small data set.

The examples are run in this process with ``runpy`` rather than in a
subprocess: importing scikit-learn once instead of once per script keeps the
whole file to a few seconds per example.
"""

import doctest
import re
import runpy
import warnings
from pathlib import Path

import pytest
from sklearn.exceptions import ConvergenceWarning
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# tests/test_autoencoder.py runs the autoencoder page's examples already.
_TESTED_ELSEWHERE = {"autoencoder.rst"}
GUIDE = [
    path
    for path in sorted((ROOT / "docs").glob("*.rst"))
    + sorted((ROOT / "docs" / "user_guide").glob("*.rst"))
    if path.name not in _TESTED_ELSEWHERE
]
# The estimator pages open with code fragments over the reader's own data
# (``X``, ``y``, ``X_train``, ...); they run on a small data set bound to those names.
# A fragment that needs hardware the tests lack (a GPU) is marked ``python3``:
# highlighted the same, not run.
FRAGMENT_PAGES = [ROOT / "docs" / "mlp.rst", ROOT / "docs" / "neighbors.rst"]
_FRAGMENT = re.compile(r"^\.\. code-block:: python\n\n((?:(?:    .*)?\n)+)", re.MULTILINE)

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture
def example_env(tmp_path, monkeypatch):
    """Fast mode, a headless backend, and a scratch working directory."""
    import matplotlib.pyplot as plt

    monkeypatch.setenv("SKLEARN_DL_EXAMPLES_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    plt.switch_backend("Agg")
    monkeypatch.chdir(tmp_path)
    # One BLAS thread: the suite already runs one worker per core.
    with threadpool_limits(limits=1):
        yield
    plt.close("all")


def test_there_are_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, example_env, capsys):
    import matplotlib.pyplot as plt

    runpy.run_path(str(path), run_name="__main__")
    assert plt.get_fignums(), f"{path.name} drew no figure"
    capsys.readouterr()  # examples print their results; tests stay quiet


def test_examples_have_a_gallery_header():
    for path in EXAMPLES:
        text = path.read_text()
        assert text.startswith('"""\n'), f"{path.name} must open with its title docstring"
        title, underline = text.splitlines()[1:3]
        assert underline == "=" * len(title), f"{path.name}: title underline"


@pytest.mark.parametrize("path", GUIDE, ids=[p.stem for p in GUIDE])
def test_documentation_code(path):
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.ELLIPSIS, verbose=False, report=False
    )
    assert result.failed == 0, f"{result.failed} doctest failures in {path.name}"


def _fragments(page):
    """The ``.. code-block:: python`` blocks of ``page``, dedented, with their line numbers."""
    text = page.read_text()
    for match in _FRAGMENT.finditer(text):
        code = "\n".join(line[4:] for line in match.group(1).splitlines())
        yield text.count("\n", 0, match.start(1)), code


def _readers_data():
    """The names the fragments use for the reader's data: a scaled, split iris."""
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, _ = train_test_split(X, y, random_state=0, stratify=y)
    X_train, X_val, y_train, y_val = train_test_split(
        X_train, y_train, random_state=0, stratify=y_train
    )
    return dict(X=X, y=y, X_train=X_train, y_train=y_train, X_val=X_val, y_val=y_val, X_test=X_test)


@pytest.mark.parametrize("page", FRAGMENT_PAGES, ids=[p.stem for p in FRAGMENT_PAGES])
def test_estimator_page_fragments(page):
    fragments = list(_fragments(page))
    assert fragments, f"{page.name} has no code-block to run"
    for line, code in fragments:
        # The fragments' settings are the reader's, not tuned to a small data set.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            # Leading blank lines keep the page's line numbers in tracebacks.
            exec(compile("\n" * line + code, str(page), "exec"), _readers_data())
