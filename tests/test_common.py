"""scikit-learn's estimator checks over the linear models and object-valued variants.

The other estimators run the same checks in their own test modules.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_dl.callbacks import ReduceLROnPlateau
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.optimizers import Adam, RMSProp
from sklearn_dl.penalties import ElasticNet
from sklearn_dl.schedules import CosineAnnealing

ESTIMATORS = [
    LinearRegression(),
    LogisticRegression(),
    LogisticRegression(solver=Adam(beta_1=0.8)),
    LinearRegression(solver="sgd", penalty="elasticnet"),
    LinearRegression(loss="huber", penalty=ElasticNet(l1_ratio=0.2), alpha=10.0),
    LogisticRegression(
        solver=RMSProp(rho=0.95),
        learning_rate=CosineAnnealing(),
        callbacks=[ReduceLROnPlateau(patience=2)],
    ),
]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)
