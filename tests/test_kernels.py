"""The fused kernels against their numpy references, and the switch around them."""

import importlib.abc
import logging
import sys
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from sklearn_dl import _config, _kernels, config_context, get_config, set_config
from sklearn_dl._engine.objective import Objective
from sklearn_dl.activations import Identity, get_activation
from sklearn_dl.layers import Dense
from sklearn_dl.linear_model import LinearRegression, Perceptron
from sklearn_dl.losses import BinaryCrossEntropy, CategoricalCrossEntropy, SquaredError
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor
from sklearn_dl.optimizers import OPTIMIZERS as REGISTRY
from sklearn_dl.optimizers import SGD, Adadelta, Adagrad, Adam, AdamW, RMSProp
from sklearn_dl.penalties import L1, L2, ElasticNet

pytestmark = [
    pytest.mark.skipif(not _kernels.available(), reason="numba is not installed"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]


@pytest.fixture(autouse=True)
def _default_setting():
    """Each test starts from the default setting, whatever ``SKLEARN_DL_KERNELS`` says."""
    with config_context(kernels="auto"):
        yield


TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}
OPTIMIZERS = [
    Adam(),
    AdamW(weight_decay=0.1),
    SGD(momentum=0.9),
    SGD(momentum=0.5, nesterov=True),
    SGD(),
    RMSProp(),
    RMSProp(rho=0.9),
    Adagrad(initial_accumulator=0.1),
    Adadelta(),
]
PENALTIES = [None, L2(), L1(), ElasticNet(l1_ratio=0.3)]
SCALE = 3.0  # alpha / Σ s_i: large enough that the L1 step zeroes weights


def _run(optimizer, params, grads, kernels, penalty=None):
    """Every step's parameters and returned step size, with or without kernels.

    With a penalty on the weights (the first half), the kernels fold it into
    the step; numpy adds its gradient, steps, then soft-thresholds.
    """
    params = params.copy()
    n_weights = len(params) // 2
    optimizer.init(params, n_weights=n_weights)
    trace = []
    with _kernels.use_kernels(kernels):
        for g in grads:
            if penalty is None:
                size = optimizer.step(params, g, 0.01)
            elif kernels:
                size = optimizer.penalised_step(params, g, 0.01, penalty, SCALE)
                assert size is not None  # the kernel took the step, and left g as it was
            else:
                W, g = params[:n_weights], g.copy()
                penalty.add_smooth_gradient(W, g[:n_weights], SCALE)
                size = optimizer.step(params, g, 0.01)
                penalty.prox(W, (size[:n_weights] if np.ndim(size) else size) * SCALE)
            trace.append((params.copy(), np.array(size, dtype=params.dtype, copy=True)))
    return trace


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("penalty", PENALTIES, ids=repr)
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=repr)
def test_kernel_step_agrees_with_numpy(optimizer, penalty, dtype):
    rng = np.random.default_rng(0)
    n = _kernels.MIN_SIZE + 37  # not a multiple of any vector width
    params = rng.standard_normal(n).astype(dtype)
    grads = [rng.standard_normal(n).astype(dtype) for _ in range(5)]
    grads_before = [g.copy() for g in grads]
    assert _kernels.enabled_for(params)
    fused = _run(optimizer, params, grads, kernels=True, penalty=penalty)
    reference = _run(optimizer, params, grads, kernels=False, penalty=penalty)
    before = params
    assert all(np.array_equal(a, b) for a, b in zip(grads, grads_before, strict=True))
    for (p, size), (p_ref, size_ref) in zip(fused, reference, strict=True):
        assert p.dtype == dtype and size.dtype == dtype
        # Per step: the change in the parameters agrees to the dtype's tolerance.
        scale = np.abs(p_ref - before).max()
        np.testing.assert_allclose(
            p - before, p_ref - before, rtol=0, atol=TOLERANCE[dtype] * scale
        )
        np.testing.assert_allclose(size, size_ref, rtol=TOLERANCE[dtype])
        before = p_ref


