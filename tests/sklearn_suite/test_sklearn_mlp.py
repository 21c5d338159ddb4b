"""scikit-learn's ``neural_network/tests/test_mlp.py``, run against our MLPs."""

from sklearn_dl.neural_network import MLPClassifier, MLPRegressor

from ._suite import load_suite
from .excluded import MLP_DIFFERENCES, MLP_INTERNALS

globals().update(
    load_suite(
        "sklearn.neural_network.tests.test_mlp",
        {"sklearn.neural_network": {"MLPClassifier": MLPClassifier, "MLPRegressor": MLPRegressor}},
        excluded={**MLP_INTERNALS, **MLP_DIFFERENCES},
    )
)
