"""MLPClassifier and MLPRegressor against scikit-learn's contract and MLP.

Side by side with scikit-learn's MLP where results should agree, and every
parameter ours add.
"""

import inspect
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_friedman1
from sklearn.exceptions import ConvergenceWarning, DataConversionWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_dl._engine.base
import sklearn_dl._threads
from sklearn_dl.activations import ACTIVATIONS, ReLU, Tanh
from sklearn_dl.callbacks import EarlyStopping, LambdaCallback, ReduceLROnPlateau
from sklearn_dl.layers import BatchNorm, Dropout, GaussianNoise
from sklearn_dl.losses import AbsoluteError, Huber, Poisson
from sklearn_dl.neural_network import MLPClassifier, MLPRegressor
from sklearn_dl.optimizers import OPTIMIZERS, Adam, RMSProp
from sklearn_dl.schedules import CosineAnnealing, StepDecay

# -- data -------------------------------------------------------------------------------


def blobs(rng, n=120, n_features=5, n_classes=3, spread=3.0):
    centers = rng.normal(scale=spread, size=(n_classes, n_features))
    y = np.arange(n) % n_classes
    return centers[y] + rng.normal(size=(n, n_features)), y


def regression(rng, n=120, n_features=5, n_outputs=1):
    X = rng.normal(size=(n, n_features))
    Y = np.tanh(X @ rng.normal(size=(n_features, n_outputs))) + 0.05 * rng.normal(
        size=(n, n_outputs)
    )
    return X, (Y[:, 0] if n_outputs == 1 else Y)


def quiet(**kwargs):
    """A few epochs without ConvergenceWarning noise."""
    return {"max_iter": 5, "random_state": 0, **kwargs}


@pytest.fixture(autouse=True)
def _no_convergence_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# -- scikit-learn's contract --------------------------------------------------------------

ESTIMATORS = [
    MLPClassifier(),
    MLPRegressor(),
    MLPClassifier(solver="rmsprop", activation="tanh"),
    MLPRegressor(solver="lbfgs"),
    MLPClassifier(hidden_layer_sizes=(), solver="lbfgs"),
    MLPClassifier(
        solver=RMSProp(rho=0.95),
        learning_rate=CosineAnnealing(),
        callbacks=[ReduceLROnPlateau(patience=2)],
    ),
    MLPRegressor(
        loss=Huber(delta=0.5),
        activation=["tanh", "relu"],
        hidden_layer_sizes=(8, 8),
        penalty="elasticnet",
    ),
    MLPRegressor(solver="cg", activation="gelu", hidden_layer_sizes=(10,)),
    MLPClassifier(activation="prelu", hidden_layer_sizes=(20,)),
    MLPRegressor(activation="maxout", hidden_layer_sizes=(10,), maxout_pieces=3),
]


@parametrize_with_checks(ESTIMATORS)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "ours, theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)]
)
def test_every_scikit_learn_parameter_with_its_default_and_kind(ours, theirs):
    mine = inspect.signature(ours).parameters
    for name, parameter in inspect.signature(theirs).parameters.items():
        assert name in mine, name
        assert mine[name].default == parameter.default, name
        assert mine[name].kind == parameter.kind, name
    # scikit-learn's positional parameters keep their positions.
    positional = [n for n, p in inspect.signature(theirs).parameters.items() if p.kind == 1]
    assert list(mine)[: len(positional)] == positional


def _problems(rng):
    X, y = blobs(rng, n=90)
    indicator = np.column_stack([y == 0, y == 1, (y == 2) | (X[:, 0] > 0)]).astype(int)
    Xr, yr = regression(rng, n=90)
    _, Yr = regression(rng, n=90, n_outputs=3)
    return {
        "binary": (MLPClassifier, SkMLPClassifier, X, np.where(y == 0, "a", "b")),
        "multiclass": (MLPClassifier, SkMLPClassifier, X, y + 10),
        "multilabel": (MLPClassifier, SkMLPClassifier, X, indicator),
        "regression": (MLPRegressor, SkMLPRegressor, Xr, yr),
        "multi-output": (MLPRegressor, SkMLPRegressor, Xr, Yr),
    }


@pytest.mark.parametrize(
    "problem", ["binary", "multiclass", "multilabel", "regression", "multi-output"]
)
def test_fitted_attributes_match_scikit_learn(problem):
    ours_class, theirs_class, X, y = _problems(np.random.default_rng(0))[problem]
    ours = ours_class(hidden_layer_sizes=(7, 4), **quiet()).fit(X, y)
    theirs = theirs_class(hidden_layer_sizes=(7, 4), **quiet()).fit(X, y)
    for name in ("n_features_in_", "n_layers_", "n_outputs_", "out_activation_", "n_iter_", "t_"):
        assert getattr(ours, name) == getattr(theirs, name), name
    if hasattr(theirs, "classes_"):
        np.testing.assert_array_equal(ours.classes_, theirs.classes_)
        assert ours.predict_proba(X).shape == theirs.predict_proba(X).shape
    assert [c.shape for c in ours.coefs_] == [c.shape for c in theirs.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in theirs.intercepts_]
    assert len(ours.loss_curve_) == ours.n_iter_ and ours.loss_ == ours.loss_curve_[-1]
    assert ours.best_loss_ == min(ours.loss_curve_)
    assert ours.validation_scores_ is None and ours.best_validation_score_ is None
    prediction = ours.predict(X)
    assert prediction.shape == theirs.predict(X).shape
    assert prediction.dtype == theirs.predict(X).dtype


