"""The data sets of the comparison: a registry of named loaders.

Each entry of :data:`DATASETS` is a :class:`Dataset` whose ``load(quick, seed)``
returns ``(X, y)``; ``--datasets`` picks entries by name.
"""

from dataclasses import dataclass


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
