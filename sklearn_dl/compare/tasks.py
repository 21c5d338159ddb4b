"""The estimators being compared: each of ours, its counterparts, and the data it runs on.

:data:`TASKS` is a registry of :class:`Task` entries; :func:`plan` turns the
names given to ``--estimators`` and ``--datasets`` into the ``(task, dataset)``
pairs to run.
"""

from dataclasses import dataclass
from importlib import import_module

from sklearn import linear_model, neighbors, neural_network

from .datasets import DATASETS

# The label of our model in every row, table and figure.
OURS = "sklearn_dl"
# The kinds of task fitted on X alone, which run on every data set.
UNSUPERVISED = ("reconstruction", "density")


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
    ``kind`` is ``"classification"``, ``"regression"``, ``"reconstruction"``
    (fit on ``X`` alone, scored on how well ``X`` is rebuilt) or ``"density"``
    (fit on ``X`` alone, scored by ``score``: the held-out log-likelihood per
    sample, or a lower bound on it).
    """

    name: str
    title: str
    kind: str
    ours: object
    theirs: dict
    datasets: tuple
    metric: str

    def accepts(self, dataset):
        return self.kind in UNSUPERVISED or dataset.kind == self.kind


# -- model factories --------------------------------------------------------------------


def _import_ours(module, name):
    """``sklearn_dl.<module>.<name>``, imported when a task runs.

    A missing module or class raises ImportError, which skips only its own task.
    """
    try:
        return getattr(import_module(f"sklearn_dl.{module}"), name)
    except AttributeError:
        raise ImportError(f"sklearn_dl.{module} has no {name}") from None


def _ours(module, name, **params):
    """A factory of ``sklearn_dl.<module>.<name>(**params)``."""

    def make(budget):
        return _import_ours(module, name)(**params)

    return make


def _mlp_settings(budget):
    """Settings both MLPs get: the same network, epochs and seed."""
    return {
        "hidden_layer_sizes": (64,),
        "max_iter": 15 if budget.quick else 100,
        "random_state": budget.seed,
    }


def _mlp(name, theirs=False):
    """A factory of our MLP ``name``, or scikit-learn's with ``theirs``, on equal settings."""

    def make(budget):
        if theirs:
            return getattr(neural_network, name)(**_mlp_settings(budget))
        return _ours("neural_network", name, **_mlp_settings(budget))(budget)

    return make


def _code_size(budget):
    """Width of every model's code: 8, or half the features of a narrow data set."""
    return max(1, min(8, budget.n_features // 2))


def _autoencoder_ours(budget):
    return _import_ours("neural_network", "Autoencoder")(
        n_components=_code_size(budget),
        max_iter=15 if budget.quick else 200,
        random_state=budget.seed,
    )


def _autoencoder_pca(budget):
    from sklearn.decomposition import PCA

    return PCA(n_components=_code_size(budget), random_state=budget.seed)


def _autoencoder_mlp(budget):
    # The same shape as ours: one linear code layer, fitted X → X.
    return neural_network.MLPRegressor(
        hidden_layer_sizes=(_code_size(budget),),
        activation="identity",
        max_iter=15 if budget.quick else 200,
        random_state=budget.seed,
    )


def _variational_ours(budget):
    return _import_ours("neural_network", "VariationalAutoencoder")(
        n_components=_code_size(budget),
        hidden_layer_sizes=(64,),
        learning_rate_init=3e-3,
        max_iter=15 if budget.quick else 200,
        random_state=budget.seed,
    )


# -- the registry -----------------------------------------------------------------------

_SMALL_CLASSIFICATION = ("iris", "wine", "breast_cancer", "digits")

# One entry per estimator, in the order the report shows them.
_ALL_TASKS = (
    Task(
        "linear_regression",
        "LinearRegression",
        "regression",
        _ours("linear_model", "LinearRegression"),
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
        _ours("linear_model", "LogisticRegression", max_iter=500),
        {
            "LogisticRegression": lambda b: linear_model.LogisticRegression(max_iter=500),
            "SGDClassifier(log_loss)": lambda b: linear_model.SGDClassifier(
                loss="log_loss", random_state=b.seed
            ),
        },
        (*_SMALL_CLASSIFICATION, "synthetic_classification"),
        "accuracy",
    ),
    Task(
        "perceptron",
        "Perceptron",
        "classification",
        lambda b: _import_ours("linear_model", "Perceptron")(random_state=b.seed),
        {"Perceptron": lambda b: linear_model.Perceptron(random_state=b.seed)},
        (*_SMALL_CLASSIFICATION, "synthetic_classification"),
        "accuracy",
    ),
    Task(
        "knn_classifier",
        "KNeighborsClassifier",
        "classification",
        _ours("neighbors", "KNeighborsClassifier"),
        {"KNeighborsClassifier": lambda b: neighbors.KNeighborsClassifier()},
        (*_SMALL_CLASSIFICATION, "synthetic_classification"),
        "accuracy",
    ),
    Task(
        "knn_regressor",
        "KNeighborsRegressor",
        "regression",
        _ours("neighbors", "KNeighborsRegressor"),
        {"KNeighborsRegressor": lambda b: neighbors.KNeighborsRegressor()},
        ("diabetes", "synthetic_regression"),
        "R²",
    ),
    Task(
        "mlp_classifier",
        "MLPClassifier",
        "classification",
        _mlp("MLPClassifier"),
        {"MLPClassifier": _mlp("MLPClassifier", theirs=True)},
        ("breast_cancer", "digits", "synthetic_classification"),
        "accuracy",
    ),
    Task(
        "mlp_regressor",
        "MLPRegressor",
        "regression",
        _mlp("MLPRegressor"),
        {"MLPRegressor": _mlp("MLPRegressor", theirs=True)},
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
    Task(
        "variational_autoencoder",
        "VariationalAutoencoder",
        "density",
        _variational_ours,
        {"PCA": _autoencoder_pca},  # probabilistic PCA's exact log-likelihood
        ("breast_cancer", "digits"),
        "held-out log-likelihood per sample (ours: the ELBO, a lower bound)",
    ),
)

TASKS = {task.name: task for task in _ALL_TASKS}

# -- choosing what runs -----------------------------------------------------------------

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