def test_feature_names_in():
    pd = pytest.importorskip("pandas")
    X, y = blobs(np.random.default_rng(1))
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    model = MLPClassifier((5,), **quiet()).fit(frame, y)
    np.testing.assert_array_equal(model.feature_names_in_, frame.columns)


def _from_the_same_start(ours, theirs, X, y, max_iter):
    """Fit both from our initial weights: one warm-start epoch builds them, then copy."""
    ours.set_params(warm_start=True, max_iter=1).fit(X, y)
    theirs.set_params(warm_start=True, max_iter=1).fit(X, y)
    theirs.coefs_ = [c.copy() for c in ours.coefs_]
    theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
    ours.set_params(max_iter=max_iter).fit(X, y)
    theirs.set_params(max_iter=max_iter).fit(X, y)
    return ours, theirs


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_lbfgs_from_the_same_weights_reaches_the_same_loss(kind):
    rng = np.random.default_rng(2)
    if kind == "classifier":
        X, y = blobs(rng, spread=1.0)
        pair = (
            MLPClassifier((8,), solver="lbfgs", alpha=1e-2),
            SkMLPClassifier((8,), solver="lbfgs", alpha=1e-2),
        )
    else:
        X, y = regression(rng)
        pair = (
            MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", alpha=1e-2),
            SkMLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", alpha=1e-2),
        )
    ours, theirs = _from_the_same_start(*pair, X, y, max_iter=25)
    assert ours.n_iter_ == theirs.n_iter_ == 25
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-8)
    for mine, other in zip(ours.coefs_, theirs.coefs_, strict=True):
        np.testing.assert_allclose(mine, other, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize(
    "settings",
    [
        {"solver": "sgd"},
        {"solver": "sgd", "nesterovs_momentum": False, "momentum": 0.5},
        {"solver": "adam", "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-6},
    ],
)
def test_mini_batch_solvers_match_scikit_learn_step_for_step(settings):
    # One batch per epoch and no shuffling: both minimise the same objective by
    # the same updates, so the weights and losses agree to rounding.
    X, y = blobs(np.random.default_rng(3), n=60)
    common = dict(batch_size=60, shuffle=False, learning_rate_init=0.05, alpha=0.1, **settings)
    ours, theirs = _from_the_same_start(
        MLPClassifier((6,), **common), SkMLPClassifier((6,), **common), X, y, max_iter=6
    )
    np.testing.assert_allclose(ours.loss_curve_[1:], theirs.loss_curve_[1:], rtol=1e-10)
    pairs = zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True)
    for mine, other in pairs:
        np.testing.assert_allclose(mine, other, rtol=1e-9, atol=1e-12)


def test_alpha_means_the_same_whatever_the_batch_size():
    # Without hidden layers, squared error and L2: the optimum is Ridge(alpha) for
    # our objective (Σ ½ r² + alpha ½ ‖w‖²) / n, reached by full-batch L-BFGS and
    # by mini-batches of 6 alike. scikit-learn's mini-batch solvers divide the
    # L2 term by the batch size instead, so they find Ridge(alpha · n / 6).
    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 3))
    y = X @ np.array([2.0, -1.0, 0.5]) + 0.1 * rng.normal(size=60)
    ridge = Ridge(alpha=20.0).fit(X, y).coef_
    lbfgs = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=20.0, tol=1e-10).fit(X, y)
    mini = dict(
        hidden_layer_sizes=(), solver="sgd", learning_rate="invscaling", learning_rate_init=0.05,
        alpha=20.0, batch_size=6, max_iter=300, tol=0, n_iter_no_change=np.inf, random_state=0,
    )  # fmt: skip
    ours = MLPRegressor(**mini).fit(X, y)
    theirs = SkMLPRegressor(**mini).fit(X, y)
    np.testing.assert_allclose(lbfgs.coefs_[0][:, 0], ridge, atol=1e-6)
    np.testing.assert_allclose(ours.coefs_[0][:, 0], ridge, atol=0.01)
    assert np.abs(theirs.coefs_[0][:, 0] - ridge).max() > 0.5


def test_zero_hidden_layers_are_the_linear_and_logistic_models():
    rng = np.random.default_rng(5)
    X, y = blobs(rng, spread=1.0)
    alpha = 3.0
    model = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=1e-10).fit(X, y)
    exact = SkLogisticRegression(C=1 / alpha, tol=1e-10, max_iter=1000).fit(X, y)
    assert model.n_layers_ == 2 and len(model.coefs_) == 1
    np.testing.assert_allclose(model.coefs_[0].T, exact.coef_, atol=1e-5)
    # Softmax is blind to a shift of every (unpenalised) intercept: compare centred ones.
    intercepts = model.intercepts_[0] - model.intercepts_[0].mean()
    np.testing.assert_allclose(intercepts, exact.intercept_ - exact.intercept_.mean(), atol=1e-5)
    Xr, yr = regression(rng)
    linear = MLPRegressor(hidden_layer_sizes=(), solver="lbfgs", alpha=alpha, tol=1e-10).fit(Xr, yr)
    np.testing.assert_allclose(
        linear.coefs_[0][:, 0], Ridge(alpha=alpha).fit(Xr, yr).coef_, atol=1e-6
    )


