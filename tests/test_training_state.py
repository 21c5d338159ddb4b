"""fit, warm starts and partial_fit: one training state, with scikit-learn's meanings."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dl import DivergenceError
from sklearn_dl.callbacks import EarlyStopping, ReduceLROnPlateau
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor
from sklearn_dl.optimizers import Adam


def classification(seed=0, n=120, n_classes=3):
    return make_classification(
        n_samples=n, n_features=6, n_informative=4, n_classes=n_classes, random_state=seed
    )


def regression(seed=0, n=120):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5))
    return X, X @ rng.standard_normal(5) + 0.1 * rng.standard_normal(n)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_n_iter_counts_the_last_fit_and_t_counts_every_sample(Estimator):
    X, y = classification()
    model = Estimator(
        hidden_layer_sizes=(4,), solver="sgd", warm_start=True, max_iter=3, n_iter_no_change=np.inf
    )
    model.fit(X, y)
    assert model.n_iter_ == 3
    model.fit(X, y)
    assert model.n_iter_ == 3
    model.set_params(max_iter=20).fit(X, y)
    assert model.n_iter_ == 20
    assert model.t_ == 26 * len(X) and len(model.loss_curve_) == 26
    model.partial_fit(X, y)
    assert model.n_iter_ == 1 and model.t_ == 27 * len(X)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_lbfgs_warm_start_counts_its_own_iterations():
    X, y = classification()
    model = MLPClassifier((4,), solver="lbfgs", warm_start=True, max_iter=10, random_state=0)
    model.fit(X, y)
    assert model.n_iter_ == 10
    model.set_params(max_iter=20).fit(X, y)
    assert model.n_iter_ == 20 and len(model.loss_curve_) == 30


def test_invscaling_follows_the_samples_seen_across_warm_starts():
    X, y = np.array([[3, 2], [1, 6], [5, 6], [-2, -4]]), np.array([1, 1, 1, 0])
    model = MLPClassifier(
        4, solver="sgd", learning_rate="invscaling", power_t=0.25, max_iter=1, warm_start=True
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        model.fit(X, y)
    # The second fit starts its epoch at t = 4: the rate is lr0 / (4 + 1)^power_t.
    np.testing.assert_allclose(model.history_["lr"], [1e-3, 1e-3 / 5**0.25])


def test_continued_fits_keep_their_classes():
    X, y = classification()
    model = MLPClassifier((4,), solver="sgd", max_iter=2, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    message = (
        "warm_start can only be used where `y` has the same classes as in the previous "
        "call to fit. Previously got [0 1 2], `y` has [0 1]"
    )
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        model.fit(X[y < 2], y[y < 2])
    stepped = MLPClassifier((4,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    stepped.partial_fit(X[y < 2], y[y < 2])  # a batch without some classes is fine
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        stepped.partial_fit(X, y, classes=[0, 1, 2, 3])


@pytest.mark.parametrize(
    "model",
    [
        MLPClassifier(early_stopping=True),
        MLPRegressor(early_stopping=True),
        LogisticRegression(solver="sgd", early_stopping=True),
        Autoencoder(2, early_stopping=True),
    ],
    ids=lambda model: type(model).__name__,
)
def test_partial_fit_refuses_early_stopping(model):
    X, y = classification()
    args = (X,) if isinstance(model, Autoencoder) else (X, y)
    kwargs = {"classes": np.unique(y)} if hasattr(model, "predict_proba") else {}
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        model.partial_fit(*args, **kwargs)


def test_validation_split_errors_are_scikit_learns():
    X, y = classification(n=40)
    with pytest.raises(ValueError, match="The validation set is too small"):
        MLPRegressor(early_stopping=True, random_state=0).fit(X[:2], y[:2])
    y_rare = np.r_[np.zeros(39, int), 1]
    with pytest.raises(ValueError, match=r"The least populated classes in y have only 1 member"):
        MLPClassifier(early_stopping=True).fit(X, y_rare)


def test_non_finite_parameters_are_reported_in_scikit_learns_words():
    rng = np.random.RandomState(0)
    X = np.finfo(np.float64).max * rng.uniform(size=(10, 2))
    y = rng.standard_normal(size=10)
    start = "^Solver produced non-finite parameter weights"
    with pytest.raises(DivergenceError, match=start) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            MLPRegressor().fit(X, y)
    assert "standardise" in str(info.value)


DIVERGING = {
    "MLPRegressor": MLPRegressor(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        learning_rate_init=1.0,
        random_state=0,
    ),
    "LinearRegression": LinearRegression(solver="sgd", learning_rate_init=5.0, random_state=0),
    "Autoencoder": Autoencoder(2, solver="sgd", learning_rate_init=50.0, random_state=0),
}


@pytest.mark.parametrize("name", sorted(DIVERGING))
def test_divergence_with_early_stopping_stops_with_a_warning_and_the_best_parameters(name):
    X, y = regression(n=150)
    X = 10 * X  # unscaled, so that the large step diverges
    args = (X,) if name == "Autoencoder" else (X, y)
    with pytest.raises(DivergenceError):
        clone(DIVERGING[name]).fit(*args)
    model = clone(DIVERGING[name]).set_params(early_stopping=True, max_iter=50)
    with pytest.warns(ConvergenceWarning, match="diverged.*Training stopped there"):
        model.fit(*args)
    assert np.all(np.isfinite(model.network_.params))
    assert np.isnan(model.validation_scores_[-1])  # the diverged epoch, as scikit-learn logs
    assert model.best_validation_score_ == np.nanmax(model.validation_scores_)
    assert np.isfinite(model.score(*args))


def test_grid_search_scores_a_diverging_candidate():
    X, y = regression(n=150)
    grid = GridSearchCV(
        MLPRegressor(
            hidden_layer_sizes=(8,), solver="sgd", early_stopping=True, max_iter=30, random_state=0
        ),
        {"learning_rate_init": [1e-2, 1e3]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(10 * X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores)) and grid.best_params_ == {"learning_rate_init": 1e-2}


def test_fitted_callbacks_are_public():
    X, y = classification()
    user = EarlyStopping(monitor="loss", patience=2)
    model = MLPClassifier(
        (8,), early_stopping=True, max_iter=300, callbacks=[user], random_state=0
    ).fit(X, y)
    *mine, shortcut = model.callbacks_
    assert mine[0] is not user and isinstance(mine[0], EarlyStopping)  # a fitted clone
    assert isinstance(shortcut, EarlyStopping) and shortcut.monitor == "val_score"
    stopped = [c.stopped_epoch_ for c in model.callbacks_ if c.stopped_epoch_ is not None]
    assert min(stopped) == model.n_iter_ - 1


def test_adaptive_learning_rate_is_the_plateau_callback():
    X, y = [[3, 2], [1, 6]], [1, 0]
    model = MLPClassifier(tol=0.5, max_iter=3000, solver="sgd", learning_rate="adaptive")
    model.fit(X, y)
    (plateau,) = [c for c in model.callbacks_ if isinstance(c, ReduceLROnPlateau)]
    assert (plateau.factor, plateau.min_lr, plateau.stop_at_min_lr) == (0.2, 1e-6, True)
    rates = np.array(model.history_["lr"])
    assert model.n_iter_ < 3000 and rates[-1] <= 1e-6
    steps = rates[1:] / rates[:-1]
    assert np.all(np.isclose(steps, 1.0) | np.isclose(steps, 0.2))  # divided by 5 or kept
    assert not any(isinstance(c, ReduceLROnPlateau) for c in MLPClassifier().fit(X, y).callbacks_)


def test_partial_fit_continues_the_state_until_the_settings_change():
    X, y = classification()
    model = MLPClassifier((8,), random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    solver = model.solver_
    model.partial_fit(X, y)
    assert model.solver_ is solver and solver.t_ == 2  # Adam's moments and step count go on
    model.set_params(learning_rate_init=1e-2).partial_fit(X, y)
    assert model.solver_ is not solver and model.history_["lr"] == [1e-3, 1e-3, 1e-2]


@pytest.mark.parametrize(
    "scoring", ["neg_log_loss", lambda est, X, y: -log_loss(y, est.predict_proba(X))]
)
def test_scoring_sets_the_validation_score(scoring):
    X, y = classification(n=200)
    X_val, y_val = classification(seed=1, n=100)
    model = MLPClassifier((8,), max_iter=5, scoring=scoring, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, validation_data=(X_val, y_val))
    expected = -log_loss(y_val, model.predict_proba(X_val))
    assert model.validation_scores_[-1] == pytest.approx(expected)
    # Early stopping watches it: the restored network has the best scored value.
    stopped = MLPClassifier((8,), early_stopping=True, scoring="neg_log_loss", random_state=0)
    stopped.fit(X, y)
    assert all(score <= 0 for score in stopped.validation_scores_)
    with pytest.raises(InvalidParameterError, match="scoring"):
        MLPClassifier(scoring="no such scorer").fit(X, y)


@pytest.mark.parametrize(
    "model",
    [
        MLPRegressor(hidden_layer_sizes=(4,), max_iter=3),
        LinearRegression(solver="sgd", max_iter=3),
        LogisticRegression(solver="sgd", max_iter=3),
        Autoencoder(2, solver="adam", max_iter=3),
    ],
    ids=lambda model: type(model).__name__,
)
def test_every_engine_estimator_takes_scoring(model):
    X, y = classification(n=100)
    X_val, y_val = classification(seed=1, n=50)
    if isinstance(model, Autoencoder):
        scorer, fit_args = (lambda est, X, y=None: 7.0), (X,)
        validation = X_val
    else:
        scorer, fit_args, validation = (lambda est, X, y: 7.0), (X, y), (X_val, y_val)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.set_params(scoring=scorer).fit(*fit_args, validation_data=validation)
    assert model.validation_scores_ == [7.0] * 3


def test_lbfgs_fits_a_multilabel_problem_exactly():
    X, Y = make_multilabel_classification(n_samples=50, random_state=0, return_indicator=True)
    ours = MLPClassifier(solver="lbfgs", hidden_layer_sizes=30, random_state=0).fit(X, Y)
    theirs = SkMLPClassifier(solver="lbfgs", hidden_layer_sizes=30, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(ours.predict_proba(X) > 0.5, Y)
    np.testing.assert_array_equal(ours.predict(X), Y)
    assert ours.loss_ <= theirs.loss_


def test_a_callable_scorer_need_not_take_sample_weight():
    X, y = classification()
    model = MLPClassifier(
        (4,),
        early_stopping=True,
        class_weight="balanced",
        max_iter=5,
        scoring=lambda est, X, y: est.score(X, y),
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=np.ones(len(y)))
    assert len(model.validation_scores_) == model.n_iter_


def test_partial_fit_calls_do_not_end_the_callbacks():
    # An EarlyStopping that restored its best parameters after every call
    # would hold a stalled training in place.
    X, y = load_iris(return_X_y=True)
    stop = EarlyStopping(monitor="loss")
    model = MLPClassifier(
        (5,), solver="sgd", learning_rate_init=0.5, callbacks=[stop], random_state=0
    )
    before, unchanged = None, 0
    for _ in range(30):
        model.partial_fit(X, y, classes=[0, 1, 2])
        unchanged += before is not None and np.array_equal(model.network_.params, before)
        before = model.network_.params.copy()
    assert unchanged == 0


def test_best_validation_score_is_the_last_fits():
    X, y = classification(n=300)
    model = MLPClassifier((16,), early_stopping=True, warm_start=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        first = len(model.validation_scores_)
        model.set_params(max_iter=3).fit(X, y)
    assert len(model.validation_scores_) == first + 3
    assert model.best_validation_score_ == max(model.validation_scores_[first:])


def test_convergence_warnings_point_at_the_caller():
    X, y = classification()
    with pytest.warns(ConvergenceWarning) as record:
        MLPClassifier((4,), max_iter=2).fit(X, y)
    assert record[0].filename == __file__


def test_partial_fit_follows_a_nested_setting_change():
    X, y = classification()
    model = MLPClassifier((8,), solver=Adam(), random_state=0)
    model.partial_fit(X, y, classes=[0, 1, 2])
    solver = model.solver_
    model.set_params(solver__beta_1=0.5).partial_fit(X, y)
    assert model.solver_ is not solver and model.solver_.beta_1 == 0.5


def test_unseen_labels_are_reported_in_scikit_learns_words():
    X, y = classification()
    model = MLPClassifier((4,), random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"^`y` has classes not in `self.classes_`"):
        model.partial_fit(X[:3], [0, 1, 7])
