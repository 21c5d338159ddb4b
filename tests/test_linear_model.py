"""LinearRegression and LogisticRegression against scikit-learn's exact solutions."""

import inspect
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import expit
from sklearn import linear_model as sk
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, validation_curve
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_dl._engine import DivergenceError
from sklearn_dl.callbacks import EarlyStopping
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.optimizers import Adam, LeastSquares, Newton

# -- data ------------------------------------------------------------------------------


def regression_data(n=500, p=8, n_targets=None, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = rng.standard_normal((p,) if n_targets is None else (p, n_targets))
    y = X @ coef + 2.0 + 0.1 * rng.standard_normal((n,) if n_targets is None else (n, n_targets))
    return X, y


def classification_data(n=600, p=6, n_classes=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    scores = X @ rng.standard_normal((p, n_classes)) + rng.standard_normal((n, n_classes))
    return X, scores.argmax(axis=1)


def relative_error(a, b):
    return np.abs(np.asarray(a) - np.asarray(b)).max() / np.abs(b).max()


# -- LinearRegression ----------------------------------------------------------------


def test_default_matches_least_squares():
    X, y = regression_data()
    ours, theirs = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6
    assert ours.intercept_ == pytest.approx(theirs.intercept_, rel=1e-6)
    assert ours.coef_.shape == theirs.coef_.shape


def test_tall_problem_matches_least_squares():
    X, y = regression_data(n=200_000, p=50, seed=1)
    ours, theirs = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6


def test_multi_output_shapes_and_values():
    X, y = regression_data(n_targets=3)
    ours, theirs = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert ours.coef_.shape == (3, X.shape[1]) and ours.intercept_.shape == (3,)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6
    assert ours.predict(X).shape == y.shape


@pytest.mark.parametrize("alpha", [0.1, 10.0, 1000.0])
def test_l2_is_ridge(alpha):
    X, y = regression_data()
    ours = LinearRegression(alpha=alpha).fit(X, y)
    theirs = sk.Ridge(alpha=alpha).fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6


def test_l2_with_sample_weight_is_ridge():
    X, y = regression_data()
    weight = np.random.default_rng(3).uniform(0.1, 3.0, len(y))
    ours = LinearRegression(alpha=5.0).fit(X, y, sample_weight=weight)
    theirs = sk.Ridge(alpha=5.0).fit(X, y, sample_weight=weight)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6


def test_no_intercept():
    X, y = regression_data()
    ours = LinearRegression(fit_intercept=False).fit(X, y)
    theirs = sk.LinearRegression(fit_intercept=False).fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6
    assert ours.intercept_ == 0.0


@pytest.mark.parametrize("solver", ["lbfgs", "cg", "newton-cg"])
def test_full_batch_solvers_reach_least_squares(solver):
    X, y = regression_data()
    ours = LinearRegression(solver=solver, tol=1e-9, max_iter=500).fit(X, y)
    theirs = sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-5


@pytest.mark.parametrize(
    "solver, lr",
    [
        ("sgd", 0.05),
        ("momentum", 0.01),
        ("nesterov", 0.01),
        ("adagrad", 0.5),
        ("adadelta", 1.0),
        ("rmsprop", 0.01),
        ("adam", 0.05),
        ("adamw", 0.05),
    ],
)
def test_stochastic_solvers_approach_least_squares(solver, lr):
    X, y = regression_data()
    ours = LinearRegression(
        solver=solver, learning_rate_init=lr, max_iter=300, random_state=0, alpha=0.0
    )
    if solver == "adamw":
        ours.set_params(solver=get_adamw_without_decay())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
    theirs = sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 3e-2


def get_adamw_without_decay():
    from sklearn_dl.optimizers import AdamW

    return AdamW(weight_decay=0.0)


def test_absolute_error_is_median_regression():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((300, 3))
    y = X @ [1.0, -1.0, 2.0] + rng.standard_t(1.5, 300)  # heavy tails
    ours = LinearRegression(loss="absolute_error", max_iter=2000).fit(X, y)
    theirs = sk.QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=2e-2)


def test_huber_minimises_its_objective():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 3))
    y = X @ [1.0, -1.0, 2.0] + rng.standard_t(1.5, 300)
    delta = 1.35
    ours = LinearRegression(loss="huber", epsilon=delta).fit(X, y)

    def objective(theta):
        r = X @ theta[:3] + theta[3] - y
        a = np.abs(r)
        return np.mean(np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)))

    reference = minimize(
        objective,
        np.zeros(4),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 20000},
    ).x
    np.testing.assert_allclose(ours.coef_, reference[:3], atol=1e-4)
    # and it resists the outliers better than least squares
    ols = sk.LinearRegression().fit(X, y)
    assert np.abs(ours.coef_ - [1, -1, 2]).max() < np.abs(ols.coef_ - [1, -1, 2]).max()


# -- penalties -------------------------------------------------------------------------