def test_scores_at_least_scikit_learns_on_the_same_data():
    X, y = load_digits(return_X_y=True)
    X = X / 16
    ours, theirs = [], []
    for seed in range(3):
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=seed)
        settings = dict(hidden_layer_sizes=(32,), max_iter=40, random_state=seed)
        ours.append(MLPClassifier(**settings).fit(X_train, y_train).score(X_test, y_test))
        theirs.append(SkMLPClassifier(**settings).fit(X_train, y_train).score(X_test, y_test))
    assert np.mean(ours) >= np.mean(theirs) - 0.01
    X, y = make_friedman1(n_samples=600, noise=0.5, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, (y - y.mean()) / y.std(), random_state=0)
    ours, theirs = [], []
    for seed in range(6):
        settings = dict(hidden_layer_sizes=(20,), solver="lbfgs", max_iter=200, random_state=seed)
        ours.append(MLPRegressor(**settings).fit(X_train, y_train).score(X_test, y_test))
        theirs.append(SkMLPRegressor(**settings).fit(X_train, y_train).score(X_test, y_test))
    assert np.median(ours) >= np.median(theirs) - 0.01


def test_grid_search_written_for_scikit_learn_runs_unchanged():
    X, y = blobs(np.random.default_rng(6), n=90, spread=1.5)
    grid = {
        "hidden_layer_sizes": [(8,), (8, 4)],
        "activation": ["relu", "tanh"],
        "solver": ["adam", "lbfgs"],
        "learning_rate": ["constant", "invscaling"],
    }
    settings = dict(max_iter=60, random_state=0)
    ours = GridSearchCV(MLPClassifier(**settings), grid, cv=2).fit(X, y)
    theirs = GridSearchCV(SkMLPClassifier(**settings), grid, cv=2).fit(X, y)
    assert ours.best_score_ >= theirs.best_score_ - 0.05


# -- scikit-learn's behaviours ------------------------------------------------------------


def test_multilabel_classification_has_one_sigmoid_per_label():
    rng = np.random.default_rng(7)
    X, y = blobs(rng, n=90)
    Y = np.column_stack([y == 0, y == 1, X[:, 0] > 0]).astype(int)
    model = MLPClassifier((16,), solver="lbfgs", max_iter=200, random_state=0).fit(X, Y)
    assert model.out_activation_ == "logistic" and model.n_outputs_ == 3
    np.testing.assert_array_equal(model.classes_, [0, 1, 2])
    prediction = model.predict(X)
    assert prediction.shape == Y.shape and set(np.unique(prediction)) <= {0, 1}
    P = model.predict_proba(X)
    assert P.shape == Y.shape and not np.allclose(P.sum(axis=1), 1)
    assert (prediction == Y).mean() > 0.9


def test_multi_output_regression_sums_the_outputs_losses():
    rng = np.random.default_rng(8)
    X, Y = regression(rng, n_outputs=3)
    model = MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", random_state=0).fit(X, Y)
    assert model.predict(X).shape == Y.shape and model.n_outputs_ == 3
    residual = model.predict(X) - Y
    penalty = 0.5 * model.alpha * sum((W**2).sum() for W in model.coefs_)
    assert model.loss_ == pytest.approx((0.5 * (residual**2).sum() + penalty) / len(X), rel=1e-6)
    assert model.score(X, Y) > 0.9


def test_regressor_with_a_column_vector_y_predicts_1d_like_scikit_learn():
    X, y = regression(np.random.default_rng(9))
    with pytest.warns(DataConversionWarning):
        model = MLPRegressor(hidden_layer_sizes=(4,), **quiet()).fit(X, y[:, None])
    assert (
        model.predict(X).shape
        == SkMLPRegressor(hidden_layer_sizes=(4,), **quiet()).fit(X, y).predict(X).shape
    )


