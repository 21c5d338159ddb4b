"""Every gallery example runs (in its fast mode), and the user guide's code is right.

The examples are run in this process with ``runpy`` rather than in a
subprocess: importing scikit-learn once instead of once per script keeps the
whole file to a few seconds per example.
"""

import doctest
import runpy
from pathlib import Path

import pytest
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# The estimator pages (mlp, neighbors, autoencoder) are tested by their own suites.
_ESTIMATOR_PAGES = {"mlp.rst", "neighbors.rst", "autoencoder.rst"}
GUIDE = [
    path
    for path in sorted((ROOT / "docs").glob("*.rst"))
    + sorted((ROOT / "docs" / "user_guide").glob("*.rst"))
    if path.name not in _ESTIMATOR_PAGES
]

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