def sparse_truth(seed=6):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((400, 20))
    coef = np.zeros(20)
    coef[:4] = [3.0, -2.0, 1.5, 1.0]
    return X, X @ coef + 0.1 * rng.standard_normal(400), coef


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_l1_gives_exact_zeros(solver):
    X, y, coef = sparse_truth()
    n, lasso_alpha = len(y), 0.05
    model = LinearRegression(
        penalty="l1",
        alpha=n * lasso_alpha,
        solver=solver,
        learning_rate_init=0.01,
        max_iter=1000,
        tol=1e-6,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert np.all(model.coef_[4:] == 0.0)
    assert np.all(model.coef_[:4] != 0.0)
    # Lasso minimises RSS / (2n) + a‖w‖₁, ours (½ RSS + alpha‖w‖₁) / n: a = alpha / n.
    lasso = sk.Lasso(alpha=lasso_alpha, tol=1e-10).fit(X, y)
    atol = 1e-5 if solver == "lbfgs" else 2e-2
    np.testing.assert_allclose(model.coef_, lasso.coef_, atol=atol)


def test_elasticnet_matches_scikit_learn():
    X, y, _ = sparse_truth()
    n = len(y)
    ours = LinearRegression(penalty="elasticnet", alpha=n * 0.1, l1_ratio=0.7).fit(X, y)
    # sklearn: 1/(2n) RSS + a·r·|w|₁ + a(1-r)/2·|w|²; ours divided by n with ½ RSS.
    theirs = sk.ElasticNet(alpha=0.1, l1_ratio=0.7, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-5)
    assert np.sum(ours.coef_ == 0) == np.sum(theirs.coef_ == 0)


def test_penalty_none_means_no_penalty():
    X, y = regression_data()
    ours = LinearRegression(penalty=None, alpha=100.0).fit(X, y)
    theirs = sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-6


# -- LogisticRegression ------------------------------------------------------------------


def exact_logistic(X, y, alpha=1.0):
    return sk.LogisticRegression(C=1.0 / alpha, tol=1e-12, max_iter=10_000).fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_default_reaches_scikit_learn_default_optimum(n_classes):
    X, y = classification_data(n=2000, p=10, n_classes=n_classes)
    ours = LogisticRegression().fit(X, y)
    exact = exact_logistic(X, y)
    np.testing.assert_allclose(ours.coef_, exact.coef_, atol=1e-3)
    np.testing.assert_allclose(ours.intercept_, exact.intercept_, atol=1e-3)
    np.testing.assert_allclose(ours.predict_proba(X), exact.predict_proba(X), atol=1e-3)
    assert ours.coef_.shape == exact.coef_.shape
    assert ours.intercept_.shape == exact.intercept_.shape


def test_string_and_non_contiguous_labels():
    X, y = classification_data(n_classes=3)
    labels = np.array(["cat", "dog", "emu"])[y]
    ours = LogisticRegression().fit(X, labels)
    assert list(ours.classes_) == ["cat", "dog", "emu"]
    assert set(ours.predict(X)) <= set(labels)
    numbers = np.array([-7, 3, 40])[y]
    model = LogisticRegression().fit(X, numbers)
    np.testing.assert_array_equal(model.classes_, [-7, 3, 40])
    theirs = exact_logistic(X, numbers)
    np.testing.assert_array_equal(model.predict(X), theirs.predict(X))


def test_log_proba_and_decision_function_agree():
    for n_classes in (2, 4):
        X, y = classification_data(n_classes=n_classes)
        model = LogisticRegression().fit(X, y)
        np.testing.assert_allclose(
            np.exp(model.predict_log_proba(X)), model.predict_proba(X), rtol=1e-10
        )
        np.testing.assert_allclose(model.predict_proba(X).sum(axis=1), 1.0)
        scores = model.decision_function(X)
        expected_shape = (len(X),) if n_classes == 2 else (len(X), n_classes)
        assert scores.shape == expected_shape


def test_log_proba_is_finite_for_huge_logits():
    X, y = classification_data()
    model = LogisticRegression(C=1e8, max_iter=50).fit(X * 1e3, y)
    log_proba = model.predict_log_proba(X * 1e6)
    assert np.all(np.isfinite(log_proba))


def test_class_weight_shifts_the_decision():
    X, y = classification_data(n=1000)
    plain = LogisticRegression().fit(X, y)
    weighted = LogisticRegression(class_weight={0: 1.0, 1: 20.0}).fit(X, y)
    assert np.mean(weighted.predict(X) == 1) > np.mean(plain.predict(X) == 1) + 0.05
    balanced = LogisticRegression(class_weight="balanced").fit(X, y)
    theirs = sk.LogisticRegression(class_weight="balanced", tol=1e-12, max_iter=5000).fit(X, y)
    np.testing.assert_allclose(balanced.coef_, theirs.coef_, atol=1e-3)


def test_integer_sample_weight_equals_repeated_rows():
    X, y = classification_data(n=300, n_classes=3)
    weight = np.random.default_rng(7).integers(0, 4, len(y))
    weighted = LogisticRegression().fit(X, y, sample_weight=weight)
    repeated = LogisticRegression().fit(np.repeat(X, weight, axis=0), np.repeat(y, weight))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-5)
    # and the weights matter
    unweighted = LogisticRegression().fit(X, y)
    assert np.abs(unweighted.coef_ - weighted.coef_).max() > 1e-2