def test_partial_fit():
    X, y = blobs(np.random.default_rng(10))
    with pytest.raises(ValueError, match="classes"):
        MLPClassifier().partial_fit(X, y)
    model = MLPClassifier((8,), random_state=0)
    for epoch in range(1, 4):
        model.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
        assert model.n_iter_ == 1 and model.t_ == 60 * epoch  # n_iter_: this call's epochs
    with pytest.raises(ValueError, match="not among the classes"):
        model.partial_fit(X, y + 5)
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="newton-cg"), "partial_fit")
    # Early stopping needs a held-out set: partial_fit refuses it, as scikit-learn does.
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        MLPClassifier((8,), early_stopping=True).partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_epochs_equal_fit_epochs():
    X, y = regression(np.random.default_rng(11))
    settings = dict(hidden_layer_sizes=(8,), shuffle=False, random_state=0)
    fitted = MLPRegressor(max_iter=3, **settings).fit(X, y)
    stepped = MLPRegressor(**settings)
    for _ in range(3):
        stepped.partial_fit(X, y)
    np.testing.assert_allclose(stepped.loss_curve_, fitted.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(stepped.coefs_[0], fitted.coefs_[0], rtol=1e-12)


def test_warm_start_continues_and_cold_start_restarts():
    X, y = blobs(np.random.default_rng(12))
    model = MLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    first = [c.copy() for c in model.coefs_]
    model.set_params(warm_start=True).fit(X, y)
    # n_iter_ counts this fit's epochs; the loss curve goes on (scikit-learn's meanings).
    assert model.n_iter_ == 5 and len(model.loss_curve_) == 10 and model.t_ == 10 * len(X)
    assert model.loss_curve_[5] < model.loss_curve_[0]
    model.set_params(warm_start=False).fit(X, y)
    assert model.n_iter_ == 5
    np.testing.assert_array_equal(model.coefs_[0], first[0])


def test_warm_start_follows_changed_settings_that_keep_the_shapes():
    X, y = blobs(np.random.default_rng(12))
    model = MLPClassifier((8,), batch_norm=True, warm_start=True, max_iter=5, random_state=0)
    model.fit(X, y)
    fitted = model.network_.params.copy()
    running_mean = model.network_.layers[1].running_mean_.copy()
    # A rate too small to move anything: the new network starts from the fitted one.
    model.set_params(activation="tanh", dropout=0.2, learning_rate_init=1e-12, max_iter=1)
    model.fit(X, y)
    assert isinstance(model.network_.layers[2].activation_, Tanh)
    assert isinstance(model.network_.layers[3], Dropout)
    np.testing.assert_allclose(model.network_.params, fitted, atol=1e-9)
    # Batch statistics move with the data, but start from the fitted ones.
    assert np.corrcoef(model.network_.layers[1].running_mean_, running_mean)[0, 1] > 0.99


@pytest.mark.parametrize("change", [{"hidden_layer_sizes": (9,)}, {"batch_norm": False}])
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_settings_that_change_the_shapes_cannot_continue(change, how):
    X, y = blobs(np.random.default_rng(12))
    model = MLPClassifier((8,), batch_norm=True, warm_start=True, max_iter=2, random_state=0)
    model.fit(X, y)
    model.set_params(**change)
    with pytest.raises(ValueError, match="warm_start=False"):
        model.fit(X, y) if how == "warm_start" else model.partial_fit(X, y)
    model.set_params(warm_start=False).fit(X, y)  # a cold start builds the new network
    assert model.coefs_[0].shape[1] == (9 if "hidden_layer_sizes" in change else 8)


def test_zero_sample_weight_equals_dropping_the_samples():
    X, y = blobs(np.random.default_rng(13))
    weight = np.ones(len(X))
    weight[::4] = 0
    settings = dict(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=50, random_state=0)
    weighted = MLPClassifier(**settings).fit(X, y, sample_weight=weight)
    dropped = MLPClassifier(**settings).fit(X[weight > 0], y[weight > 0])
    np.testing.assert_allclose(weighted.predict_proba(X), dropped.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_sparse_input_gives_the_dense_result(solver):
    rng = np.random.default_rng(14)
    X, y = blobs(rng)
    X[rng.random(X.shape) < 0.6] = 0
    settings = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=20, random_state=0)
    dense = MLPClassifier(**settings).fit(X, y)
    for container in (sp.csr_matrix, sp.csc_array):
        sparse = MLPClassifier(**settings).fit(container(X), y)
        np.testing.assert_allclose(
            sparse.predict_proba(container(X)), dense.predict_proba(X), rtol=1e-6
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_stays_float32(dtype):
    rng = np.random.default_rng(15)
    X, y = blobs(rng)
    classifier = MLPClassifier((8,), **quiet()).fit(X.astype(dtype), y)
    assert all(c.dtype == dtype for c in classifier.coefs_ + classifier.intercepts_)
    assert classifier.solver_.m_.dtype == dtype
    assert classifier.predict_proba(X.astype(dtype)).dtype == dtype
    Xr, yr = regression(rng)
    regressor = MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=20).fit(
        Xr.astype(dtype), yr
    )
    assert regressor.predict(Xr.astype(dtype)).dtype == dtype
    assert np.isfinite(regressor.loss_)


def test_early_stopping_splits_stratified_and_restores_the_best_weights(monkeypatch):
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs.get("stratify"))
        return train_test_split(*args, **kwargs)

    monkeypatch.setattr(sklearn_dl._engine.base, "train_test_split", spy)
    rng = np.random.default_rng(16)
    X, y = blobs(rng, n=200, spread=0.7)
    model = MLPClassifier((32,), early_stopping=True, max_iter=200, random_state=0).fit(X, y)
    np.testing.assert_array_equal(calls[-1], y)
    assert model.best_loss_ is None and len(model.validation_scores_) == model.n_iter_
    assert model.n_iter_ < 200
    assert model.best_validation_score_ == max(model.validation_scores_)
    Y = np.column_stack([y == 0, y == 1]).astype(int)
    MLPClassifier((4,), early_stopping=True, max_iter=3).fit(X, Y)
    assert calls[-1] is None  # multilabel: no strata
    # With validation_data the same data is scored, so the restored weights score best.
    X_val, y_val = blobs(np.random.default_rng(16), n=200, spread=0.7)
    fitted = MLPClassifier((32,), early_stopping=True, max_iter=100, random_state=0)
    fitted.fit(X, y, validation_data=(X_val, y_val))
    assert fitted.score(X_val, y_val) == pytest.approx(fitted.best_validation_score_)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = blobs(np.random.default_rng(17))
    MLPClassifier((4,), max_iter=3, verbose=True, random_state=0).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [f"Iteration {i}" for i in (1, 2, 3)]


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_convergence_warning(solver):
    X, y = blobs(np.random.default_rng(18))
    with pytest.warns(ConvergenceWarning, match="max_iter=2"):
        MLPClassifier((8,), solver=solver, max_iter=2).fit(X, y)


