"""``python -m sklearn_dl.compare`` and ``python -m benchmarks.run``, in fast modes."""

import io
import json
import sys
import types

import pytest

from benchmarks import run as bench_runner
from benchmarks._common import row
from sklearn_dl import compare
from sklearn_dl.compare import plots


def _quick(*args):
    return ["--quick", "--plain", "--threads", "1", *args]


# -- the comparison ---------------------------------------------------------------------


def test_quick_run_writes_tables_and_report(tmp_path, capsys):
    out = tmp_path / "report"
    status = compare.main(
        _quick("-e", "linear_regression,logistic_regression", "-d", "iris,diabetes", "-o", str(out))
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "LinearRegression  (R² on the test split" in printed
    assert "SGDClassifier(log_loss)" in printed

    results = json.loads((out / "results.json").read_text())
    models = {(r["task"], r["dataset"], r["model"]) for r in results["rows"]}
    assert models == {
        ("linear_regression", "diabetes", "sklearn_dl"),
        ("linear_regression", "diabetes", "LinearRegression"),
        ("linear_regression", "diabetes", "SGDRegressor"),
        ("logistic_regression", "iris", "sklearn_dl"),
        ("logistic_regression", "iris", "LogisticRegression"),
        ("logistic_regression", "iris", "SGDClassifier(log_loss)"),
    }
    for result in results["rows"]:
        assert result["status"] == "ok"
        assert result["fit_s"] > 0 and result["predict_s"] > 0
        if result["model"] != "sklearn_dl":
            assert result["fit_ratio"] > 0
    ours = {r["task"]: r["score"] for r in results["rows"] if r["model"] == "sklearn_dl"}
    assert ours["logistic_regression"] > 0.9
    assert ours["linear_regression"] > 0.3

    summary = (out / "summary.md").read_text()
    assert "## LogisticRegression" in summary
    assert "| data set | model | accuracy |" in summary
    if plots.have_matplotlib():
        for name in ("speed_ratios.png", "optimizer_loss_curves.png", "decision_boundaries.png"):
            assert (out / name).stat().st_size > 10_000
            assert f"]({name})" in summary


def test_every_estimator_runs(tmp_path):
    result = compare.run(
        datasets=["iris", "diabetes"], quick=True, plots=False, plain=True, output=tmp_path
    )
    problems = [
        f"{r.task}/{r.model}: {r.status} {r.message}" for r in result.rows if r.status != "ok"
    ]
    assert not problems
    assert {r.task for r in result.rows} == set(compare.TASKS)


def test_progress_is_plain_text_without_rich(monkeypatch):
    # "import rich..." now fails, even when rich's submodules were imported already.
    for name in ["rich", *[m for m in sys.modules if m.startswith("rich.")]]:
        monkeypatch.setitem(sys.modules, name, None)
    stream = io.StringIO()
    progress = compare.make_progress(3, stream=stream)
    assert isinstance(progress, compare.TextProgress)
    with progress:
        progress.step("first")
        progress.step("second")
        progress.finish()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("[" + "-" * 28 + "] 0/3")
    assert lines[-1].startswith("[" + "#" * 28 + "] 3/3") and lines[-1].endswith("done")


def test_without_matplotlib_the_report_says_how_to_get_figures(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(plots, "have_matplotlib", lambda: False)
    status = compare.main(_quick("-e", "linear_regression", "-d", "diabetes", "-o", str(tmp_path)))
    assert status == 0
    assert "pip install 'sklearn_dl[plot]'" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.png"))
    assert "sklearn_dl[plot]" in (tmp_path / "summary.md").read_text()


def test_a_missing_estimator_is_skipped_and_reported(tmp_path, monkeypatch):
    def missing(budget):
        raise ImportError("cannot import name 'Nothing' from 'sklearn_dl.neural_network'")

    task = compare.TASKS["linear_regression"]
    monkeypatch.setitem(
        compare.TASKS, "linear_regression", compare.Task(**{**task.__dict__, "ours": missing})
    )
    result = compare.run(
        ["linear_regression"], ["diabetes"], quick=True, plots=False, plain=True, output=tmp_path
    )
    statuses = [(r.model, r.status) for r in result.rows]
    assert statuses[0] == ("sklearn_dl", "skipped")
    assert all(status == "ok" for _, status in statuses[1:])
    assert not result.failed
    assert "Nothing" in (tmp_path / "summary.md").read_text()


def test_plan_selects_compatible_pairs():
    pairs = compare.plan(["LogisticRegression", "knn-regressor"], ["iris", "diabetes"])
    assert [(t.name, d.name) for t, d in pairs] == [
        ("logistic_regression", "iris"),
        ("knn_regressor", "diabetes"),
    ]
    defaults = compare.plan(["autoencoder"])
    assert [d.name for _, d in defaults] == list(compare.TASKS["autoencoder"].datasets)


def test_bad_names_and_help(capsys):
    with pytest.raises(SystemExit) as error:
        compare.main(["--estimators", "gradient_boosting"])
    assert error.value.code == 2
    assert "valid names are" in capsys.readouterr().err
    with pytest.raises(SystemExit) as done:
        compare.main(["--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for option in ("--estimators", "--datasets", "--quick", "--output", "--threads"):
        assert option in text


def test_list(capsys):
    assert compare.main(["--list"]) == 0
    text = capsys.readouterr().out
    for name in [*compare.TASKS, *compare.DATASETS]:
        assert name in text


# -- the benchmark runner ---------------------------------------------------------------


@pytest.fixture
def fake_benchmarks(monkeypatch):
    good = types.ModuleType("benchmarks.bench_good")
    good.run = lambda quick=False: [
        row("fit", 0.5, 1.0, target=1.0, flops=2e9),
        row("predict", 0.02, 0.01, target=1.5, torch_s=0.04, flops=1e8, dtype="float32"),
    ]
    bad = types.ModuleType("benchmarks.bench_bad")

    def fail(quick=False):
        raise RuntimeError("boom")

    bad.run = fail
    monkeypatch.setitem(sys.modules, "benchmarks.bench_good", good)
    monkeypatch.setitem(sys.modules, "benchmarks.bench_bad", bad)
    monkeypatch.setattr(bench_runner, "discover", lambda: ["bad", "good"])
    monkeypatch.setattr(
        bench_runner, "measure_peaks", lambda quick: {"float64": 8.0, "float32": 16.0}
    )


def test_bench_runner_table_json_and_failures(fake_benchmarks, tmp_path, capsys):
    status = bench_runner.main(["--quick", "--output", str(tmp_path)])
    assert status == 1  # bench_bad failed
    printed = capsys.readouterr().out
    assert "RuntimeError: boom" in printed
    (saved,) = tmp_path.glob("*.json")
    results = json.loads(saved.read_text())
    fit, predict = results["benchmarks"]["good"]["rows"]
    assert fit["gflops"] == pytest.approx(4.0) and fit["peak_share"] == pytest.approx(0.5)
    assert predict["gflops"] == pytest.approx(5.0) and predict["peak_share"] == pytest.approx(
        5 / 16
    )
    assert results["benchmarks"]["bad"]["error"]
    line = next(x for x in printed.splitlines() if x.startswith("good") and "predict" in x)
    assert "0.50" in line and "NO" in line  # 0.02 / 0.04 against torch; 2.0 > target 1.5


def test_bench_runner_only_and_compare(fake_benchmarks, tmp_path, capsys):
    assert bench_runner.main(["--only", "bench_good", "--output", str(tmp_path)]) == 0
    (first,) = tmp_path.glob("*.json")
    second = tmp_path / "second.json"
    results = json.loads(first.read_text())
    results["benchmarks"]["good"]["rows"][0]["ours_s"] = 1.0  # the fit got twice as slow
    second.write_text(json.dumps(results))
    capsys.readouterr()
    assert bench_runner.main(["--compare", str(first), str(second)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(x.startswith("good") and "fit" in x and x.endswith("slower") for x in lines)
    with pytest.raises(SystemExit):
        bench_runner.main(["--only", "nonexistent"])
