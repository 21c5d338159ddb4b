"""The figures of the comparison report: speed ratios, optimizer curves, boundaries, digits.

matplotlib is optional (the ``plot`` extra): :func:`have_matplotlib` says
whether it is installed; without it a run notes how to install it.
Every figure is drawn on a :class:`matplotlib.figure.Figure` directly, never
through ``pyplot``, so drawing one changes no global state and needs no
display. Each drawing function takes the comparison rows, the budget and the
output path, and returns an optional note for the report.
"""

import warnings
from dataclasses import dataclass
from importlib import import_module

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

OURS_COLOR = "#1f6fb4"
THEIRS_COLOR = "#e07b39"


def have_matplotlib():
    """Whether matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(width, height):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _optional(module, name):
    """``sklearn_dl.<module>.<name>`` or ``None`` when it is not there."""
    try:
        return getattr(import_module(f"sklearn_dl.{module}"), name)
    except (ImportError, AttributeError):
        return None


def _quietly(func, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return func(*args)


# -- speed ratios ---------------------------------------------------------------------


def draw_speed_ratios(rows, budget, path):
    """Horizontal bars of the fit and predict time ratios, on a log scale."""
    ratios = [r for r in rows if r.fit_ratio is not None]
    if not ratios:
        raise ValueError("no pair of models ran on the same data")
    from matplotlib.ticker import FuncFormatter, NullFormatter

    labels = [f"{r.task} · {r.dataset} · vs {r.model}" for r in ratios]
    fig = _figure(11, 1.2 + 0.28 * len(ratios))
    axes = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(ratios))[::-1]
    for ax, key, title in zip(
        axes, ("fit_ratio", "predict_ratio"), ("fit", "predict"), strict=True
    ):
        values = np.array([getattr(r, key) for r in ratios])
        colors = [OURS_COLOR if v <= 1 else THEIRS_COLOR for v in values]
        ax.barh(y, values - 1, left=1, color=colors)  # bars grow from 1 either way
        ax.axvline(1.0, color="black", linewidth=1)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_title(f"{title} time, sklearn_dl / scikit-learn")
        ax.set_xlabel("ratio (below 1: sklearn_dl faster)")
        ax.grid(axis="x", which="both", alpha=0.3)
    axes[0].set_yticks(y, labels, fontsize=8)
    fig.savefig(path, dpi=110)
    return None


# -- optimizers -----------------------------------------------------------------------

# A learning rate that suits each mini-batch optimizer on this problem.
_OPTIMIZER_RATES = {
    "SGD": 0.1,
    "Momentum": 0.01,
    "Nesterov": 0.01,
    "Adagrad": 0.05,
    "Adadelta": 1.0,
    "RMSProp": 0.001,
    "Adam": 0.003,
    "LBFGS": None,
    "CG": None,
    "NewtonCG": None,
}


def _digits(quick, scale=True):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    if quick:
        X, y = X[:400], y[:400]
    return (StandardScaler().fit_transform(X) if scale else X / 16.0), y


def draw_optimizer_curves(rows, budget, path):
    """The training loss of every optimizer on one problem (digits)."""
    from sklearn_dl import optimizers

    MLPClassifier = _optional("neural_network", "MLPClassifier")
    X, y = _digits(budget.quick)
    epochs = 8 if budget.quick else 60
    fig = _figure(9, 5.5)
    ax = fig.subplots()
    for name, rate in _OPTIMIZER_RATES.items():
        solver = getattr(optimizers, name)()
        settings = {
            "solver": solver,
            "max_iter": epochs,
            "tol": 0.0,
            "n_iter_no_change": epochs + 1,
            "random_state": budget.seed,
        }
        if rate is not None:
            settings["learning_rate_init"] = rate
        if MLPClassifier is not None:
            model = MLPClassifier(hidden_layer_sizes=(32,), alpha=1e-4, **settings)
        else:
            from sklearn_dl.linear_model import LogisticRegression

            model = LogisticRegression(C=1e2, **settings)
        _quietly(model.fit, X, y)
        label = name if rate is None else f"{name} (η={rate:g})"
        style = "--" if solver.full_batch else "-"
        ax.plot(np.arange(1, len(model.loss_curve_) + 1), model.loss_curve_, style, label=label)
    what = "MLPClassifier(hidden_layer_sizes=(32,))" if MLPClassifier else "LogisticRegression"
    ax.set_title(f"Training loss of every optimizer: {what} on digits")
    ax.set_xlabel("epoch (solid: mini-batch) or iteration (dashed: full batch)")
    ax.set_ylabel("objective (mean log loss + penalty)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(ncols=2, fontsize=9)
    fig.savefig(path, dpi=110)
    return None


# -- decision boundaries --------------------------------------------------------------


def _boundary_pairs(chosen):
    from sklearn import linear_model, neighbors, neural_network

    mlp = {
        "hidden_layer_sizes": (32, 32),
        "solver": "lbfgs",
        "alpha": 1.0,
        "max_iter": 400,
        "random_state": 0,
    }
    candidates = [
        (
            "logistic_regression",
            ("linear_model", "LogisticRegression", {}),
            linear_model.LogisticRegression(),
        ),
        (
            "knn_classifier",
            ("neighbors", "KNeighborsClassifier", {"n_neighbors": 15}),
            neighbors.KNeighborsClassifier(n_neighbors=15),
        ),
        (
            "mlp_classifier",
            ("neural_network", "MLPClassifier", mlp),
            neural_network.MLPClassifier(**mlp),
        ),
    ]
    pairs = []
    for task, (module, name, params), theirs in candidates:
        ours = _optional(module, name)
        if task in chosen and ours is not None:
            pairs.append((name, ours(**params), theirs))
    return pairs


def draw_decision_boundaries(rows, budget, path):
    """Ours and scikit-learn's classifiers side by side on two moons."""
    from sklearn.datasets import make_moons

    pairs = _boundary_pairs({r.task for r in rows})
    if not pairs:
        raise ValueError("none of the classifiers is available")
    X, y = make_moons(n_samples=300, noise=0.3, random_state=budget.seed)
    X = StandardScaler().fit_transform(X)
    steps = 80 if budget.quick else 200
    low, high = X.min(axis=0) - 0.3, X.max(axis=0) + 0.3
    xx, yy = np.meshgrid(np.linspace(low[0], high[0], steps), np.linspace(low[1], high[1], steps))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    fig = _figure(8, 3.6 * len(pairs))
    axes = np.atleast_2d(fig.subplots(len(pairs), 2, sharex=True, sharey=True))
    for row, (name, ours, theirs) in zip(axes, pairs, strict=True):
        for ax, model, who in zip(row, (ours, theirs), ("sklearn_dl", "scikit-learn"), strict=True):
            fitted = _quietly(clone(model).fit, X, y)
            proba = fitted.predict_proba(grid)[:, 1].reshape(xx.shape)
            ax.contourf(xx, yy, proba, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
            ax.contour(xx, yy, proba, levels=[0.5], colors="black", linewidths=1.2)
            colors = np.where(y == 1, "#b2182b", "#2166ac")
            ax.scatter(X[:, 0], X[:, 1], c=colors, edgecolors="white", linewidths=0.5, s=18)
            ax.set_title(f"{who} {name}: accuracy {fitted.score(X, y):.3f}", fontsize=10)
    fig.savefig(path, dpi=100)
    return None


# -- autoencoder ----------------------------------------------------------------------


def _reconstruction_models(budget, k):
    """Our autoencoder, PCA and an X → X MLP, each with a code of ``k`` numbers."""
    from sklearn.decomposition import PCA
    from sklearn.neural_network import MLPRegressor

    Autoencoder = _optional("neural_network", "Autoencoder")
    if Autoencoder is None:
        raise ImportError("sklearn_dl.neural_network.Autoencoder is not available")
    epochs = 20 if budget.quick else 300
    return {
        "sklearn_dl Autoencoder": Autoencoder(
            n_components=k,
            hidden_layer_sizes=(64,),
            output_activation="sigmoid",
            solver="adam",  # the same solver and epochs as the MLPRegressor beside it
            max_iter=epochs,
            random_state=budget.seed,
        ),
        "PCA": PCA(n_components=k, random_state=budget.seed),
        "MLPRegressor X → X": MLPRegressor(
            hidden_layer_sizes=(64, k, 64), max_iter=epochs, random_state=budget.seed
        ),
    }


def _rebuilt_digits(models, X_train, X_test):
    """The test digits as they are, then as each model rebuilds them after fitting."""
    images = {"original": X_test}
    for name, model in models.items():
        fitted = _quietly(model.fit, X_train, X_train)
        if hasattr(fitted, "inverse_transform"):
            images[name] = fitted.inverse_transform(fitted.transform(X_test))
        else:
            images[name] = fitted.predict(X_test)
    return images


def draw_reconstructions(rows, budget, path):
    """Test digits rebuilt from 16 numbers by our autoencoder, PCA and an X → X MLP."""
    k = 16
    models = _reconstruction_models(budget, k)
    X, _ = _digits(quick=False, scale=False)
    X_train, X_test = X[:-12], X[-12:]
    if budget.quick:
        X_train = X_train[:400]
    images = _rebuilt_digits(models, X_train, X_test)
    fig = _figure(10, 1.0 + 1.0 * len(images))
    axes = fig.subplots(len(images), len(X_test))
    for row, (name, values) in zip(axes, images.items(), strict=True):
        error = np.mean((values - X_test) ** 2)
        for ax, image in zip(row, values, strict=True):
            ax.imshow(np.clip(image, 0, 1).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        label = name if name == "original" else f"{name}\nMSE {error:.4f}"
        row[0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(f"Test digits rebuilt from {k} numbers")
    fig.savefig(path, dpi=100)
    return None


# -- the list of figures ----------------------------------------------------------------


@dataclass(frozen=True)
class Job:
    """One figure: its file, caption, drawing function and the tasks that call for it."""

    filename: str
    caption: str
    draw: object
    tasks: frozenset = frozenset()


JOBS = (
    Job("speed_ratios.png", "Time ratios, sklearn_dl / scikit-learn", draw_speed_ratios),
    Job(
        "optimizer_loss_curves.png",
        "Training loss of every optimizer on one problem",
        draw_optimizer_curves,
        frozenset({"mlp_classifier", "logistic_regression"}),
    ),
    Job(
        "decision_boundaries.png",
        "Decision boundaries, sklearn_dl and scikit-learn side by side",
        draw_decision_boundaries,
        frozenset({"logistic_regression", "knn_classifier", "mlp_classifier"}),
    ),
    Job(
        "autoencoder_reconstructions.png",
        "Autoencoder reconstructions against PCA and an X → X MLP",
        draw_reconstructions,
        frozenset({"autoencoder"}),
    ),
)


def jobs(chosen):
    """The figures to draw when the tasks named in ``chosen`` run."""
    return [job for job in JOBS if not job.tasks or job.tasks & set(chosen)]