def test_partial_fit_does_not_warn():
    X, y = blobs(np.random.default_rng(18))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        MLPClassifier((8,)).partial_fit(X, y, classes=[0, 1, 2])


def test_diverging_loss_is_a_clear_error():
    rng = np.random.default_rng(19)
    X, y = regression(rng)
    model = MLPRegressor(
        hidden_layer_sizes=(16,), solver="sgd", learning_rate_init=10.0, max_iter=50
    )
    with pytest.raises(ValueError, match="diverged.*learning_rate_init"):
        model.fit(1e3 * X, 1e3 * y)
    assert all(np.isfinite(c).all() for c in model.coefs_)


def test_one_class_is_always_predicted_like_scikit_learn():
    X, _ = blobs(np.random.default_rng(20))
    y = np.full(len(X), "only")
    model = MLPClassifier((4,), **quiet()).fit(X, y)
    np.testing.assert_array_equal(
        model.predict(X), SkMLPClassifier((4,), **quiet()).fit(X, y).predict(X)
    )
    np.testing.assert_allclose(model.predict_proba(X), 1.0)


# -- what ours add ------------------------------------------------------------------------


def _weights(model):
    return np.concatenate([c.ravel() for c in model.coefs_])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_trains(name):
    X, y = blobs(np.random.default_rng(21))
    model = MLPClassifier((8,), activation=name, solver="lbfgs", max_iter=50, random_state=0)
    model.fit(X, y)
    hidden = model.network_.dense_layers()[0]
    assert type(hidden.activation_) is type(ACTIVATIONS[name]())
    assert model.score(X, y) > 0.9


def test_one_activation_per_hidden_layer():
    X, y = blobs(np.random.default_rng(22))
    model = MLPClassifier((8, 6), activation=["tanh", "relu"], **quiet()).fit(X, y)
    kinds = [type(layer.activation_) for layer in model.network_.dense_layers()]
    assert kinds[:2] == [Tanh, ReLU]
    relu = MLPClassifier((8, 6), activation="relu", **quiet()).fit(X, y)
    assert not np.allclose(_weights(model), _weights(relu))
    with pytest.raises(ValueError, match="activation has 3 entries but there are 2 hidden"):
        MLPClassifier((8, 6), activation=["tanh"] * 3).fit(X, y)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_solver_lowers_the_loss(name):
    X, y = blobs(np.random.default_rng(23), spread=1.0)
    rate = 1.0 if name == "adadelta" else 0.01  # Adadelta's own rate is 1
    model = MLPClassifier((8,), solver=name, learning_rate_init=rate, max_iter=20, random_state=0)
    model.fit(X, y)
    start = MLPClassifier((8,), solver="sgd", learning_rate_init=1e-12, max_iter=1, random_state=0)
    assert model.loss_ < 0.9 * start.fit(X, y).loss_
    assert model.solver_.full_batch == (name in ("lbfgs", "cg", "newton-cg"))


def test_full_batch_solvers_agree_on_a_convex_problem():
    X, y = blobs(np.random.default_rng(24), spread=1.0)
    losses = [
        MLPClassifier((), solver=name, alpha=1.0, tol=1e-8, max_iter=500).fit(X, y).loss_
        for name in ("lbfgs", "cg", "newton-cg")
    ]
    np.testing.assert_allclose(losses, losses[0], rtol=1e-6)


def test_solver_objects_and_scikit_learns_solver_settings():
    X, y = blobs(np.random.default_rng(25))
    optimizer = RMSProp(rho=0.95)
    model = MLPClassifier((8,), solver=optimizer, **quiet()).fit(X, y)
    assert model.solver_.rho == 0.95 and not hasattr(optimizer, "mean_square_")
    other = MLPClassifier((8,), solver=RMSProp(rho=0.5), **quiet()).fit(X, y)
    assert not np.allclose(_weights(model), _weights(other))
    sgd = MLPClassifier((8,), solver="sgd", momentum=0.7, nesterovs_momentum=False, **quiet())
    sgd.fit(X, y)
    assert (sgd.solver_.momentum, sgd.solver_.nesterov) == (0.7, False)
    adam = MLPClassifier((8,), beta_1=0.5, beta_2=0.9, epsilon=1e-4, **quiet()).fit(X, y)
    assert (adam.solver_.beta_1, adam.solver_.beta_2, adam.solver_.epsilon) == (0.5, 0.9, 1e-4)
    # An optimizer object keeps its own settings.
    assert MLPClassifier((8,), solver=Adam(), beta_1=0.5, **quiet()).fit(X, y).solver_.beta_1 == 0.9


