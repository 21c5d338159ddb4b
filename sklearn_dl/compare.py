"""Run every sklearn_dl estimator against its scikit-learn counterparts.

``python -m sklearn_dl.compare`` fits each estimator and its counterparts on
the same split of the same data, with the same settings where both sides have
them, and reports the test score, the fit and predict times, and the ratio of
the times (ours / theirs: below 1 means sklearn_dl is faster). It prints one
table per estimator and writes a report folder with a Markdown summary, the
raw results as JSON and, when matplotlib is installed, PNG figures.

The comparison is a registry of tasks (an estimator, its counterparts and the
data sets it runs on) and a registry of data sets; both are plain dicts, and
``--estimators`` and ``--datasets`` pick entries from them.

Examples
--------
>>> from sklearn_dl.compare import DATASETS, TASKS
>>> sorted(TASKS)[:3]
['autoencoder', 'knn_classifier', 'knn_regressor']
>>> DATASETS["iris"].kind
'classification'
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import asdict, dataclass, field, replace
from importlib import import_module
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ._compare_report import (  # noqa: F401  (TextProgress is part of the module's API)
    OURS,
    TextProgress,
    make_progress,
    markdown_table,
    text_table,
)

DEFAULT_OUTPUT = os.path.join("reports", "compare")

# -- data sets ------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    """A named data set: ``load(quick, seed) -> (X, y)`` and its ``kind``."""

    name: str
    kind: str  # "classification" or "regression"
    load: object
    description: str


def _bundled(loader):
    def load(quick, seed):
        return loader(return_X_y=True)

    return load


def _synthetic_classification(quick, seed):
    from sklearn.datasets import make_classification

    n_samples = 2_000 if quick else 20_000
    return make_classification(
        n_samples=n_samples,
        n_features=40,
        n_informative=20,
        n_redundant=10,
        n_classes=3,
        class_sep=1.0,
        random_state=seed,
    )


def _synthetic_regression(quick, seed):
    from sklearn.datasets import make_regression

    n_samples = 2_000 if quick else 20_000
    return make_regression(
        n_samples=n_samples, n_features=50, n_informative=30, noise=10.0, random_state=seed
    )


def _datasets():
    from sklearn import datasets as sk

    bundled = [
        ("iris", "classification", sk.load_iris, "150 flowers, 4 features, 3 classes"),
        ("wine", "classification", sk.load_wine, "178 wines, 13 features, 3 classes"),
        ("breast_cancer", "classification", sk.load_breast_cancer, "569 tumours, 30 features"),
        ("digits", "classification", sk.load_digits, "1,797 8×8 images, 10 classes"),
        ("diabetes", "regression", sk.load_diabetes, "442 patients, 10 features"),
    ]
    registry = {
        name: Dataset(name, kind, _bundled(loader), text) for name, kind, loader, text in bundled
    }
    registry["synthetic_classification"] = Dataset(
        "synthetic_classification",
        "classification",
        _synthetic_classification,
        "make_classification: 20,000 × 40, 3 classes (2,000 with --quick)",
    )
    registry["synthetic_regression"] = Dataset(
        "synthetic_regression",
        "regression",
        _synthetic_regression,
        "make_regression: 20,000 × 50 (2,000 with --quick)",
    )
    return registry


DATASETS = _datasets()

# -- tasks ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    """What every model factory is told: fast mode or not, and the seed."""

    quick: bool = False
    seed: int = 0
    n_features: int = 0  # of the data set at hand, set before each model is made


@dataclass(frozen=True)
class Task:
    """One of our estimators, its counterparts and the data it runs on.

    ``ours`` and each value of ``theirs`` are factories ``f(budget) -> estimator``;
    ``kind`` is ``"classification"``, ``"regression"`` or ``"reconstruction"``
    (fit on ``X`` alone, scored on how well ``X`` is rebuilt).
    """

    name: str
    title: str
    kind: str
    ours: object
    theirs: dict
    datasets: tuple
    metric: str

    def accepts(self, dataset):
        return self.kind == "reconstruction" or dataset.kind == self.kind


def _mlp_settings(budget):
    """Settings both MLPs get: the same network, epochs and seed."""
    return {
        "hidden_layer_sizes": (64,),
        "max_iter": 15 if budget.quick else 100,
        "random_state": budget.seed,
    }


def _ours(module, name):
    """``sklearn_dl.<module>.<name>``, imported when a task runs.

    A missing module or class raises ImportError, which skips only its own task.
    """
    try:
        return getattr(import_module(f"sklearn_dl.{module}"), name)
    except AttributeError:
        raise ImportError(f"sklearn_dl.{module} has no {name}") from None


def _code_size(budget):
    """Width of every model's code: 8, or half the features of a narrow data set."""
    return max(1, min(8, budget.n_features // 2))


def _autoencoder_ours(budget):
    return _ours("neural_network", "Autoencoder")(
        n_components=_code_size(budget),
        max_iter=15 if budget.quick else 200,
        random_state=budget.seed,
    )


def _autoencoder_pca(budget):
    from sklearn.decomposition import PCA

    return PCA(n_components=_code_size(budget), random_state=budget.seed)


def _autoencoder_mlp(budget):
    from sklearn.neural_network import MLPRegressor

    # The same shape as ours: one linear code layer, fitted X → X.
    return MLPRegressor(
        hidden_layer_sizes=(_code_size(budget),),
        activation="identity",
        max_iter=15 if budget.quick else 200,
        random_state=budget.seed,
    )


def _tasks():
    from sklearn import linear_model, neighbors, neural_network

    def ours(module, name, **params):
        def make(budget):
            return _ours(module, name)(**params)

        return make

    def mlp(name, theirs=False):
        def make(budget):
            if theirs:
                return getattr(neural_network, name)(**_mlp_settings(budget))
            return ours("neural_network", name, **_mlp_settings(budget))(budget)

        return make

    small_classification = ("iris", "wine", "breast_cancer", "digits")
    tasks = [
        Task(
            "linear_regression",
            "LinearRegression",
            "regression",
            ours("linear_model", "LinearRegression"),
            {
                "LinearRegression": lambda b: linear_model.LinearRegression(),
                "SGDRegressor": lambda b: linear_model.SGDRegressor(random_state=b.seed),
            },
            ("diabetes", "synthetic_regression"),
            "R²",
        ),
        Task(
            "logistic_regression",
            "LogisticRegression",
            "classification",
            ours("linear_model", "LogisticRegression", max_iter=500),
            {
                "LogisticRegression": lambda b: linear_model.LogisticRegression(max_iter=500),
                "SGDClassifier(log_loss)": lambda b: linear_model.SGDClassifier(
                    loss="log_loss", random_state=b.seed
                ),
            },
            (*small_classification, "synthetic_classification"),
            "accuracy",
        ),
        Task(
            "knn_classifier",
            "KNeighborsClassifier",
            "classification",
            ours("neighbors", "KNeighborsClassifier"),
            {"KNeighborsClassifier": lambda b: neighbors.KNeighborsClassifier()},
            (*small_classification, "synthetic_classification"),
            "accuracy",
        ),
        Task(
            "knn_regressor",
            "KNeighborsRegressor",
            "regression",
            ours("neighbors", "KNeighborsRegressor"),
            {"KNeighborsRegressor": lambda b: neighbors.KNeighborsRegressor()},
            ("diabetes", "synthetic_regression"),
            "R²",
        ),
        Task(
            "mlp_classifier",
            "MLPClassifier",
            "classification",
            mlp("MLPClassifier"),
            {"MLPClassifier": mlp("MLPClassifier", theirs=True)},
            ("breast_cancer", "digits", "synthetic_classification"),
            "accuracy",
        ),
        Task(
            "mlp_regressor",
            "MLPRegressor",
            "regression",
            mlp("MLPRegressor"),
            {"MLPRegressor": mlp("MLPRegressor", theirs=True)},
            ("diabetes", "synthetic_regression"),
            "R²",
        ),
        Task(
            "autoencoder",
            "Autoencoder",
            "reconstruction",
            _autoencoder_ours,
            {
                "PCA": _autoencoder_pca,
                "MLPRegressor(X→X)": _autoencoder_mlp,
            },
            ("breast_cancer", "digits"),
            "reconstruction R²",
        ),
    ]
    return {task.name: task for task in tasks}


TASKS = _tasks()

# -- measuring ------------------------------------------------------------------------


@dataclass
class Row:
    """One model on one data set."""

    task: str
    dataset: str
    model: str
    n_train: int = 0
    n_test: int = 0
    n_features: int = 0
    score: float = float("nan")
    fit_s: float = float("nan")
    predict_s: float = float("nan")
    fit_ratio: float = None
    predict_ratio: float = None
    status: str = "ok"  # "ok", "skipped" or "error"
    message: str = ""

    @property
    def ours(self):
        return self.model == OURS


def _median_time(func, quick):
    """Median wall time of ``func()`` and its last result.

    A call taking under a second is repeated (up to five times, about a second
    in all) because single short timings are noisy on a shared machine.
    """
    times, result = [], None
    while True:
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
        if quick or len(times) >= 5 or sum(times) > 1.0:
            return float(np.median(times)), result


def _reconstruct(model, X):
    """Rebuild ``X`` through a fitted model's code (or its X → X prediction)."""
    if hasattr(model, "inverse_transform"):
        return model.inverse_transform(model.transform(X))
    return model.predict(X)


def _prepare(dataset, task, budget):
    """Load, split and standardise one data set (the scaling learns the training part)."""
    X, y = dataset.load(budget.quick, budget.seed)
    X = np.asarray(X, dtype=np.float64)
    stratify = y if dataset.kind == "classification" else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=budget.seed, stratify=stratify
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    if task.kind == "reconstruction":
        y_train, y_test = X_train, X_test
    elif dataset.kind == "regression":
        # Standard targets suit gradient-trained models and leave R² unchanged.
        mean, std = y_train.mean(), y_train.std()
        y_train, y_test = (y_train - mean) / std, (y_test - mean) / std
    return X_train, X_test, y_train, y_test


def _measure(task, model, data, budget, row):
    """Fit, time and score ``model``; fill ``row``."""
    X_train, X_test, y_train, y_test = data
    with warnings.catch_warnings():
        # Every model gets the same fixed iteration budget; not all reach convergence.
        warnings.simplefilter("ignore", ConvergenceWarning)
        row.fit_s, fitted = _median_time(lambda: clone(model).fit(X_train, y_train), budget.quick)
    if task.kind == "reconstruction":
        row.predict_s, X_hat = _median_time(lambda: _reconstruct(fitted, X_test), budget.quick)
        row.score = float(r2_score(X_test, X_hat, multioutput="variance_weighted"))
    else:
        row.predict_s, prediction = _median_time(lambda: fitted.predict(X_test), budget.quick)
        if task.kind == "classification":
            row.score = float(np.mean(prediction == y_test))
        else:
            row.score = float(r2_score(y_test, prediction))


def run_pair(task, dataset, budget, on_model=None):
    """Every model of ``task`` on ``dataset``: our row first, then one per counterpart.

    ``on_model(label)`` is called before each model runs (for progress display).
    """
    models = {OURS: task.ours, **task.theirs}
    data = _prepare(dataset, task, budget)
    budget = replace(budget, n_features=data[0].shape[1])
    shape = {
        "n_train": data[0].shape[0],
        "n_test": data[1].shape[0],
        "n_features": data[0].shape[1],
    }
    rows = []
    for label, factory in models.items():
        if on_model is not None:
            on_model(label)
        row = Row(task.name, dataset.name, label, **shape)
        rows.append(row)
        try:
            model = factory(budget)
        except ImportError as exc:  # the estimator is not in this installation
            row.status, row.message = "skipped", f"{type(exc).__name__}: {exc}"
            continue
        try:
            _measure(task, model, data, budget, row)
        except Exception as exc:  # one failing model must not end a long run
            row.status, row.message = "error", f"{type(exc).__name__}: {exc}"
    ours = rows[0]
    for row in rows[1:]:
        if ours.status == row.status == "ok":
            row.fit_ratio = ours.fit_s / row.fit_s
            row.predict_ratio = ours.predict_s / row.predict_s
    return rows


def plan(estimators=None, datasets=None):
    """The ``(task, dataset)`` pairs to run, in registry order.

    Without ``datasets`` each task runs on its own list; with it, on every
    named data set of a kind the task accepts.
    """
    tasks = [TASKS[name] for name in _check_names(estimators, TASKS, "estimator")]
    chosen = _check_names(datasets, DATASETS, "dataset") if datasets else None
    pairs = []
    for task in tasks:
        names = chosen if chosen is not None else task.datasets
        pairs += [(task, DATASETS[n]) for n in names if task.accepts(DATASETS[n])]
    return pairs


_ALIASES = {task.title.lower(): task.name for task in TASKS.values()}


def _check_names(names, registry, what):
    if names is None:
        return list(registry)
    resolved = []
    for name in names:
        key = name.strip().lower().replace("-", "_")
        key = _ALIASES.get(key, key)
        if key not in registry:
            valid = ", ".join(registry)
            raise ValueError(f"Unknown {what} {name!r}; valid names are: {valid}.")
        if key not in resolved:
            resolved.append(key)
    return resolved


def _environment():
    import scipy
    import sklearn

    import sklearn_dl

    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "sklearn_dl": sklearn_dl.__version__,
    }


def write_report(output, rows, figures, notes, budget, seconds):
    """Write ``summary.md`` and ``results.json`` into ``output``; return the summary path."""
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    env = _environment()
    (output / "results.json").write_text(
        json.dumps(
            {
                "environment": env,
                "quick": budget.quick,
                "seed": budget.seed,
                "seconds": seconds,
                "rows": [asdict(row) for row in rows],
                "figures": figures,
                "notes": notes,
            },
            indent=2,
        )
        + "\n"
    )
    lines = [
        "# sklearn_dl compared with scikit-learn",
        "",
        "Each model is fitted on the same standardised 75 % training split and scored on "
        "the remaining 25 %. Times are medians of repeated runs measured in one process; a "
        f"ratio is the time of {OURS} divided by the counterpart's (below 1: {OURS} is "
        "faster). Iterative models get the same settings and iteration budgets on both "
        "sides. A data set is labelled with its training samples × features.",
        "",
        f"Run with `python -m sklearn_dl.compare{' --quick' if budget.quick else ''}` in "
        f"{seconds:.0f} s on {env['cpu_count']} cores; Python {env['python']}, numpy "
        f"{env['numpy']}, scipy {env['scipy']}, scikit-learn {env['scikit-learn']}.",
        "",
    ]
    for task in TASKS.values():
        task_rows = [row for row in rows if row.task == task.name]
        if task_rows:
            lines += [f"## {task.title}", "", markdown_table(task, task_rows), ""]
    problems = [row for row in rows if row.status != "ok"]
    if problems:
        lines += ["## Not run", ""]
        lines += [
            f"- {r.task} on {r.dataset}, {r.model}: {r.status} ({r.message})" for r in problems
        ]
        lines.append("")
    if figures:
        lines += ["## Figures", ""]
        for name, caption in figures.items():
            lines += [f"### {caption}", "", f"![{caption}]({name})", ""]
    if notes:
        lines += ["## Notes", ""] + [f"- {note}" for note in notes] + [""]
    path = output / "summary.md"
    path.write_text("\n".join(lines))
    return path


# -- the command ----------------------------------------------------------------------


@dataclass
class Result:
    """What :func:`run` produced."""

    rows: list
    figures: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    summary: Path = None
    seconds: float = 0.0

    @property
    def failed(self):
        return [row for row in self.rows if row.status == "error"]

    @property
    def skipped(self):
        return [row for row in self.rows if row.status == "skipped"]


def run(
    estimators=None,
    datasets=None,
    *,
    quick=False,
    seed=0,
    output=DEFAULT_OUTPUT,
    plots=True,
    plain=False,
    threads=None,
    stream=None,
):
    """Run the comparison, print one table per estimator and write the report.

    Parameters
    ----------
    estimators, datasets : list of str or None
        Names from :data:`TASKS` and :data:`DATASETS`; ``None`` means all
        (each task on its own data sets).
    quick : bool
        Smaller generated data, fewer epochs and single timings: a fast smoke run.
    seed : int
        Seed of the splits, the generated data and every model.
    output : str or path
        Report folder.
    plots : bool
        Draw the figures (needs matplotlib).
    plain : bool
        Use the text progress bar even if ``rich`` is installed.
    threads : int or None
        Limit the BLAS and OpenMP threads of both sides (``None``: no limit).
    stream : file-like or None
        Where the progress bar is drawn (standard error by default).

    Returns
    -------
    Result
    """
    with threadpool_limits(limits=threads):
        return _run(estimators, datasets, quick, seed, output, plots, plain, stream)


def _run(estimators, datasets, quick, seed, output, plots, plain, stream):
    from . import _compare_plots as figures

    budget = Budget(quick=quick, seed=seed)
    pairs = plan(estimators, datasets)
    chosen = {task.name for task, _ in pairs}
    can_plot = plots and figures.have_matplotlib()
    jobs = figures.jobs(chosen) if can_plot else []
    total = sum(1 + len(task.theirs) for task, _ in pairs) + len(jobs)
    start = time.perf_counter()
    rows, result = [], Result(rows=[])
    with make_progress(total, plain, stream) as progress:
        for index, (task, dataset) in enumerate(pairs):
            pair_rows = run_pair(
                task,
                dataset,
                budget,
                lambda label, t=task, d=dataset: progress.step(f"{t.title} on {d.name}: {label}"),
            )
            rows += pair_rows
            last = index + 1 == len(pairs) or pairs[index + 1][0] is not task
            if last:
                progress.print(text_table(task, [r for r in rows if r.task == task.name]) + "\n")
        for job in jobs:
            progress.step(f"figure: {job.caption}")
            _draw(job, rows, budget, output, result)
        progress.finish()
    if plots and not can_plot:
        result.notes.append(
            "Figures need matplotlib: pip install 'sklearn_dl[plot]' (or pip install matplotlib)."
        )
    result.rows = rows
    result.seconds = time.perf_counter() - start
    result.summary = write_report(
        output, rows, result.figures, result.notes, budget, result.seconds
    )
    return result


def _draw(job, rows, budget, output, result):
    """Draw one figure into ``output``; a failure becomes a note, not a crash."""
    os.makedirs(output, exist_ok=True)
    try:
        note = job.draw(rows, budget, os.path.join(output, job.filename))
    except Exception as exc:
        result.notes.append(f"Figure {job.filename} was not drawn: {type(exc).__name__}: {exc}")
        return
    result.figures[job.filename] = job.caption
    if note:
        result.notes.append(note)


def _names(text):
    return [part for part in text.split(",") if part.strip()]


def build_parser():
    tasks = ", ".join(TASKS)
    datasets = ", ".join(DATASETS)
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_dl.compare",
        description=(
            "Fit every sklearn_dl estimator and its scikit-learn counterparts on the same "
            "data; print score, fit time, predict time and time ratios, and write a "
            "report folder with a Markdown summary, JSON results and PNG figures."
        ),
    )
    parser.add_argument(
        "-e",
        "--estimators",
        type=_names,
        metavar="NAMES",
        help=f"comma-separated estimators to run (default: all): {tasks}",
    )
    parser.add_argument(
        "-d",
        "--datasets",
        type=_names,
        metavar="NAMES",
        help=f"comma-separated data sets (default: each estimator's own): {datasets}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small generated data, few epochs, single timings (a smoke run)",
    )
    parser.add_argument(
        "-o", "--output", default=DEFAULT_OUTPUT, help=f"report folder (default: {DEFAULT_OUTPUT})"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of splits, data and models")
    parser.add_argument("--no-plots", action="store_true", help="skip the figures")
    parser.add_argument(
        "--plain", action="store_true", help="plain text progress even if rich is installed"
    )
    parser.add_argument(
        "--threads",
        type=int,
        metavar="N",
        help="limit BLAS/OpenMP threads of both sides to N (default: no limit)",
    )
    parser.add_argument(
        "--list", action="store_true", help="list the estimators and data sets, then exit"
    )
    return parser


def _listing():
    lines = ["Estimators (--estimators):"]
    for task in TASKS.values():
        theirs = ", ".join(task.theirs)
        lines.append(f"  {task.name:<20} {task.title} vs {theirs}; on {', '.join(task.datasets)}")
    lines += ["", "Data sets (--datasets):"]
    for data in DATASETS.values():
        lines.append(f"  {data.name:<25} {data.kind:<15} {data.description}")
    return "\n".join(lines)


def main(argv=None):
    """Command-line entry point; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        print(_listing())
        return 0
    try:
        plan(args.estimators, args.datasets)
    except ValueError as exc:
        parser.error(str(exc))
    result = run(
        args.estimators,
        args.datasets,
        quick=args.quick,
        seed=args.seed,
        output=args.output,
        plots=not args.no_plots,
        plain=args.plain,
        threads=args.threads,
    )
    for note in result.notes:
        print(f"note: {note}")
    for row in result.skipped + result.failed:
        print(f"{row.status}: {row.task} on {row.dataset}, {row.model}: {row.message}")
    print(f"Report written to {result.summary} ({result.seconds:.0f} s).")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