@pytest.mark.parametrize("penalty", [L2(), ElasticNet(l1_ratio=0.3)], ids=repr)
@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=repr)
def test_a_step_without_its_sizes_takes_the_same_step(optimizer, penalty):
    # keep_size=False only spares storing the step sizes: same parameters and slots.
    rng = np.random.default_rng(2)
    params = rng.standard_normal(_kernels.MIN_SIZE + 5)
    kept, spared = clone(optimizer), clone(optimizer)
    results = []
    for opt, keep in [(kept, True), (spared, False)]:
        theta = params.copy()
        opt.init(theta, n_weights=theta.size // 2)
        with _kernels.use_kernels(True):
            for seed in range(3):
                g = np.random.default_rng(seed).standard_normal(theta.size)
                done = opt.penalised_step(theta, g, 0.01, penalty, SCALE, keep_size=keep)
                assert done is not None
        assert keep or done is True
        # Without the sizes, no array of them was made, nor written beyond an empty one.
        assert keep or "_scratch_" not in vars(opt)
        results.append((theta, {k: v for k, v in vars(opt).items() if isinstance(v, np.ndarray)}))
    (theta, slots), (theta_spared, slots_spared) = results
    np.testing.assert_array_equal(theta_spared, theta)
    assert slots.keys() == slots_spared.keys()
    for name, slot in slots.items():
        np.testing.assert_array_equal(slots_spared[name], slot)


def test_constant_scalars_are_cast_once_and_keep_their_sign():
    from sklearn_dl.optimizers import _constants

    params = np.zeros(3, np.float32)
    first = _constants(params, 0.9, 0.0)
    assert _constants(params, 0.9, 0.0) is first  # remembered
    assert all(type(x) is np.float32 for x in first)
    assert np.signbit(_constants(params, 0.9, -0.0)[1])  # not 0.0's entry
    assert _constants(params.astype(np.float64), 0.9, 0.0)[0].dtype == np.float64
    assert _constants(params, np.array(0.5))[0] == np.float32(0.5)  # unhashable: cast


def test_adam_slots_agree_with_numpy():
    rng = np.random.default_rng(1)
    params = rng.standard_normal(_kernels.MIN_SIZE)
    grads = rng.standard_normal(params.size)
    fused, reference = Adam(), Adam()
    for optimizer, kernels in [(fused, True), (reference, False)]:
        optimizer.init(params.copy(), n_weights=params.size)
        with _kernels.use_kernels(kernels):
            optimizer.step(params.copy(), grads, 0.1)
    assert fused.t_ == reference.t_ == 1
    np.testing.assert_allclose(fused.m_, reference.m_, rtol=1e-12)
    np.testing.assert_allclose(fused.v_, reference.v_, rtol=1e-12)


def test_small_arrays_stay_in_numpy():
    assert not _kernels.enabled_for(np.zeros(_kernels.MIN_SIZE - 1))
    assert not _kernels.enabled_for(np.zeros(_kernels.MIN_SIZE, dtype=np.int64))
    with _kernels.use_kernels(False):
        assert not _kernels.enabled_for(np.zeros(_kernels.MIN_SIZE))


def _fit(kernels, dtype=np.float64):
    X, y = make_classification(n_samples=200, n_features=48, random_state=0)
    model = MLPClassifier(
        hidden_layer_sizes=(96,), solver="adam", max_iter=5, batch_size=50, random_state=0
    )
    _kernels.available()  # load numba where it can be: then every fit large enough uses it
    with _kernels.use_kernels(kernels):
        return model.fit(X.astype(dtype), y)


def test_only_fits_worth_it_load_numba(monkeypatch):
    loads = []
    monkeypatch.setattr(_kernels, "_module", {})  # not loaded yet in this process
    monkeypatch.setattr(_kernels, "_load", lambda: loads.append(1))
    X, y = make_classification(n_samples=200, n_features=48, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(96,), max_iter=2, batch_size=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)  # 8 steps × 4,800 parameters: far below WORTH_LOADING
        assert not loads
        monkeypatch.setattr(_kernels, "WORTH_LOADING", 8 * 4800)
        model.fit(X, y)
    assert loads


def test_many_short_per_sample_trainings_load_numba_together(monkeypatch):
    loads = []
    monkeypatch.setattr(_kernels, "_module", {})  # not loaded yet in this process
    monkeypatch.setattr(_kernels, "_load", lambda: loads.append(1))
    monkeypatch.setattr(_kernels, "_loop_steps", [0])
    monkeypatch.setattr(_kernels, "LOOP_STEPS", 100)
    X, y = make_classification(n_samples=20, n_features=3, n_informative=2, n_redundant=0)
    with config_context(kernels="auto"):
        for _ in range(4):  # each fit is one epoch of 20 steps, fewer than LOOP_STEPS
            Perceptron(max_iter=1, tol=None).fit(X, y)
        assert not loads
        Perceptron(max_iter=1, tol=None).fit(X, y)  # the fifth reaches 100 steps in all
    assert loads


def test_fit_with_kernels_is_reproducible_and_agrees():
    first, second = _fit(True), _fit(True)
    n_params = sum(a.size for a in first.coefs_ + first.intercepts_)
    assert _kernels.enabled_for(np.zeros(n_params))  # the fit used the kernel
    for a, b in zip(
        first.coefs_ + first.intercepts_, second.coefs_ + second.intercepts_, strict=True
    ):
        np.testing.assert_array_equal(a, b)
    reference = _fit(False)
    for a, b in zip(
        first.coefs_ + first.intercepts_, reference.coefs_ + reference.intercepts_, strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_numba_import_failure_falls_back_silently(monkeypatch, caplog):
    monkeypatch.setattr(_kernels, "_module", {})
    monkeypatch.setitem(__import__("sys").modules, "sklearn_dl._kernels._numba", None)
    params = np.zeros(_kernels.MIN_SIZE)
    with caplog.at_level(logging.DEBUG, logger="sklearn_dl._kernels"):
        assert not _kernels.enabled_for(params)
        assert not _kernels.available()
    assert all(record.levelno == logging.DEBUG for record in caplog.records)
    assert "did not import" in caplog.text
    reference = _fit(False)
    fitted = _fit(True)
    for a, b in zip(fitted.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


class _RefusingNumba(importlib.abc.MetaPathFinder):
    """An import hook under which ``import numba`` fails as a numba too old for numpy does."""

    def find_spec(self, name, path=None, target=None):
        if name == "numba" or name.startswith("numba."):
            raise ImportError("Numba needs NumPy 2.2 or less")
        return None


def test_numba_refusing_numpy_means_the_numpy_path(monkeypatch, caplog):
    monkeypatch.setattr(_kernels, "_module", {})
    for name in [n for n in sys.modules if n == "numba" or n.startswith("numba.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delitem(sys.modules, "sklearn_dl._kernels._numba", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_RefusingNumba(), *sys.meta_path])
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=3, random_state=0)
    with caplog.at_level(logging.DEBUG, logger="sklearn_dl._kernels"), warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        with config_context(kernels="force"):
            fitted = clone(model).fit(X, y)
        with config_context(kernels=False):
            reference = clone(model).fit(X, y)
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert "Numba needs NumPy" in caplog.text
    for a, b in zip(fitted.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_kernel_failure_falls_back_to_numpy(monkeypatch):
    class Broken:
        def adam_step(self, *args):
            raise RuntimeError("no compiler")

    monkeypatch.setattr(_kernels, "_module", {"module": Broken()})
    rng = np.random.default_rng(2)
    params = rng.standard_normal(_kernels.MIN_SIZE)
    grads = rng.standard_normal(params.size)
    fused, reference = params.copy(), params.copy()
    for p in (fused, reference):
        optimizer = Adam()
        optimizer.init(p, n_weights=p.size)
        with _kernels.use_kernels(p is fused):
            optimizer.step(p, grads, 0.1)
    np.testing.assert_array_equal(fused, reference)
    assert _kernels._module["module"] is None


def test_failing_penalised_step_falls_back_to_the_separate_passes(monkeypatch):
    module = _kernels._load()

    class AdamFails:
        def __getattr__(self, name):
            if name == "adam_step":
                raise RuntimeError("no compiler")
            return getattr(module, name)

    X, y = make_classification(n_samples=120, n_features=8, random_state=0)
    fits = []
    for setting in ("force", False):
        monkeypatch.setattr(_kernels, "_module", {"module": AdamFails()})
        model = MLPClassifier(
            hidden_layer_sizes=(16,), penalty="elasticnet", alpha=2.0, max_iter=3, random_state=0
        )
        with config_context(kernels=setting):
            fits.append(model.fit(X, y).coefs_)
        assert (_kernels._module["module"] is None) == bool(setting)  # switched off on failure
    assert np.count_nonzero(fits[1][0] == 0) > 0
    for a, b in zip(*fits, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def _dense_pass(activation, X, dA, setting):
    """A training forward and backward pass of one Dense layer; its outputs and gradients."""
    layer = Dense(X.shape[1] + 3, activation=activation)
    layer.build(X.shape[1], X.dtype)
    rng = np.random.default_rng(3)
    W = rng.standard_normal((X.shape[1], layer.units)).astype(X.dtype)
    b = rng.standard_normal(layer.units).astype(X.dtype)
    layer.bind([W], [b], [np.empty_like(W)], [np.empty_like(b)])
    with config_context(kernels=setting):
        A = layer.forward(X, training=True).copy()
        dX = layer.backward(dA.copy())
    return A, dX, layer.dW_.copy(), layer.db_.copy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_dense_layer_kernels_agree_with_numpy(activation, dtype):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((33, 17)).astype(dtype)
    dA = rng.standard_normal((33, 20)).astype(dtype)
    fused = _dense_pass(activation, X, dA, "force")
    reference = _dense_pass(activation, X, dA, False)
    for a, b in zip(fused, reference, strict=True):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, b, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype] * 1e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic"])
def test_backward_kernel_sums_the_bias_gradient_in_its_pass(activation, dtype):
    rng = np.random.default_rng(7)
    f = get_activation(activation)
    A = f.forward(rng.standard_normal((300, 7))).astype(dtype)
    dA, db = rng.standard_normal((300, 7)).astype(dtype), np.full(7, np.nan, dtype)
    expected = dA.copy()
    with config_context(kernels="force"):
        assert _kernels.activation_backward(f, A, expected)  # the pass without the sum
        assert _kernels.activation_backward(f, A, dA, db)
        # Shapes the kernel cannot take are left to numpy.
        assert not _kernels.activation_backward(f, A, dA.copy(), db[:6])
        assert not _kernels.activation_backward(f, A, dA.copy(), db.astype(np.float16))
    np.testing.assert_array_equal(dA, expected)
    # Summed in float64: closer to the exact sum than the dtype's own rounding.
    exact = expected.sum(axis=0, dtype=np.float64)
    np.testing.assert_allclose(db, exact, rtol=np.finfo(dtype).eps, atol=0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bias_kernel_adds_the_bias_of_a_linear_layer_exactly(dtype):
    rng = np.random.default_rng(6)
    Z, b = rng.standard_normal((9, 5)).astype(dtype), rng.standard_normal(5).astype(dtype)
    out = Z.copy()
    with config_context(kernels="force"):
        assert _kernels.bias_activation(out, b, Identity())
    np.testing.assert_array_equal(out, Z + b)


def _fused(loss, Y, Z, weight, scale=None):
    """The loss kernel's value and gradient, in a new array; None where numpy must."""
    grad = np.empty_like(Z)
    value = _kernels.loss_gradient_into(loss, Y, Z, grad, weight, scale)
    return None if value is None else (value, grad)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "loss", [SquaredError(), BinaryCrossEntropy(), CategoricalCrossEntropy()], ids=repr
)
def test_loss_kernels_agree_with_numpy(loss, dtype):
    rng = np.random.default_rng(5)
    Z = (5 * rng.standard_normal((40, 4))).astype(dtype)
    Z[0] = [-800, 800, 40, -40]  # far logits: no overflow, no NaN
    Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, 40)]
    with config_context(kernels="force"):
        value, grad = _fused(loss, Y, Z, None)
    value_ref, grad_ref = loss.loss_gradient(Y, Z)
    assert grad.dtype == dtype and np.all(np.isfinite(grad))
    assert value == pytest.approx(value_ref, rel=TOLERANCE[dtype])
    np.testing.assert_allclose(grad, grad_ref, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    weight = rng.uniform(0, 3, 40).astype(dtype)
    with config_context(kernels="force"):
        value, grad = _fused(loss, Y, Z, weight)
    value_ref, grad_ref = loss.loss_gradient(Y, Z, weight)
    assert value == pytest.approx(value_ref, rel=TOLERANCE[dtype])
    np.testing.assert_allclose(grad, grad_ref, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    # Logits held output by output: Fortran-ordered views, written in place.
    ZT, GT = np.ascontiguousarray(Z.T), np.empty((4, 40), dtype)
    with config_context(kernels="force"):
        value = _kernels.loss_gradient_into(loss, Y, ZT.T, GT.T, weight)
    assert value == pytest.approx(value_ref, rel=TOLERANCE[dtype])
    np.testing.assert_allclose(GT.T, grad_ref, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype])
    # A NaN logit, wherever it is in its row, gives NaN where numpy does.
    for k in range(4):
        Z_nan = Z[:3].copy()
        Z_nan[1, k] = np.nan
        with config_context(kernels="force"):
            value_nan, grad_nan = _fused(loss, Y[:3], Z_nan, None)
        with np.errstate(invalid="ignore"):
            value_ref_nan, grad_ref_nan = loss.loss_gradient(Y[:3], Z_nan)
        assert np.isnan(value_nan) and np.isnan(value_ref_nan)
        np.testing.assert_array_equal(np.isnan(grad_nan), np.isnan(grad_ref_nan))
        np.testing.assert_allclose(grad_nan, grad_ref_nan, rtol=TOLERANCE[dtype])
    # A scale multiplies the gradient last, as ``grad *= scale`` does after the loss.
    scale, G = 1 / 7, np.empty_like(Z)
    with config_context(kernels="force"):
        value_scaled, grad_scaled = _fused(loss, Y, Z, weight, scale)
        assert _kernels.loss_gradient_into(loss, Y, Z, G, weight, dtype(scale)) == value_scaled
        _, grad = _fused(loss, Y, Z, weight)
    assert value_scaled == value and grad_scaled.dtype == dtype
    np.testing.assert_array_equal(grad_scaled, grad * dtype(scale))
    np.testing.assert_array_equal(G, grad_scaled)
    # Shapes numpy refuses are left to numpy (the kernels do not check bounds).
    with config_context(kernels="force"):
        assert _kernels.loss_gradient_into(loss, Y, Z, np.empty((20, 4), dtype), None) is None
        assert _fused(loss, Y[:20], Z, None) is None
        assert _fused(loss, Y, Z, weight[:20]) is None


def test_setting_decides_where_kernels_run(monkeypatch):
    small = np.zeros(8)
    with config_context(kernels="force"):
        assert _kernels.enabled_for(small)
        assert not _kernels.enabled_for(small.astype(np.int64))
        assert not _kernels.enabled_for(np.zeros((8, 8))[:, ::2])  # not contiguous
    with config_context(kernels="auto"):
        assert not _kernels.enabled_for(small)
        monkeypatch.setattr(_kernels, "_module", {})  # as in a process where none loaded yet
        with _kernels.for_work(_kernels.WORTH_LOADING - 1):
            assert not _kernels.enabled_for(np.zeros(_kernels.MIN_SIZE))
        assert _kernels.enabled_for(np.zeros(_kernels.MIN_SIZE))
    with config_context(kernels=False):
        assert not _kernels.enabled_for(np.zeros(_kernels.MIN_SIZE))
    assert get_config()["kernels"] == "auto"  # restored after each block
    with pytest.raises(ValueError, match="kernels must be"):
        set_config(kernels="always")


@pytest.mark.parametrize(
    ("value", "setting"),
    [("0", False), ("off", False), ("force", "force"), ("1", "auto"), (None, "auto")],
)
def test_environment_variable_sets_the_default(monkeypatch, value, setting):
    if value is None:
        monkeypatch.delenv("SKLEARN_DL_KERNELS", raising=False)
    else:
        monkeypatch.setenv("SKLEARN_DL_KERNELS", value)
    assert _config._from_environment() == setting


STOCHASTIC = [name for name, cls in REGISTRY.items() if not cls.full_batch]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("penalty", ["l2", "l1", "elasticnet"])
@pytest.mark.parametrize("solver", STOCHASTIC)
def test_forced_fit_is_reproducible_and_agrees(solver, penalty, dtype, monkeypatch):
    X, y = make_classification(
        n_samples=120, n_features=8, n_classes=3, n_informative=4, random_state=0
    )
    X = X.astype(dtype)
    separate = []  # the penalty's own passes, which a folded step does not need

    def add_penalty_gradient(objective, total_weight):
        separate.append(total_weight)
        add(objective, total_weight)

    add = Objective.add_penalty_gradient
    monkeypatch.setattr(Objective, "add_penalty_gradient", add_penalty_gradient)

    def fit(setting):
        model = MLPClassifier(
            hidden_layer_sizes=(16, 12),
            activation="tanh",
            solver=solver,
            penalty=penalty,
            alpha=2.0,  # a penalty that matters: the L1 step zeroes weights
            max_iter=3,
            batch_size=32,
            random_state=0,
        )
        with config_context(kernels=setting):
            return model.fit(X, y)

    first, second = fit("force"), fit("force")
    assert not separate  # every step had the penalty folded into its kernel
    reference = fit(False)
    assert separate
    for a, b, c in zip(first.coefs_, second.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e3 * TOLERANCE[dtype], atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("per_entry", [True, False])
def test_penalty_kernels_agree_with_numpy(per_entry, dtype):
    rng = np.random.default_rng(6)
    W = rng.standard_normal(300).astype(dtype)
    grad = rng.standard_normal(300).astype(dtype)
    step = rng.random(300).astype(dtype) if per_entry else 0.3
    penalty = ElasticNet(l1_ratio=0.4)
    results = []
    for setting in ("force", False):
        w, g = W.copy(), grad.copy()
        with config_context(kernels=setting):
            penalty.add_smooth_gradient(w, g, scale=0.7)
            shrunk = _kernels.soft_threshold(w, step, 2.5, penalty.l1)
            if not shrunk:
                penalty.prox(w, step * 2.5)
        assert shrunk == (setting == "force")
        results.append((w, g))
    (w, g), (w_ref, g_ref) = results
    np.testing.assert_array_equal(g, g_ref)  # the same operations in the same order
    np.testing.assert_array_equal(w, w_ref)
    assert 0 < np.count_nonzero(w == 0) < w.size


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_forced_fit_with_l1_agrees(solver):
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200, 30))
    y = X[:, :3] @ np.array([1.0, -2.0, 0.5]) + 0.1 * rng.standard_normal(200)
    fits = []
    for setting in ("force", False):
        model = LinearRegression(
            solver=solver, penalty="elasticnet", alpha=30.0, max_iter=20, random_state=0
        )
        with config_context(kernels=setting):
            fits.append(model.fit(X, y).coef_)
    assert np.count_nonzero(fits[1] == 0) > 0
    np.testing.assert_allclose(fits[0], fits[1], rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_error_fits_take_the_loss_kernel_and_agree(dtype, monkeypatch):
    rng = np.random.default_rng(8)
    X = rng.standard_normal((150, 6)).astype(dtype)
    Y = np.column_stack([X[:, 0] - X[:, 1], np.tanh(X[:, 2])]).astype(dtype)
    weight = rng.uniform(0.5, 2.0, 150).astype(dtype)
    fused = []
    kernel = _kernels.loss_gradient_into

    def spy(loss, *args):
        value = kernel(loss, *args)
        fused.append(type(loss).__name__ if value is not None else None)
        return value

    monkeypatch.setattr(_kernels, "loss_gradient_into", spy)
    settings = dict(hidden_layer_sizes=(9,), solver="adam", max_iter=3, batch_size=40)
    cases = [
        (MLPRegressor(**settings, random_state=0), (X, Y), {"sample_weight": weight}),
        (Autoencoder(2, **settings, random_state=0), (X,), {}),
    ]
    for model, data, fit_params in cases:
        fits = []
        for setting in ("force", "force", False):
            fused.clear()
            with config_context(kernels=setting):
                fits.append(clone(model).fit(*data, **fit_params).network_.params)
            assert set(fused) == ({"SquaredError"} if setting else set())
        np.testing.assert_array_equal(fits[0], fits[1])
        np.testing.assert_allclose(fits[0], fits[2], rtol=0, atol=10 * TOLERANCE[dtype])