def test_learning_rate_schedules():
    X, y = blobs(np.random.default_rng(26))
    step = MLPClassifier((8,), learning_rate=StepDecay(step_size=2, gamma=0.5), **quiet())
    np.testing.assert_allclose(
        step.fit(X, y).history_["lr"], 1e-3 * np.array([1, 1, 0.5, 0.5, 0.25])
    )
    for name in ("exponential", "cosine", "warmup"):
        rates = MLPClassifier((8,), learning_rate=name, **quiet()).fit(X, y).history_["lr"]
        assert len(set(rates)) > 1, name
    # scikit-learn's names keep their meaning: a schedule for sgd, ignored by adam.
    sgd = MLPClassifier((8,), solver="sgd", learning_rate="invscaling", **quiet()).fit(X, y)
    assert sgd.history_["lr"][1] == pytest.approx(1e-3 / (len(X) + 1) ** 0.5)
    adam = MLPClassifier((8,), learning_rate="invscaling", **quiet()).fit(X, y)
    assert set(adam.history_["lr"]) == {1e-3}


def test_adaptive_schedule_divides_the_rate_by_five_on_plateaus():
    X, y = blobs(np.random.default_rng(27))
    model = MLPClassifier(
        (8,), solver="sgd", learning_rate="adaptive", tol=10.0, n_iter_no_change=1, max_iter=20
    ).fit(X, y)
    # Two epochs without progress make a plateau (the first epoch always progresses).
    np.testing.assert_allclose(
        model.history_["lr"][:7], 1e-3 / 5.0 ** np.array([0, 0, 0, 1, 1, 2, 2])
    )


def _rates(model):
    return [layer.rate for layer in model.network_.layers if isinstance(layer, Dropout)]


def test_dropout():
    X, y = blobs(np.random.default_rng(28))
    model = MLPClassifier((16, 8), dropout=0.5, **quiet()).fit(X, y)
    assert _rates(model) == [0.5, 0.5]
    plain = MLPClassifier((16, 8), **quiet()).fit(X, y)
    assert not np.allclose(_weights(model), _weights(plain))
    np.testing.assert_array_equal(model.predict_proba(X), model.predict_proba(X))  # off at predict
    one = MLPClassifier((16, 8), dropout=[0.3, 0.0], **quiet()).fit(X, y)
    assert _rates(one) == [0.3]
    with pytest.raises(ValueError, match="dropout has 1 entries"):
        MLPClassifier((16, 8), dropout=[0.3]).fit(X, y)
    with pytest.raises(ValueError, match=r"dropout rates must be in \[0, 1\)"):
        MLPClassifier((16, 8), dropout=[0.3, 1.5]).fit(X, y)


def test_gaussian_noise():
    X, y = blobs(np.random.default_rng(29))
    model = MLPClassifier((8, 8), gaussian_noise=0.3, **quiet()).fit(X, y)
    noise = [layer.stddev for layer in model.network_.layers if isinstance(layer, GaussianNoise)]
    assert noise == [0.3]
    assert not np.allclose(_weights(model), _weights(MLPClassifier((8, 8), **quiet()).fit(X, y)))
    both = MLPClassifier((8, 8), gaussian_noise=(0.3, 0.1), **quiet()).fit(X, y)
    noise = [layer.stddev for layer in both.network_.layers if isinstance(layer, GaussianNoise)]
    assert noise == [0.3, 0.1, 0.1]
    np.testing.assert_array_equal(both.predict(X), both.predict(X))
    with pytest.raises(ValueError, match="gaussian_noise"):
        MLPClassifier(gaussian_noise=(0.1, 0.2, 0.3)).fit(X, y)


def test_batch_norm_uses_running_statistics_at_predict_time():
    X, y = blobs(np.random.default_rng(30))
    X = 5 * X + 3
    settings = dict(learning_rate_init=0.01, max_iter=100, random_state=0)
    model = MLPClassifier((8, 8), batch_norm=True, **settings).fit(X, y)
    norms = [layer for layer in model.network_.layers if isinstance(layer, BatchNorm)]
    assert len(norms) == 2 and not np.allclose(norms[0].running_mean_, 0)
    np.testing.assert_allclose(model.predict_proba(X[:1]), model.predict_proba(X)[:1], rtol=1e-10)
    plain = MLPClassifier((8, 8), **settings).fit(X, y)
    assert not np.allclose(_weights(model), _weights(plain))
    assert model.score(X, y) > 0.9