def test_single_class_is_a_clear_error():
    X = np.random.default_rng(0).standard_normal((10, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(X, np.zeros(10))


# -- partial_fit, warm_start, early stopping ------------------------------------------


def test_partial_fit_only_for_stochastic_solvers():
    assert not hasattr(LogisticRegression(solver="lbfgs"), "partial_fit")
    assert hasattr(LogisticRegression(solver="sgd"), "partial_fit")


def test_partial_fit_learns_and_checks_labels():
    X, y = classification_data(n=1000, n_classes=3)
    model = LogisticRegression(solver="adam", learning_rate_init=0.05, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        model.partial_fit(X[:100], y[:100])
    scores = []
    for start in range(0, 1000, 100):
        model.partial_fit(X[start : start + 100], y[start : start + 100], classes=[0, 1, 2])
        scores.append(model.score(X, y))
    best = exact_logistic(X, y).score(X, y)
    assert scores[-1] > scores[0] and scores[-1] > best - 0.03
    assert model.n_iter_ == 1 and model.t_ == 1000
    with pytest.raises(ValueError, match="not among the classes"):
        model.partial_fit(X[:5], np.array([0, 1, 2, 3, 3]))


def test_partial_fit_equals_one_epoch_of_fit():
    X, y = regression_data(n=200)
    kwargs = dict(solver="sgd", batch_size=20, shuffle=False, learning_rate_init=0.01)
    one_epoch = LinearRegression(max_iter=1, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        one_epoch.fit(X, y)
    incremental = LinearRegression(**kwargs).partial_fit(X, y)
    np.testing.assert_allclose(incremental.coef_, one_epoch.coef_, rtol=1e-12)


def test_warm_start_continues_from_previous_solution():
    X, y = regression_data()
    kwargs = dict(solver="sgd", max_iter=3, learning_rate_init=0.001, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        cold = LinearRegression(**kwargs).fit(X, y)
        warm = LinearRegression(warm_start=True, **kwargs).fit(X, y)
        first_loss = warm.loss_curve_[-1]
        warm.fit(X, y)
        cold.fit(X, y)
    assert warm.loss_curve_[-1] < first_loss
    assert len(warm.loss_curve_) == 6 and len(cold.loss_curve_) == 3
    assert warm.loss_curve_[-1] < cold.loss_curve_[-1]


def test_early_stopping_keeps_best_weights_and_scores():
    X, y = classification_data(n=800)
    model = LogisticRegression(
        solver="sgd", early_stopping=True, n_iter_no_change=3, max_iter=200, random_state=0
    ).fit(X, y)
    assert model.n_iter_ < 200
    assert len(model.validation_scores_) == model.n_iter_
    assert model.best_validation_score_ == max(model.validation_scores_)
    assert "val_loss" in model.history_


def test_user_callback_object_is_not_mutated():
    X, y = classification_data(n=400)
    callback = EarlyStopping(monitor="loss", patience=2)
    model = LogisticRegression(solver="adam", callbacks=[callback], max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert not hasattr(callback, "best_")


# -- dtypes, sparse, pandas, pickling, reproducibility -------------------------------------


def test_float32_kept():
    X, y = regression_data()
    model = LinearRegression().fit(X.astype(np.float32), y.astype(np.float32))
    assert model.coef_.dtype == np.float32
    assert model.predict(X.astype(np.float32)).dtype == np.float32
    reference = LinearRegression().fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-3)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_matches_dense(fmt):
    X, y = classification_data(n_classes=3)
    X[np.abs(X) < 0.8] = 0.0
    dense = LogisticRegression().fit(X, y)
    sparse = LogisticRegression().fit(sp.csr_matrix(X).asformat(fmt), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sparse.predict_proba(sp.csr_matrix(X)), dense.predict_proba(X))


def test_pandas_feature_names():
    pd = pytest.importorskip("pandas")
    X, y = regression_data()
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = LinearRegression().fit(frame, pd.Series(y))
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)
    with pytest.warns(UserWarning, match="feature names"):
        model.predict(X)


def test_pickle_round_trip_keeps_predictions_and_warm_start():
    X, y = classification_data(n_classes=3)
    model = LogisticRegression(solver="adam", random_state=0, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # The layers still view the flat vector after loading.
    loaded.partial_fit(X, y)
    assert not np.array_equal(loaded.predict_proba(X), model.predict_proba(X))
    layer = loaded.network_.dense_layers()[0]
    assert np.shares_memory(layer.W_, loaded.network_.params)


def test_same_random_state_same_model():
    X, y = classification_data()
    make = lambda: LogisticRegression(solver="sgd", random_state=3, max_iter=20)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a, b = make().fit(X, y), clone(make()).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)


def test_fit_leaves_global_random_state_alone():
    X, y = classification_data()
    state = np.random.get_state()[1].copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        LogisticRegression(solver="sgd", max_iter=3).fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# -- parameters, warnings, errors ------------------------------------------------------


def test_nested_solver_parameters_in_grid_search():
    X, y = classification_data(n=300)
    grid = GridSearchCV(
        LogisticRegression(solver=Adam(), max_iter=30, random_state=0),
        {"solver__beta_1": [0.5, 0.9], "C": [10.0, 1.0]},
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        grid.fit(X, y)
    assert grid.best_params_["solver__beta_1"] in (0.5, 0.9)
    assert grid.best_estimator_.solver_.beta_1 == grid.best_params_["solver__beta_1"]


def test_convergence_warning_on_max_iter():
    X, y = classification_data()
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        LogisticRegression(max_iter=2).fit(X, y)


def test_divergence_is_a_clear_error_and_no_nan_model():
    X, y = regression_data()
    model = LinearRegression(solver="sgd", learning_rate_init=10.0, max_iter=50)
    with pytest.raises(DivergenceError, match="learning rate"):
        model.fit(X * 100, y)
    assert np.all(np.isfinite(model.network_.params))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"solver": "adamm"}, "solver"),
        ({"learning_rate_init": -1.0}, "learning_rate_init"),
        ({"batch_size": 0}, "batch_size"),
        ({"penalty": "l3"}, "penalty"),
        ({"alpha": -1.0}, "alpha"),
        ({"loss": "hinge"}, "loss"),
    ],
)
def test_bad_parameters_name_the_problem(params, match):
    X, y = regression_data(n=20)
    with pytest.raises(InvalidParameterError, match=match):
        LinearRegression(**params).fit(X, y)


def test_l1_with_a_solver_that_cannot_handle_it():
    X, y = regression_data(n=50)
    with pytest.raises(ValueError, match="L1 part"):
        LinearRegression(penalty="l1", alpha=1.0, solver="cg").fit(X, y)


def test_nan_input_is_a_clear_error():
    X, y = regression_data(n=20)
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        LinearRegression().fit(X, y)


def test_elasticnet_on_raw_targets_matches_scikit_learn():
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    n = len(y)
    ours = LinearRegression(penalty="elasticnet", alpha=2.42 * n, l1_ratio=0.5).fit(X, y)
    theirs = sk.ElasticNet(alpha=2.42, l1_ratio=0.5, tol=1e-12, max_iter=100_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, atol=1e-6)


def test_newton_cg_needs_one_gradient_per_hessian_product(monkeypatch):
    from sklearn.datasets import load_digits

    from sklearn_dl._engine.objective import Objective

    calls = []
    original = Objective.gradient
    counted = lambda self, *a: calls.append(1) or original(self, *a)  # noqa: E731
    monkeypatch.setattr(Objective, "gradient", counted)
    X, y = load_digits(return_X_y=True)
    model = LogisticRegression(solver="newton-cg", max_iter=30).fit(X / 16, y)
    assert model.score(X / 16, y) > 0.95
    # A finite-difference Hessian would cost one gradient per parameter (650) per step.
    assert len(calls) < 40 * model.n_iter_


@pytest.mark.parametrize("solver", ["sgd", "momentum", "nesterov"])
def test_auto_learning_rate_keeps_sgd_stable_on_unscaled_data(solver):
    # Features near 100: a fixed step of 0.01 diverges; 1 / L cannot.
    X, y = regression_data(n=300, p=4)
    X = 100 + 10 * X
    model = LinearRegression(solver=solver, max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    squared_norm = np.max(np.einsum("ij,ij->i", X, X))
    assert model.learning_rate_init_ == pytest.approx(1 / (squared_norm + 1))
    # Stable, and learning despite the poor conditioning the offset causes.
    assert np.all(np.isfinite(model.coef_)) and model.score(X, y) > 0.8
    with pytest.raises(DivergenceError):
        LinearRegression(solver=solver, learning_rate_init=0.01, max_iter=50).fit(X, y)


def test_auto_learning_rate_for_adaptive_solvers_and_classifiers():
    X, y = classification_data()
    assert LogisticRegression(solver="adam", max_iter=2).fit(X, y).learning_rate_init_ == 0.01
    model = LogisticRegression(solver="sgd", max_iter=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    largest = np.max(np.einsum("ij,ij->i", X, X))
    assert model.learning_rate_init_ == pytest.approx(1 / (0.25 * (largest + 1) + 1.0 / len(X)))


# -- regressions found in review ----------------------------------------------------


def test_warm_start_restarts_the_schedule():
    X, y = regression_data()
    model = LinearRegression(
        solver="sgd",
        learning_rate="cosine",
        max_iter=5,
        warm_start=True,
        tol=0,
        n_iter_no_change=100,
        learning_rate_init=0.01,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
        model.fit(X, y)
    np.testing.assert_allclose(model.history_["lr"][5:], model.history_["lr"][:5])
    assert model.history_["lr"][5] == 0.01


def test_partial_fit_continues_the_schedule():
    X, y = regression_data()
    model = LinearRegression(solver="sgd", learning_rate="exponential", learning_rate_init=0.01)
    for _ in range(3):
        model.partial_fit(X, y)
    np.testing.assert_allclose(model.history_["lr"], [0.01, 0.0095, 0.009025])


def test_warm_start_uses_a_changed_loss():
    X, y = regression_data()
    model = LinearRegression(warm_start=True).fit(X, y)
    model.set_params(loss="absolute_error").fit(X, y)
    assert type(model.loss_function_).__name__ == "AbsoluteError"


def test_warm_start_after_dropping_the_intercept_is_a_clear_error():
    X, y = regression_data()
    model = LinearRegression(warm_start=True).fit(X, y + 3.0)
    with pytest.raises(ValueError, match="other shapes"):
        model.set_params(fit_intercept=False).fit(X, y)
    assert model.set_params(warm_start=False).fit(X, y).intercept_ == 0.0


def test_auto_learning_rate_scales_the_penalty_by_the_total_weight():
    X, y = regression_data(n=100)
    weight = np.full(100, 1e-3)
    model = LinearRegression(solver="sgd", alpha=1000.0, max_iter=20)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y, sample_weight=weight)
    assert np.all(np.isfinite(model.coef_))


def test_validation_with_zero_total_weight_is_a_clear_error():
    X, y = classification_data(n=100)
    weight = np.r_[np.ones(10), np.zeros(90)]
    model = LogisticRegression(solver="sgd", max_iter=3)
    with pytest.raises(ValueError, match="non-zero"):
        model.fit(X, y, validation_data=(X, y, np.zeros(len(y))))
    with pytest.raises(ValueError, match="validation_fraction"):
        model.set_params(early_stopping=True, random_state=0).fit(X, y, sample_weight=weight)


def test_validation_loss_is_the_training_objective_on_the_same_data():
    X, y = regression_data()
    model = LinearRegression(alpha=50.0, max_iter=20)
    model.fit(X, y, validation_data=(np.vstack([X, X]), np.concatenate([y, y])))
    assert model.history_["val_loss"][-1] == pytest.approx(model.history_["loss"][-1], rel=1e-9)


def test_balanced_class_weight_is_refused_by_partial_fit():
    X, y = classification_data(n=100)
    model = LogisticRegression(solver="sgd", class_weight="balanced")
    with pytest.raises(ValueError, match="compute_class_weight"):
        model.partial_fit(X, y, classes=[0, 1])
    LogisticRegression(solver="sgd", class_weight={0: 1.0, 1: 2.0}).partial_fit(
        X, y, classes=[0, 1]
    )


# -- scikit-learn's parameters and meanings ------------------------------------------------


@pytest.mark.parametrize(
    "ours, theirs, ours_differ",
    [
        (LinearRegression, sk.LinearRegression, set()),
        # Listed with their reasons in the user guide.
        (LogisticRegression, sk.LogisticRegression, {"tol", "solver", "max_iter"}),
    ],
)
def test_scikit_learn_parameters_come_first_with_their_defaults(ours, theirs, ours_differ):
    mine = list(inspect.signature(ours).parameters.values())
    expected = list(inspect.signature(theirs).parameters.values())
    assert [p.name for p in mine[: len(expected)]] == [p.name for p in expected]
    assert [p.kind for p in mine[: len(expected)]] == [p.kind for p in expected]
    for got, want in zip(mine, expected, strict=False):
        if got.name not in ours_differ:
            assert got.default == want.default, got.name


def test_logistic_regression_has_one_spelling_of_the_strength():
    assert "alpha" not in LogisticRegression().get_params()
    with pytest.raises(TypeError, match="alpha"):
        LogisticRegression(alpha=1.0)


def test_c_is_the_inverse_of_the_strength():
    X, y = classification_data(n=400)
    for C in (0.01, 1.0, 100.0, np.inf):
        ours = LogisticRegression(C=C).fit(X, y)
        exact = sk.LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000)
        exact.fit(X, y)
        assert relative_error(coefficients(ours), coefficients(exact)) < 1e-6, C


def test_l1_ratio_alone_selects_the_l1_model():
    X, y = load_standardised("breast_cancer")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation: l1_ratio is the new spelling
        lasso = LogisticRegression(l1_ratio=1, C=0.1).fit(X, y)
        mixed = LogisticRegression(l1_ratio=0.5, C=0.1).fit(X, y)
        ridge = LogisticRegression(C=0.1).fit(X, y)
    zeros = [np.sum(m.coef_ == 0) for m in (lasso, mixed, ridge)]
    assert zeros[0] >= X.shape[1] // 2 and zeros[0] > zeros[1] > zeros[2] == 0
    assert lasso.score(X, y) > 0.9


# (penalty, l1_ratio, C) as scikit-learn 1.9 takes them, and the same problem
# in the spellings that replace them.
DEPRECATED_SPELLINGS = [
    (("l2", 0.0, 0.5), {"C": 0.5}),
    (("l1", 1.0, 0.5), {"C": 0.5, "l1_ratio": 1.0}),
    (("l1", 0.0, 0.5), {"C": 0.5, "l1_ratio": 1.0}),  # inconsistent: penalty wins
    (("l2", 0.3, 0.5), {"C": 0.5}),  # l1_ratio ignored, with a warning
    (("elasticnet", 0.3, 0.5), {"C": 0.5, "l1_ratio": 0.3}),
    ((None, 0.0, 1.0), {"C": np.inf}),
    ((None, 0.0, 5.0), {"C": np.inf}),  # C ignored, with a warning
    (("deprecated", None, 0.5), {"C": 0.5}),  # l1_ratio=None: deprecated, means 0
]


def warning_categories(record):
    kinds = [w.category for w in record if not issubclass(w.category, ConvergenceWarning)]
    return sorted(kind.__name__ for kind in kinds)


@pytest.mark.parametrize("old, new", DEPRECATED_SPELLINGS)
def test_deprecated_penalty_names_work_and_warn_as_in_scikit_learn(old, new):
    penalty, l1_ratio, C = old
    X, y = classification_data(n=300)
    with warnings.catch_warnings(record=True) as ours_warned:
        warnings.simplefilter("always")
        ours = LogisticRegression(penalty, l1_ratio=l1_ratio, C=C).fit(X, y)
    with warnings.catch_warnings(record=True) as theirs_warned:
        warnings.simplefilter("always")
        solver = "saga" if penalty in ("l1", "elasticnet") else "lbfgs"
        sk.LogisticRegression(penalty, l1_ratio=l1_ratio, C=C, solver=solver).fit(X, y)
    assert warning_categories(ours_warned) == warning_categories(theirs_warned)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        replacement = LogisticRegression(**new).fit(X, y)
    np.testing.assert_array_equal(ours.coef_, replacement.coef_)


def test_elasticnet_without_l1_ratio_is_an_error():
    X, y = classification_data(n=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.raises(ValueError, match="l1_ratio must be specified"):
            LogisticRegression("elasticnet", l1_ratio=None).fit(X, y)


@pytest.mark.parametrize(
    "name, method",
    [
        ("lbfgs", "LBFGS"),
        ("newton-cg", "NewtonCG"),
        ("newton-cholesky", "Newton"),
        ("sag", "LBFGS"),
        ("saga", "LBFGS"),
        ("liblinear", "LBFGS"),
    ],
)
def test_scikit_learn_solver_names_reach_the_same_optimum(name, method):
    X, y = classification_data(n=400, n_classes=3 if name != "liblinear" else 2)
    model = LogisticRegression(solver=name, tol=1e-10).fit(X, y)
    assert type(model.solver_).__name__ == method
    exact = sk.LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    assert relative_error(coefficients(model), coefficients(exact)) < 1e-6
    assert not hasattr(model, "partial_fit")


SOLVERS_FOR_L1 = ["auto", "lbfgs", "saga", "liblinear"]


def test_solvers_that_handle_l1_reach_the_same_sparse_optimum():
    X, y = classification_data(n=300)
    models = [LogisticRegression(l1_ratio=1, C=0.05, solver=s).fit(X, y) for s in SOLVERS_FOR_L1]
    for model in models[1:]:
        np.testing.assert_array_equal(model.coef_ == 0, models[0].coef_ == 0)
        np.testing.assert_allclose(model.coef_, models[0].coef_, atol=1e-8)
    with pytest.raises(ValueError, match="L1 part"):
        LogisticRegression(l1_ratio=1, solver="newton-cholesky").fit(X, y)


def test_dual_is_liblinear_only_as_in_scikit_learn():
    X, y = classification_data(n=200)
    with pytest.raises(ValueError, match="Solver lbfgs supports only dual=False, got dual=True"):
        LogisticRegression(dual=True, solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match="dual=False"):
        LogisticRegression(dual=True).fit(X, y)
    with pytest.raises(ValueError, match="dual=True"):
        LogisticRegression(dual=True, solver="liblinear", l1_ratio=1).fit(X, y)
    dual = LogisticRegression(dual=True, solver="liblinear").fit(X, y)
    primal = LogisticRegression(solver="liblinear").fit(X, y)
    np.testing.assert_array_equal(dual.coef_, primal.coef_)


def test_settings_without_effect_are_accepted():
    X, y = classification_data(n=200)
    plain = LogisticRegression().fit(X, y)
    scaled = LogisticRegression(intercept_scaling=10.0).fit(X, y)
    np.testing.assert_array_equal(scaled.coef_, plain.coef_)
    with pytest.warns(FutureWarning, match="n_jobs"):
        jobs = LogisticRegression(n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(jobs.coef_, plain.coef_)
    X, y = regression_data(n=100)
    reference = LinearRegression().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        other = LinearRegression(copy_X=False, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(other.coef_, reference.coef_)


def test_grid_search_and_validation_curve_over_c():
    X, y = load_standardised("breast_cancer")
    grid = {"C": [0.01, 0.1, 1.0, 10.0]}
    ours = GridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)
    exact = sk.LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000)
    theirs = GridSearchCV(exact, grid, cv=3).fit(X, y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    assert ours.best_params_ == theirs.best_params_
    train, test = validation_curve(
        LogisticRegression(), X, y, param_name="C", param_range=grid["C"]
    )
    train_sk, test_sk = validation_curve(exact, X, y, param_name="C", param_range=grid["C"])
    np.testing.assert_allclose(train, train_sk)
    np.testing.assert_allclose(test, test_sk)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_fitted_attributes_are_scikit_learns(dtype, n_classes):
    X, y = classification_data(n=200, n_classes=n_classes)
    X = X.astype(dtype)
    ours, theirs = LogisticRegression().fit(X, y), sk.LogisticRegression().fit(X, y)
    for name in ("coef_", "intercept_", "n_iter_", "classes_"):
        got, want = getattr(ours, name), getattr(theirs, name)
        assert (type(got), got.shape, got.dtype) == (type(want), want.shape, want.dtype), name
    X, y = regression_data(n=100, n_targets=None if n_classes == 2 else 2)
    X, y = X.astype(dtype), y.astype(dtype)
    ours, theirs = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    for name in ("coef_", "intercept_"):
        got, want = np.asarray(getattr(ours, name)), np.asarray(getattr(theirs, name))
        assert (got.shape, got.dtype) == (want.shape, want.dtype), name
    assert ours.rank_ == theirs.rank_
    np.testing.assert_allclose(ours.singular_, theirs.singular_, rtol=1e-5)
    ours, theirs = (
        model(fit_intercept=False).fit(X, y) for model in (LinearRegression, sk.LinearRegression)
    )
    assert type(ours.intercept_) is type(theirs.intercept_) and ours.intercept_ == 0.0


# -- solver="auto": full batch in fit, mini-batch in partial_fit ------------------------


def test_auto_solver_is_full_batch_in_fit_and_mini_batch_in_partial_fit():
    X, y = classification_data(n=200)
    assert LogisticRegression().solver == LinearRegression().solver == "auto"
    # Newton for small logistic problems, L-BFGS above 64 parameters, a Hessian
    # of 2**21 multiply-adds, or with L1.
    assert type(LogisticRegression().fit(X, y).solver_).__name__ == "Newton"
    wide = np.hstack([X] * (64 // X.shape[1] + 1))
    assert type(LogisticRegression().fit(wide, y).solver_).__name__ == "LBFGS"
    d = X.shape[1] + 1
    long = np.vstack([X] * (2**21 // (d * d * X.shape[0]) + 1))
    long_y = np.concatenate([y] * (long.shape[0] // X.shape[0]))
    assert type(LogisticRegression().fit(long, long_y).solver_).__name__ == "LBFGS"
    assert type(LogisticRegression(l1_ratio=1).fit(X, y).solver_).__name__ == "LBFGS"
    incremental = LogisticRegression().partial_fit(X, y, classes=[0, 1])
    assert incremental.solver_.full_batch is False and incremental.solver_.nesterov
    X, y = regression_data(n=200)
    exact = LinearRegression().fit(X, y)
    assert type(exact.solver_).__name__ == "Newton" and exact.n_iter_ == 1
    assert type(LinearRegression(loss="huber").fit(X, y).solver_).__name__ == "LBFGS"
    assert type(LinearRegression(penalty="l1", alpha=1.0).fit(X, y).solver_).__name__ == "LBFGS"
    assert not LinearRegression().partial_fit(X, y).solver_.full_batch
    stopped = LinearRegression(early_stopping=True, random_state=0).fit(X, y)
    assert not stopped.solver_.full_batch


def test_partial_fit_reaches_the_accuracy_of_fit_in_a_few_passes():
    X, y = load_standardised("breast_cancer")
    best = LogisticRegression().fit(X, y).score(X, y)
    model = LogisticRegression(random_state=0)
    for _ in range(20):
        for start in range(0, len(y), 50):
            model.partial_fit(X[start : start + 50], y[start : start + 50], classes=[0, 1])
    assert model.score(X, y) > best - 0.01


@pytest.mark.parametrize(
    "solver", ["lbfgs", "newton-cholesky", "newton-cg", "sag", "saga", "liblinear", "newton"]
)
def test_explicit_full_batch_solvers_refuse_partial_fit(solver):
    from sklearn_dl.streaming import partial_fit_blocks

    model = LogisticRegression(solver=solver)
    assert not hasattr(model, "partial_fit")
    X, y = classification_data(n=20)
    with pytest.raises(TypeError, match="mini-batch solver"):
        partial_fit_blocks(model, X, y, classes=[0, 1])


def test_incremental_wraps_the_default_estimator():
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = load_standardised("breast_cancer")
    chunks = 100
    incremental = wrappers.Incremental(LogisticRegression(random_state=0), shuffle_blocks=False)
    incremental.fit(
        da.from_array(X, chunks=(chunks, X.shape[1])),
        da.from_array(y, chunks=chunks),
        classes=[0, 1],
    )
    loop = LogisticRegression(random_state=0)
    for start in range(0, len(y), chunks):
        loop.partial_fit(X[start : start + chunks], y[start : start + chunks], classes=[0, 1])
    np.testing.assert_array_equal(incremental.estimator_.coef_, loop.coef_)
    assert incremental.estimator_.score(X, y) > 0.9


# -- LinearRegression: exact least squares, whatever the conditioning -------------------


def polynomial_problem():
    x = np.linspace(0, 1, 30)[:, None]
    y = np.sin(6 * x[:, 0]) + 0.1 * np.random.default_rng(8).standard_normal(30)
    return PolynomialFeatures(15).fit_transform(x), y


def test_ill_conditioned_polynomial_reaches_scikit_learns_training_error():
    X, y = polynomial_problem()  # condition number of X near 1e11
    for tol in (np.finfo(float).eps, 1e-6):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no ConvergenceWarning
            ours = LinearRegression(tol=tol).fit(X, y)
        theirs = sk.LinearRegression(tol=tol).fit(X, y)
        ours_error = np.mean((ours.predict(X) - y) ** 2)
        theirs_error = np.mean((theirs.predict(X) - y) ** 2)
        assert ours_error <= theirs_error * (1 + 1e-6), tol
        assert ours.n_iter_ == 1


def test_rank_deficient_least_squares_gives_the_minimum_norm_weights():
    X, y = regression_data(n=50, p=3)
    X = np.hstack([X, X[:, :1], np.ones((50, 1))])  # a repeated and a constant column
    ours, theirs = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-10
    assert ours.coef_[0] == pytest.approx(ours.coef_[3]) and ours.coef_[4] == pytest.approx(0)
    assert ours.rank_ == theirs.rank_ == 3


@pytest.mark.parametrize("spread", [1e-2, 1e-7])
def test_normal_equations_only_where_they_are_exact(spread):
    """Cholesky on XᵀX for well-conditioned X, the SVD where XᵀX would lose digits."""
    X, y = regression_data(n=300, p=4)
    X[:, 3] = X[:, 2] + spread * X[:, 3]  # κ(X) about 1e2 or 1e7
    ours, theirs = LinearRegression().fit(X, y), sk.LinearRegression().fit(X, y)
    assert relative_error(ours.coef_, theirs.coef_) < 1e-8
    assert ours.rank_ == theirs.rank_
    np.testing.assert_allclose(ours.singular_, theirs.singular_, rtol=1e-8)
    G = np.cov(X, rowvar=False)
    assert (np.linalg.cond(G) < 1e8) == (spread == 1e-2)  # the two paths are both taken


def test_positive_keeps_the_weights_non_negative_exactly():
    X, y = regression_data(n=200, p=6, n_targets=2)
    y -= 3 * X[:, :1]  # the first weights want to be negative
    ours = LinearRegression(positive=True).fit(X, y)
    theirs = sk.LinearRegression(positive=True).fit(X, y)
    assert np.all(ours.coef_ >= 0) and np.sum(ours.coef_ == 0) >= 2
    assert relative_error(ours.coef_, theirs.coef_) < 1e-10
    bounded = LinearRegression(positive=True, solver="lbfgs", tol=1e-10).fit(X, y)
    assert np.all(bounded.coef_ >= 0)
    np.testing.assert_allclose(bounded.coef_, theirs.coef_, atol=1e-6)
    lasso = LinearRegression(positive=True, penalty="l1", alpha=5.0).fit(X, y)
    reference = sk.Lasso(alpha=5.0 / len(X), positive=True, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(lasso.coef_, reference.fit(X, y).coef_, atol=1e-6)
    with pytest.raises(ValueError, match="positive=True needs a solver"):
        LinearRegression(positive=True, solver="sgd").fit(X, y)
    with pytest.raises(ValueError, match="partial_fit"):
        LinearRegression(positive=True).partial_fit(X, y)


def test_newton_needs_a_loss_with_second_derivatives():
    X, y = regression_data(n=50)
    with pytest.raises(ValueError, match="second derivatives"):
        LinearRegression(loss="huber", solver="newton").fit(X, y)


# -- the table: scikit-learn constructions, the same fitted coefficients --------------------


def load_standardised(name):
    from sklearn import datasets

    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def coefficients(model):
    """``[coef_, intercept_]``; multinomial intercepts centred (they are unique up to a shift)."""
    coef = np.atleast_2d(model.coef_)
    W = np.column_stack([coef, np.broadcast_to(model.intercept_, len(coef))])
    if isinstance(model, sk.LogisticRegression | LogisticRegression) and len(W) > 2:
        W[:, -1] -= W[:, -1].mean()
    return W


def classification_problem(name):
    if name in ("breast_cancer", "wine"):
        return load_standardised(name)
    return classification_data(n=300, p=5, n_classes=3 if name == "three" else 2, seed=2)


WEIGHTS = np.random.default_rng(9).uniform(0.2, 3.0, 300)

# (data, settings written for scikit-learn, sample weights?)
LOGISTIC_TABLE = [
    ("two", {}, False),
    ("three", {}, False),
    ("breast_cancer", {}, False),
    ("wine", {}, False),
    ("two", {"C": 0.01}, False),
    ("two", {"C": 100.0}, False),
    ("three", {"C": 0.1}, True),
    ("two", {"C": np.inf}, False),
    ("two", {"fit_intercept": False}, False),
    ("three", {"class_weight": "balanced"}, False),
    ("two", {"class_weight": {0: 1.0, 1: 3.0}}, True),
    ("two", {"l1_ratio": 0.0, "solver": "saga"}, False),
    ("two", {"l1_ratio": 0.5, "solver": "saga"}, True),
    ("two", {"l1_ratio": 1.0, "solver": "saga"}, False),
    ("three", {"l1_ratio": 1.0, "solver": "saga", "C": 0.5}, False),
    ("three", {"solver": "newton-cholesky"}, False),
    ("three", {"solver": "newton-cg", "C": 10.0}, False),
    ("two", {"solver": "sag"}, False),
    ("two", {"solver": "liblinear", "C": 0.1}, True),
]


def tight_logistic(settings):
    """scikit-learn's LogisticRegression solved to the rounding floor."""
    settings = dict(settings)
    if settings.get("solver") != "saga":
        settings["solver"] = "newton-cholesky"  # its exact Hessian converges fully
    return sk.LogisticRegression(**settings, tol=1e-12, max_iter=100_000)


@pytest.mark.parametrize("data, settings, weighted", LOGISTIC_TABLE)
def test_logistic_table_matches_scikit_learn(data, settings, weighted):
    # scikit-learn's default tol=1e-4 leaves errors up to ~1e-2 in the
    # coefficients, so both are compared with its fit to the rounding floor.
    X, y = classification_problem(data)
    weight = WEIGHTS[: len(y)] if weighted else None
    ours = LogisticRegression(**settings).fit(X, y, sample_weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        exact = tight_logistic(settings).fit(X, y, sample_weight=weight)
        default = sk.LogisticRegression(**settings).fit(X, y, sample_weight=weight)
    assert relative_error(coefficients(ours), coefficients(exact)) < 1e-4
    assert relative_error(coefficients(ours), coefficients(exact)) <= max(
        relative_error(coefficients(default), coefficients(exact)), 1e-6
    )
    np.testing.assert_array_equal(ours.coef_ == 0, exact.coef_ == 0)


@pytest.mark.parametrize(
    "grid",
    [{"C": [0.01, 1.0, 100.0]}, {"l1_ratio": [0.0, 0.5, 1.0], "solver": ["saga"]}],
)
def test_logistic_grid_search_picks_what_scikit_learn_picks(grid):
    X, y = classification_problem("two")
    ours = GridSearchCV(LogisticRegression(), grid, cv=3).fit(X, y)
    theirs = GridSearchCV(tight_logistic({"solver": grid.get("solver", [None])[0]}), grid, cv=3)
    theirs.fit(X, y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    best, exact = ours.best_estimator_, theirs.best_estimator_
    assert relative_error(coefficients(best), coefficients(exact)) < 1e-4


def linear_problem(kind):
    X, y = regression_data(n=200, p=6, n_targets=3 if kind == "multi" else None, seed=4)
    if kind == "sparse":
        X[np.abs(X) < 0.7] = 0.0
        return sp.csr_matrix(X), y
    return X, y


# (data, settings written for scikit-learn, sample weights?)
LINEAR_TABLE = [
    ("dense", {}, False),
    ("dense", {"fit_intercept": False}, False),
    ("dense", {}, True),
    ("multi", {}, False),
    ("multi", {"fit_intercept": False}, True),
    ("dense", {"positive": True}, False),
    ("multi", {"positive": True}, True),
    ("multi", {"positive": True, "fit_intercept": False}, False),
    ("sparse", {}, False),
    ("sparse", {"fit_intercept": False}, True),
    ("sparse", {"tol": 1e-10}, True),
    ("dense", {"tol": 1e-2}, False),
]


@pytest.mark.parametrize("data, settings, weighted", LINEAR_TABLE)
def test_linear_table_matches_scikit_learn(data, settings, weighted):
    X, y = linear_problem(data)
    weight = WEIGHTS[: X.shape[0]] if weighted else None
    ours = LinearRegression(**settings).fit(X, y, sample_weight=weight)
    theirs = sk.LinearRegression(**settings).fit(X, y, sample_weight=weight)
    assert relative_error(coefficients(ours), coefficients(theirs)) < 1e-6


@pytest.mark.parametrize("alpha", [0.1, 10.0])
@pytest.mark.parametrize("data", ["dense", "multi", "sparse"])
def test_ridge_is_exact_whatever_the_data(alpha, data):
    X, y = linear_problem(data)
    ours = LinearRegression(alpha=alpha).fit(X, y, sample_weight=WEIGHTS[: X.shape[0]])
    theirs = sk.Ridge(alpha=alpha, tol=1e-12).fit(X, y, sample_weight=WEIGHTS[: X.shape[0]])
    assert type(ours.solver_).__name__ == "Newton"
    assert relative_error(coefficients(ours), coefficients(theirs)) < 1e-6


def test_linear_grid_search_over_scikit_learn_parameters():
    X, y = polynomial_problem()
    grid = {"fit_intercept": [True, False], "positive": [False, True]}
    ours = GridSearchCV(LinearRegression(), grid, cv=3).fit(X, y)
    theirs = GridSearchCV(sk.LinearRegression(), grid, cv=3).fit(X, y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"], rtol=1e-6
    )
    assert ours.best_params_ == theirs.best_params_


# -- the parts: Newton's method, the Hessian, the curvature of the losses ------------------


def test_least_squares_problem_solves_exactly():
    rng = np.random.default_rng(10)
    X = rng.standard_normal((40, 4))
    X = np.hstack([X, X[:, :2] + X[:, 2:]])  # rank 4 of 6
    Y = rng.standard_normal((40, 2))
    theta, converged = LeastSquares(X, Y, intercept=False).solve(tol=1e-12)
    assert converged
    np.testing.assert_allclose(theta.reshape(6, 2), np.linalg.pinv(X) @ Y, atol=1e-12)
    # A ridge is the closed form (XᵀX + λI)⁻¹ XᵀY.
    theta, _ = LeastSquares(X, Y, intercept=False, ridge=3.0).solve(tol=1e-12)
    expected = np.linalg.solve(X.T @ X + 3.0 * np.eye(6), X.T @ Y)
    np.testing.assert_allclose(theta.reshape(6, 2), expected, atol=1e-12)
    # Sparse X: lsqr to atol = btol = tol.
    theta, converged = LeastSquares(sp.csr_matrix(X[:, :4]), Y).solve(tol=1e-12)
    dense, _ = LeastSquares(X[:, :4], Y).solve(tol=1e-12)
    assert converged
    np.testing.assert_allclose(theta, dense, atol=1e-9)


class _Quadratic:
    """``f(x) = ½ xᵀAx - bᵀx`` with its Hessian, to test Newton alone."""

    def __init__(self, A, b):
        self.A, self.b = A, b

    def __call__(self, x):
        return 0.5 * x @ self.A @ x - self.b @ x, self.A @ x - self.b

    def hessian(self, x):
        return self.A


class _Logistic:
    """A logistic log-likelihood (with an L2 term) with its exact Hessian."""

    def __init__(self, seed=11):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((200, 3))
        self.y = (self.X @ [1.0, -2.0, 0.5] + rng.standard_normal(200) > 0).astype(float)

    def __call__(self, w):
        z = self.X @ w
        value = np.sum(np.logaddexp(0, z) - self.y * z) + 0.5 * w @ w
        return value, self.X.T @ (expit(z) - self.y) + w

    def hessian(self, w):
        p = expit(self.X @ w)
        return (self.X.T * (p * (1 - p))) @ self.X + np.eye(3)


def test_newton_solves_a_quadratic_in_one_step_and_converges_quadratically():
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    steps = []
    result = Newton().minimize(
        _Quadratic(A, np.array([1.0, 2.0])),
        np.zeros(2),
        max_iter=10,
        max_fun=100,
        tol=1e-12,
        callback=steps.append,
    )
    np.testing.assert_allclose(result.x, np.linalg.solve(A, [1.0, 2.0]), rtol=1e-14)
    assert result.nit == 1 and result.status == 0 and len(steps) == 1
    problem = _Logistic()
    path = []
    result = Newton().minimize(
        problem,
        np.zeros(3),
        max_iter=50,
        max_fun=500,
        tol=1e-12,
        callback=lambda r: path.append(r.x.copy()),
    )
    assert result.status == 0 and result.nit <= 8
    errors = [np.abs(x - result.x).max() for x in path[:-1]]
    # Quadratic convergence: each error is at most a constant times the previous one squared.
    pairs = zip(errors[:-1], errors[1:], strict=True)
    assert all(e2 <= 10 * e1**2 for e1, e2 in pairs if e1 < 0.1)


class _Probe(Newton):
    """Newton, keeping the objective it was handed (to test the objective's Hessian)."""

    seen = []

    def minimize(self, fun, x0, **kwargs):
        _Probe.seen.append((fun, x0.copy()))
        return super().minimize(fun, x0, **kwargs)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_objective_hessian_matches_finite_differences(n_classes, sparse):
    X, y = classification_data(n=60, p=3, n_classes=n_classes)
    if sparse:
        X[np.abs(X) < 0.5] = 0.0
        X = sp.csr_matrix(X)
    _Probe.seen.clear()
    weight = WEIGHTS[:60]
    LogisticRegression(C=0.5, solver=_Probe(), max_iter=1).fit(X, y, sample_weight=weight)
    objective, _ = _Probe.seen[0]
    x = np.random.default_rng(12).standard_normal(objective.x0().size) * 0.3
    H = objective.hessian(x)
    step = 1e-6
    numeric = np.column_stack(
        [
            (objective(x + step * e)[1] - objective(x - step * e)[1]) / (2 * step)
            for e in np.eye(x.size)
        ]
    )
    np.testing.assert_allclose(H, numeric, atol=1e-7)


@pytest.mark.parametrize(
    "name", ["squared_error", "binary_crossentropy", "poisson", "categorical_crossentropy"]
)
def test_loss_curvature_matches_finite_differences(name):
    from sklearn_dl.losses import get_loss

    loss = get_loss(name)
    rng = np.random.default_rng(13)
    Z = rng.standard_normal((5, 3))
    Y = np.eye(3)[rng.integers(0, 3, 5)] if "categorical" in name else rng.uniform(0, 2, (5, 3))
    curvature = loss.curvature(Y, Z)
    step = 1e-6
    for k in range(3):
        dZ = np.zeros_like(Z)
        dZ[:, k] = step
        numeric = (loss.loss_gradient(Y, Z + dZ)[1] - loss.loss_gradient(Y, Z - dZ)[1]) / (2 * step)
        expected = (
            curvature[:, :, k]
            if curvature.ndim == 3
            else np.where(np.arange(3) == k, curvature, 0.0)
        )
        np.testing.assert_allclose(expected, numeric, atol=1e-8)


def test_losses_with_a_kink_have_no_curvature():
    from sklearn_dl.losses import get_loss

    for name in ("absolute_error", "huber", "hinge"):
        with pytest.raises(NotImplementedError, match="second derivatives"):
            get_loss(name).curvature(np.zeros((2, 1)), np.zeros((2, 1)))
