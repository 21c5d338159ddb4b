"""The perceptron: the notes' rule, scikit-learn's Perceptron step for step, and its contract."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import linear_model
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from sklearn_dl import DivergenceError, _kernels
from sklearn_dl.linear_model import Perceptron
from sklearn_dl.persistence import trusted_types

# The notes' OR function: its truth table.
OR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
OR_Y = np.array([0, 1, 1, 1])


def standardised(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def kernel_modes():
    """Both paths of the per-sample epoch: numpy, and numba where it imports."""
    modes = [pytest.param(False, id="numpy")]
    if _kernels.available():
        modes.append(pytest.param(True, id="numba"))
    return modes


# -- the notes' rule ----------------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [False, True])
def test_or_function_is_learnt(shuffle):
    model = Perceptron(shuffle=shuffle).fit(OR_X, OR_Y)
    assert np.array_equal(model.predict(OR_X), OR_Y)
    # The weights satisfy the notes' inequalities: w0 < 0, w1 >= -w0, w2 >= -w0.
    (w1, w2), w0 = model.coef_[0], model.intercept_[0]
    assert w0 < 0 and w1 >= -w0 and w2 >= -w0


def test_first_steps_are_the_rule_on_mistakes():
    # From zero weights every point is on the boundary, a mistake: the first
    # step adds eta0 t x. The second point is then right and changes nothing.
    X = np.array([[1.0, 2.0], [2.0, 3.0]])
    model = Perceptron(shuffle=False, max_iter=1, tol=None, eta0=0.5)
    model.partial_fit(X, [1, 1], classes=[0, 1])
    assert np.array_equal(model.coef_, [[0.5, 1.0]])
    assert np.array_equal(model.intercept_, [0.5])


@pytest.mark.parametrize("kernels", kernel_modes())
@pytest.mark.parametrize("n_classes", [2, 4])
def test_linearly_separable_data_end_without_mistakes(kernels, n_classes):
    # Blobs at the corners of a simplex: each class is separable from the others.
    centers = 5 * np.eye(5)[:n_classes]
    X, y = make_blobs(300, n_features=5, centers=centers, cluster_std=0.5, random_state=0)
    with _kernels.use_kernels(kernels):
        model = Perceptron(random_state=0).fit(X, y)
    assert model.score(X, y) == 1.0


# -- scikit-learn's Perceptron --------------------------------------------------------------


@pytest.mark.parametrize("kernels", kernel_modes())
def test_binary_steps_are_scikit_learns(kernels):
    # Without shuffling both visit the samples in the same order: the same
    # updates, the same stopping epoch, the same weights.
    X, y = standardised(load_breast_cancer)
    with _kernels.use_kernels(kernels):
        ours = Perceptron(shuffle=False, eta0=0.3).fit(X, y)
    theirs = linear_model.Perceptron(shuffle=False, eta0=0.3).fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-10)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-10)


@pytest.mark.parametrize("kernels", kernel_modes())
def test_one_vs_rest_with_l2_penalty_is_scikit_learns(kernels):
    # One output per class is scikit-learn's one-vs-rest; with a fixed number
    # of epochs its separate binary fits stop together with ours.
    X, y = standardised(load_iris)
    settings = dict(shuffle=False, tol=None, max_iter=7, penalty="l2", alpha=0.01)
    with _kernels.use_kernels(kernels):
        ours = Perceptron(**settings).fit(X, y)
    theirs = linear_model.Perceptron(**settings).fit(X, y)
    np.testing.assert_allclose(ours.coef_, theirs.coef_, rtol=1e-9)
    np.testing.assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-9)
    assert ours.coef_.shape == (3, 4)


@pytest.mark.parametrize(
    "loader, expected", [(load_iris, 0.863), (load_breast_cancer, 0.965), (load_digits, 0.940)]
)
def test_accuracy_as_scikit_learns(loader, expected):
    # A perceptron's last weights vary with the order of the samples, so the
    # comparison is over 5 seeds of 5-fold cross-validation (the same seeds
    # for both); scikit-learn reaches 0.864, 0.966 and 0.938.
    X, y = loader(return_X_y=True)
    folds = StratifiedKFold(5, shuffle=True, random_state=0)

    def accuracy(cls):
        scores = [
            cross_val_score(make_pipeline(StandardScaler(), cls(random_state=seed)), X, y, cv=folds)
            for seed in range(5)
        ]
        return float(np.mean(scores))

    ours, theirs = accuracy(Perceptron), accuracy(linear_model.Perceptron)
    assert abs(ours - theirs) <= 0.01
    assert ours == pytest.approx(expected, abs=0.001)


def test_same_parameters_and_defaults_as_scikit_learn():
    ours = Perceptron().get_params()
    assert ours == linear_model.Perceptron().get_params()


# -- training -------------------------------------------------------------------------------


@pytest.mark.parametrize("kernels", kernel_modes())
@pytest.mark.parametrize("penalty", [None, "l2", "elasticnet"])
def test_sparse_dense_and_float32_agree(kernels, penalty):
    X, y = make_blobs(80, n_features=6, centers=3, cluster_std=3.0, random_state=1)
    X[X < 0] = 0  # zeros for the sparse matrix to leave out
    weight = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    model = Perceptron(penalty=penalty, alpha=0.01, max_iter=15, tol=None, random_state=3)
    with _kernels.use_kernels(kernels):
        dense = model.fit(X, y, sample_weight=weight).decision_function(X)
        sparse = model.fit(sp.csr_matrix(X), y, sample_weight=weight).decision_function(X)
        single = model.fit(X.astype(np.float32), y, sample_weight=weight)
    np.testing.assert_allclose(sparse, dense, rtol=1e-10, atol=1e-10)
    assert single.coef_.dtype == np.float32
    np.testing.assert_allclose(single.decision_function(X), dense, rtol=1e-3, atol=1e-3)


@pytest.mark.skipif(not _kernels.available(), reason="numba is not installed")
@pytest.mark.parametrize("sparse", [False, True])
def test_kernel_is_the_numpy_epoch(sparse, monkeypatch):
    X, y = make_blobs(200, n_features=8, centers=3, cluster_std=4.0, random_state=2)
    X = sp.csr_matrix(np.maximum(X, 0)) if sparse else X
    weight = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    model = Perceptron(penalty="elasticnet", alpha=0.003, max_iter=10, tol=None)
    calls, call = [], _kernels.call
    monkeypatch.setattr(_kernels, "call", lambda name, *a: calls.append(name) or call(name, *a))
    fits = []
    for kernels in (False, True):
        with _kernels.use_kernels(kernels):
            fitted = model.fit(X, y, sample_weight=weight)
            fits.append((fitted.coef_, fitted.intercept_, fitted.loss_curve_))
    assert calls == [f"perceptron_epoch_{'sparse' if sparse else 'dense'}"] * 10
    for ours, reference in zip(fits[1], fits[0], strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-12)


def test_stopping_rule_and_convergence_warning():
    X, y = standardised(load_breast_cancer)
    model = Perceptron(n_iter_no_change=3, tol=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X, y)
    assert model.n_iter_ < 1000
    with pytest.warns(ConvergenceWarning):
        Perceptron(max_iter=2).fit(X, y)
    with warnings.catch_warnings():  # tol=None asks for max_iter epochs: no warning
        warnings.simplefilter("error", ConvergenceWarning)
        assert Perceptron(max_iter=2, tol=None).fit(X, y).n_iter_ == 2


def test_early_stopping_watches_validation_accuracy():
    X, y = standardised(load_digits)
    model = Perceptron(early_stopping=True, n_iter_no_change=3, random_state=0).fit(X, y)
    scores = model.validation_scores_
    assert len(scores) == model.n_iter_ < 1000
    best = max(scores)
    assert max(scores[-3:]) < best + 1e-3  # the last epochs brought no gain of tol
    with pytest.raises(ValueError, match="early_stopping"):
        model.partial_fit(X, y)


def test_partial_fit_is_one_epoch_of_fit():
    X, y = standardised(load_iris)
    once = Perceptron(max_iter=1, tol=None).fit(X, y)
    stepwise = Perceptron().partial_fit(X, y, classes=np.unique(y))
    np.testing.assert_array_equal(stepwise.coef_, once.coef_)
    assert stepwise.n_iter_ == 1
    stepwise.partial_fit(X, y)
    assert stepwise.t_ == 1 + 2 * len(y)
    with pytest.raises(ValueError, match="classes must be passed"):
        Perceptron().partial_fit(X, y)
    with pytest.raises(ValueError, match="balanced"):
        Perceptron(class_weight="balanced").partial_fit(X, y, classes=np.unique(y))


def test_warm_start_continues_from_the_weights():
    X, y = standardised(load_iris)
    settings = dict(shuffle=False, tol=None)
    whole = Perceptron(max_iter=6, **settings).fit(X, y)
    halves = Perceptron(max_iter=3, warm_start=True, **settings).fit(X, y).fit(X, y)
    np.testing.assert_allclose(halves.coef_, whole.coef_, rtol=1e-12)
    assert Perceptron(max_iter=3, **settings).fit(X, y).fit(X, y).n_iter_ == 3


def test_coef_init_and_intercept_init():
    X, y = standardised(load_iris)
    start = np.arange(12.0).reshape(3, 4)
    model = Perceptron(max_iter=1, tol=None, eta0=1e-12)
    model.fit(X, y, coef_init=start, intercept_init=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(model.coef_, start, atol=1e-9)
    np.testing.assert_allclose(model.intercept_, [1.0, 2.0, 3.0], atol=1e-9)
    with pytest.raises(ValueError, match=r"coef_init must have shape \(3, 4\)"):
        model.fit(X, y, coef_init=np.zeros((4, 3)))


def test_zero_weight_is_a_removed_sample():
    # Without a penalty a sample of weight 0 makes no step at all; without
    # shuffling the order of the others is the same.
    X, y = standardised(load_breast_cancer)
    weight = np.ones(len(y))
    weight[::3] = 0
    model = Perceptron(shuffle=False)
    weighted = model.fit(X, y, sample_weight=weight).coef_
    removed = model.fit(X[weight > 0], y[weight > 0]).coef_
    np.testing.assert_allclose(weighted, removed, rtol=1e-12)


def test_integer_weights_and_repeats_agree_on_average():
    # scikit-learn's estimator checks ask for equal fits, which per-sample
    # steps cannot give; the accuracy over seeds is what must agree.
    X, y = make_blobs(300, n_features=4, centers=3, cluster_std=2.5, random_state=3)
    weight = np.random.default_rng(3).integers(1, 4, len(y))
    scores = {"weighted": [], "repeated": []}
    for seed in range(8):
        model = Perceptron(random_state=seed)
        scores["weighted"].append(model.fit(X, y, sample_weight=weight).score(X, y, weight))
        repeated = model.fit(X.repeat(weight, axis=0), y.repeat(weight))
        scores["repeated"].append(repeated.score(X, y, weight))
    assert abs(np.mean(scores["weighted"]) - np.mean(scores["repeated"])) < 0.02


def test_class_weight_is_a_weight_on_each_class():
    X, y = standardised(load_iris)
    for class_weight in ({0: 1.0, 1: 5.0, 2: 0.5}, "balanced"):
        by_class = Perceptron(class_weight=class_weight).fit(X[20:], y[20:])
        weight = compute_sample_weight(class_weight, y[20:])
        by_sample = Perceptron().fit(X[20:], y[20:], sample_weight=weight)
        np.testing.assert_array_equal(by_class.coef_, by_sample.coef_)


# -- the estimator's contract ------------------------------------------------------------


def test_same_seed_same_model_other_seed_other_model():
    X, y = standardised(load_digits)
    first, again, other = (Perceptron(random_state=s).fit(X, y).coef_ for s in (4, 4, 5))
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)


def test_pickle_round_trip_and_trusted_type():
    X, y = standardised(load_iris)
    model = Perceptron().fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    assert "sklearn_dl.linear_model.Perceptron" in trusted_types()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [1e300, 1e30, 1e-30, 1e-300])
def test_extreme_scales_give_finite_scores_or_a_clear_error(scale, dtype):
    X, y = load_iris(return_X_y=True)
    if scale > float(np.finfo(dtype).max):
        return  # refused by the input validation, as every estimator's
    X = (X * scale).astype(dtype)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = Perceptron(max_iter=5).fit(X, y)
    except DivergenceError as error:
        assert "non-finite" in str(error) and "standardise" in str(error)
        return
    assert np.all(np.isfinite(model.decision_function(X)))


def test_attributes_and_no_probabilities():
    X, y = standardised(load_breast_cancer)
    model = Perceptron().fit(X, y)
    assert model.coef_.shape == (1, X.shape[1]) and model.intercept_.shape == (1,)
    assert model.decision_function(X).shape == (len(y),)
    assert isinstance(model.n_iter_, int) and model.n_features_in_ == X.shape[1]
    assert not hasattr(model, "predict_proba") and not hasattr(model, "predict_log_proba")
    with pytest.raises(AttributeError, match="has no attribute 'predict_proba'"):
        model.predict_proba(X)