@pytest.mark.parametrize(
    "weight_init, activation, bound",
    [
        ("auto", "relu", lambda fan_in, fan_out: np.sqrt(6 / (fan_in + fan_out))),
        ("auto", "logistic", lambda fan_in, fan_out: np.sqrt(2 / (fan_in + fan_out))),
        ("glorot", "relu", lambda fan_in, fan_out: np.sqrt(6 / (fan_in + fan_out))),
        ("he", "relu", lambda fan_in, fan_out: np.sqrt(6 / fan_in)),
        ("lecun", "relu", lambda fan_in, fan_out: np.sqrt(3 / fan_in)),
    ],
)
def test_weight_init_scales(weight_init, activation, bound):
    X, y = blobs(np.random.default_rng(31), n_features=40)
    model = MLPClassifier(
        (60,), activation=activation, weight_init=weight_init, solver="sgd",
        learning_rate_init=1e-12, max_iter=1, random_state=0,
    ).fit(X, y)  # fmt: skip
    W = model.coefs_[0]
    b = bound(*W.shape)
    assert 0.95 * b < np.abs(W).max() <= b
    # "auto" draws the biases like scikit-learn; the named schemes start them at zero.
    assert (np.abs(model.intercepts_[0]).max() > 0.5 * b) == (weight_init == "auto")


def test_penalties():
    X, y = blobs(np.random.default_rng(32), n_features=10)
    settings = dict(hidden_layer_sizes=(8,), alpha=20.0, max_iter=60, random_state=0)
    l1 = MLPClassifier(penalty="l1", **settings).fit(X, y)
    l2 = MLPClassifier(penalty="l2", **settings).fit(X, y)
    mixed = MLPClassifier(penalty="elasticnet", l1_ratio=0.5, **settings).fit(X, y)
    none = MLPClassifier(penalty=None, **settings).fit(X, y)
    zeros = [np.mean(_weights(m) == 0) for m in (l1, mixed, l2, none)]
    assert zeros[0] > 0.3 and 0 < zeros[1] < zeros[0] and zeros[2] == zeros[3] == 0
    assert np.linalg.norm(_weights(l2)) < np.linalg.norm(_weights(none))


def test_class_weight():
    rng = np.random.default_rng(33)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] + 0.8 * rng.normal(size=300) > 1.2).astype(int)  # about 15% positives
    settings = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100, random_state=0)
    plain = MLPClassifier(**settings).fit(X, y)
    balanced = MLPClassifier(class_weight="balanced", **settings).fit(X, y)
    heavy = MLPClassifier(class_weight={0: 1, 1: 10}, **settings).fit(X, y)
    recall = [np.mean(m.predict(X)[y == 1] == 1) for m in (plain, balanced, heavy)]
    assert recall[1] > recall[0] + 0.2 and recall[2] > recall[0] + 0.2


def test_callbacks():
    rng = np.random.default_rng(34)
    X, y = blobs(rng, n=60, spread=0.5)
    X_val, y_val = blobs(np.random.default_rng(34), n=60, spread=0.5)
    stopper = EarlyStopping(monitor="val_loss", patience=3)
    model = MLPClassifier((64,), learning_rate_init=0.05, max_iter=300, callbacks=[stopper])
    model.fit(X + rng.normal(size=X.shape), y, validation_data=(X_val, y_val))
    history = model.history_
    assert model.n_iter_ < 300 and not hasattr(stopper, "best_")  # the user's object is cloned
    assert len(history["val_loss"]) == len(history["loss"]) == len(history["val_score"])
    best = int(np.argmin(history["val_loss"]))
    assert model.n_iter_ == best + 4  # stopped after 3 epochs without progress
    reducer = ReduceLROnPlateau(patience=1, factor=0.5, min_delta=10.0)
    rates = MLPClassifier((8,), callbacks=[reducer], **quiet()).fit(X, y).history_["lr"]
    np.testing.assert_allclose(rates, 1e-3 * 0.5 ** np.array([0, 0, 1, 2, 3]))
    seen = []
    user = LambdaCallback(lambda trainer, epoch, logs: seen.append(logs["loss"]) or epoch == 2)
    stopped = MLPClassifier((8,), callbacks=[user], max_iter=50).fit(X, y)
    assert stopped.n_iter_ == 3 and seen == stopped.loss_curve_


def test_callbacks_carry_their_state_across_partial_fit_calls():
    rng = np.random.default_rng(34)
    X, y = blobs(rng, n=60, spread=0.5)
    reducer = ReduceLROnPlateau(patience=1, factor=0.5, min_delta=10.0)
    model = MLPClassifier((8,), callbacks=[reducer], random_state=0)
    for _ in range(5):
        model.partial_fit(X, y, classes=[0, 1, 2])
    # One plateau count across the calls, as in one fit of five epochs.
    np.testing.assert_allclose(model.history_["lr"], 1e-3 * 0.5 ** np.array([0, 0, 1, 2, 3]))
    # New callbacks start afresh (the old ones had reduced the rate 16-fold)...
    model.set_params(callbacks=[ReduceLROnPlateau(patience=3, min_delta=10.0)])
    model.partial_fit(X, y)
    assert model.history_["lr"][-1] == pytest.approx(1e-3)
    # ... and so do the partial_fit calls after a fit.
    model.set_params(callbacks=[reducer], max_iter=1)
    for _ in range(3):
        model.partial_fit(X, y)
    assert model.history_["lr"][-1] == pytest.approx(5e-4)
    model.fit(X, y)
    model.partial_fit(X, y)
    assert model.history_["lr"][-1] == pytest.approx(1e-3)


