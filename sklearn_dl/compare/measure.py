"""Fitting, timing and scoring the models of one task on one data set.

:func:`run_pair` prepares the data once (split, standardised), then fits
and scores our model and each counterpart on it, one :class:`Row` each.
"""

import time
import warnings
from dataclasses import dataclass, replace

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from .tasks import OURS, UNSUPERVISED


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
    if task.kind in UNSUPERVISED:
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
    if task.kind == "density":  # the held-out log-likelihood per sample (or its bound)
        row.predict_s, row.score = _median_time(lambda: fitted.score(X_test), budget.quick)
    elif task.kind == "reconstruction":
        row.predict_s, X_hat = _median_time(lambda: _reconstruct(fitted, X_test), budget.quick)
        row.score = float(r2_score(X_test, X_hat, multioutput="variance_weighted"))
    else:
        row.predict_s, prediction = _median_time(lambda: fitted.predict(X_test), budget.quick)
        if task.kind == "classification":
            row.score = float(np.mean(prediction == y_test))
        else:
            row.score = float(r2_score(y_test, prediction))


def _make_and_measure(task, factory, data, budget, row):
    """Build one model and measure it; a missing estimator or a failure marks ``row``."""
    try:
        model = factory(budget)
    except ImportError as exc:  # the estimator is not in this installation
        row.status, row.message = "skipped", f"{type(exc).__name__}: {exc}"
        return
    try:
        _measure(task, model, data, budget, row)
    except Exception as exc:  # one failing model must not end a long run
        row.status, row.message = "error", f"{type(exc).__name__}: {exc}"


def _set_ratios(rows):
    """Our times over each counterpart's, where both ran."""
    ours = rows[0]
    for row in rows[1:]:
        if ours.status == row.status == "ok":
            row.fit_ratio = ours.fit_s / row.fit_s
            row.predict_ratio = ours.predict_s / row.predict_s


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
        _make_and_measure(task, factory, data, budget, row)
    _set_ratios(rows)
    return rows