def test_validation_data_without_early_stopping_fills_the_history():
    X, y = regression(np.random.default_rng(35))
    model = MLPRegressor(hidden_layer_sizes=(8,), **quiet())
    model.fit(X[:80], y[:80], validation_data=(X[80:], y[80:]))
    assert set(model.history_) == {"loss", "lr", "val_loss", "val_score"}
    assert model.history_["val_score"][-1] == pytest.approx(model.score(X[80:], y[80:]))
    assert model.n_iter_ == 5 and model.best_loss_ == min(model.loss_curve_)


def test_regression_losses():
    rng = np.random.default_rng(36)
    X, y = regression(rng)
    y[:5] += 20  # outliers
    settings = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=100, random_state=0)
    fitted = {
        loss: MLPRegressor(loss=loss, **settings).fit(X, y)
        for loss in ("squared_error", "absolute_error", "huber")
    }
    assert isinstance(fitted["absolute_error"].loss_function_, AbsoluteError)
    assert fitted["huber"].loss_function_.delta == 1.0
    errors = {k: np.median(np.abs(m.predict(X[5:]) - y[5:])) for k, m in fitted.items()}
    assert errors["absolute_error"] < errors["squared_error"]
    assert errors["huber"] < errors["squared_error"]
    narrow = MLPRegressor(loss=Huber(delta=0.1), **settings).fit(X, y)
    assert not np.allclose(narrow.predict(X), fitted["huber"].predict(X))
    counts = rng.poisson(np.exp(X[:, 0]))
    poisson = MLPRegressor(loss="poisson", **settings).fit(X, counts)
    assert poisson.out_activation_ == "exp" and (poisson.predict(X) > 0).all()
    from_object = MLPRegressor(loss=Poisson(), **settings).fit(X, counts)
    assert isinstance(from_object.loss_function_, Poisson)
    with pytest.raises(ValueError, match="non-negative"):
        MLPRegressor(loss="poisson").fit(X, y - 100)


def test_pickle_keeps_the_views_into_the_parameters():
    X, y = blobs(np.random.default_rng(37))
    model = MLPClassifier((8,), **quiet()).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert np.shares_memory(loaded.coefs_[0], loaded.network_.params)
    loaded.coefs_[0][...] = 0  # writing into coefs_ changes the model, as in scikit-learn
    assert not np.allclose(loaded.predict_proba(X), model.predict_proba(X))


def test_setting_coefs_and_intercepts():
    X, y = blobs(np.random.default_rng(38))
    model = MLPClassifier((8,), **quiet()).fit(X, y)
    other = MLPClassifier((8,), **quiet(random_state=1)).fit(X, y)
    model.coefs_, model.intercepts_ = other.coefs_, other.intercepts_
    np.testing.assert_array_equal(model.predict_proba(X), other.predict_proba(X))
    with pytest.raises(ValueError, match="coefs_ must be a list of arrays of shapes"):
        model.coefs_ = [np.zeros((2, 2))]


def test_n_iter_no_change_accepts_infinity_like_scikit_learn():
    X, y = blobs(np.random.default_rng(39))
    model = MLPClassifier((4,), n_iter_no_change=np.inf, tol=10.0, max_iter=7).fit(X, y)
    assert model.n_iter_ == 7


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fit_makes_no_copy_of_x(early_stopping):
    rng = np.random.default_rng(40)
    X = rng.normal(size=(20_000, 50))
    y = (X[:, 0] > 0).astype(int)
    model = MLPClassifier((32,), max_iter=2, early_stopping=early_stopping, random_state=0)
    tracemalloc.start()
    try:
        model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * X.nbytes  # a copy of X (or of 90% of it) would be 8 MB


def _blas_threads_while_training(model, X, y):
    from threadpoolctl import threadpool_info

    seen = []

    def record(trainer, epoch, logs):
        seen.extend(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")

    model.set_params(callbacks=[LambdaCallback(record)], max_iter=1).fit(X, y)
    return set(seen)


def test_small_products_or_a_busy_machine_train_on_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    import sklearn_dl._threads

    rng = np.random.default_rng(41)
    X, y = blobs(rng, n=256, n_features=256)
    small = _blas_threads_while_training(MLPClassifier((32,), batch_size=32), X, y)
    assert small == {1}
    # 256 rows × a 256 × 256 weight matrix is a product worth the configured
    # threads, unless other work holds the cores.
    configured = {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}
    for busy, expected in ((False, configured), (True, {1})):
        monkeypatch.setattr(sklearn_dl._threads, "_busy_machine", lambda busy=busy: busy)
        large = MLPClassifier((256, 256), batch_size=256)
        assert _blas_threads_while_training(large, X, y) == expected
