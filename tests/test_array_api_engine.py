"""The gradient-trained estimators under scikit-learn's array API dispatch.

PyTorch on the CPU stands for every device: a fit on a tensor must start
from the numpy fit's initial weights, take the same steps (the batches, the
dropout masks and the noise are drawn on the host from ``random_state``), and
so end where the numpy fit ends, with its fitted arrays in PyTorch on the
input's device. Tests marked ``cuda`` run the same on a GPU where there is one.
"""

import pickle

import numpy as np
import pytest
from _device_cases import PARTS, STOCHASTIC, TOLERANCE, estimators, make_data
from numpy.testing import assert_allclose
from sklearn import clone, config_context

from sklearn_dl.linear_model import LinearRegression, LogisticRegression, Perceptron
from sklearn_dl.neural_network import (
    Autoencoder,
    MLPClassifier,
    MLPRegressor,
    VariationalAutoencoder,
)

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")

pytestmark = [
    pytest.mark.usefixtures("array_api_dispatch"),  # see conftest.py
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),  # 3 epochs
]


def _fit_both(estimator, target, dtype, device):
    """The numpy fit and the fit on a tensor of ``estimator``; their inputs."""
    X, X_unit, *targets = make_data(dtype)
    data = dict(zip(["y_binary", "y_classes", "y_real"], targets, strict=True))
    X = X_unit if target == "X_unit" else X
    y = None if target == "X_unit" else data[target]
    with config_context(array_api_dispatch=False):
        numpy_fit = clone(estimator).fit(X, y)
    X_t = torch.asarray(X, device=device)
    y_t = None if y is None else torch.asarray(y, device=device)
    return numpy_fit, clone(estimator).fit(X_t, y_t), X, X_t


def _host(array):
    return array.detach().cpu().numpy()


def _close(ours, numpy_result, dtype):
    assert isinstance(ours, torch.Tensor)
    tol = TOLERANCE[dtype]
    scale = max(float(np.max(np.abs(numpy_result), initial=0.0)), 1.0)
    assert_allclose(_host(ours), numpy_result, rtol=0, atol=tol * scale)


def _predictions(model, X):
    """What the estimator offers to compute from ``X`` (one array per method)."""
    methods = ["predict", "predict_proba", "predict_log_proba", "decision_function"]
    methods += ["transform", "score_samples"]
    return {name: getattr(model, name)(X) for name in methods if hasattr(model, name)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", [*STOCHASTIC, "lbfgs"])
def test_a_device_fit_equals_the_numpy_fit(solver, dtype, device):
    for estimator, target in estimators(solver):
        if solver == "lbfgs" and isinstance(estimator, VariationalAutoencoder):
            continue  # its objective is random: no line search follows it
        numpy_fit, ours, X, X_t = _fit_both(estimator, target, dtype, device)
        params = ours.network_.params
        assert isinstance(params, torch.Tensor) and params.device.type == device
        assert params.dtype == getattr(torch, np.dtype(dtype).name)
        _close(params, numpy_fit.network_.params, dtype)
        ours_out, numpy_out = _predictions(ours, X_t), _predictions(numpy_fit, X)
        assert ours_out.keys() == numpy_out.keys()
        for name, result in ours_out.items():
            assert result.device.type == device, name
            _close(result, np.asarray(numpy_out[name], dtype=np.float64), dtype)
        assert ours.n_iter_ == numpy_fit.n_iter_
        assert_allclose(ours.loss_curve_, numpy_fit.loss_curve_, rtol=TOLERANCE[dtype])


def test_fitted_attributes_live_on_the_device(device):
    X, _, y, y3, yr = make_data()
    X_t = torch.asarray(X, device=device)
    mlp = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    mlp.fit(X_t, torch.asarray(y3, device=device))
    for array in [*mlp.coefs_, *mlp.intercepts_]:
        assert isinstance(array, torch.Tensor) and array.device.type == device
    linear = LinearRegression().fit(X_t, torch.asarray(yr, device=device))
    assert isinstance(linear.coef_, torch.Tensor) and isinstance(linear.intercept_, torch.Tensor)
    assert type(linear.solver_).__name__ == "LBFGS"  # "auto": the data stay on the device
    with config_context(array_api_dispatch=False):
        exact = LinearRegression().fit(X, yr)
    assert_allclose(_host(linear.coef_), exact.coef_, atol=1e-5)  # L-BFGS stops at tol
    assert isinstance(mlp.score(X_t, torch.asarray(y3, device=device)), float)


def test_dropout_batch_norm_and_noise_take_the_numpy_fits_draws():
    X, _, y, _, _ = make_data()
    model = MLPClassifier(
        hidden_layer_sizes=(8, 8), dropout=0.3, batch_norm=True, max_iter=3, random_state=0
    )
    with config_context(array_api_dispatch=False):
        numpy_fit = clone(model).fit(X, y)
    ours = clone(model).fit(torch.asarray(X), torch.asarray(y))
    _close(ours.network_.params, numpy_fit.network_.params, np.float64)
    for denoising in [0.2, ("mask", 0.3)]:
        model = Autoencoder(
            hidden_layer_sizes=(4,), denoising=denoising, solver="adam", max_iter=3, random_state=0
        )
        with config_context(array_api_dispatch=False):
            numpy_fit = clone(model).fit(X)
        ours = clone(model).fit(torch.asarray(X))
        _close(ours.network_.params, numpy_fit.network_.params, np.float64)


def test_continued_fits_and_early_stopping_on_the_device():
    X, _, _, y3, _ = make_data(n=400)
    X_t, y_t = torch.asarray(X), torch.asarray(y3)
    settings = dict(hidden_layer_sizes=(6,), random_state=0, solver="adam")
    ours = MLPClassifier(**settings)
    reference = MLPClassifier(**settings)
    for _ in range(3):
        ours.partial_fit(X_t, y_t, classes=np.arange(3))
        with config_context(array_api_dispatch=False):
            reference.partial_fit(X, y3, classes=np.arange(3))
    _close(ours.network_.params, reference.network_.params, np.float64)
    stopping = dict(settings, early_stopping=True, max_iter=30, n_iter_no_change=2)
    ours = MLPClassifier(**stopping).fit(X_t, y_t)
    with config_context(array_api_dispatch=False):
        reference = MLPClassifier(**stopping).fit(X, y3)
    assert ours.n_iter_ == reference.n_iter_
    assert_allclose(ours.validation_scores_, reference.validation_scores_)
    warm = MLPClassifier(**settings, warm_start=True, max_iter=2).fit(X_t, y_t)
    warm.set_params(learning_rate_init=0.01).fit(X_t, y_t)
    assert isinstance(warm.coefs_[0], torch.Tensor)


@pytest.mark.parametrize(
    "model",
    [
        MLPClassifier(hidden_layer_sizes=(6,), solver="adam", early_stopping=True),
        MLPClassifier(hidden_layer_sizes=(6,), early_stopping=True, shuffle=False),
        MLPRegressor(hidden_layer_sizes=(6,), solver="sgd", momentum=0.9),
        Autoencoder(2, hidden_layer_sizes=(4,), solver="rmsprop", alpha=0.1),
    ],
    ids=["adam, early stopping", "early stopping, no shuffle", "sgd", "autoencoder"],
)
def test_host_data_go_to_the_device_per_epoch_not_per_batch(model, monkeypatch):
    # Each copy from the host makes a GPU wait: a fit in 8 times as many
    # batches must make no more of them. (Dropout masks and noise, drawn on
    # the host, are the exception: one copy per batch.)
    X, _, _, y3, y_real = make_data(n=160)
    X_t = torch.asarray(X)
    y_t = torch.asarray(y_real if isinstance(model, MLPRegressor) else y3)
    sent = []

    def counted(make):
        def wrapper(data, *args, **kwargs):
            if not isinstance(data, torch.Tensor):
                sent.append(type(data).__name__)
            return make(data, *args, **kwargs)

        return wrapper

    def copies(batch_size):
        sent.clear()
        with monkeypatch.context() as patch:
            for name in ("as_tensor", "asarray", "tensor"):
                patch.setattr(torch, name, counted(getattr(torch, name)))
            fitted = clone(model).set_params(batch_size=batch_size, max_iter=3, random_state=0)
            fitted.fit(X_t, None if isinstance(model, Autoencoder) else y_t)
        return len(sent)

    assert copies(10) == copies(80)


def test_a_device_model_pickles_and_refuses_numpy_input():
    X, _, _, y3, _ = make_data()
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    model.fit(torch.asarray(X), torch.asarray(y3))
    loaded = pickle.loads(pickle.dumps(model))
    assert_allclose(
        _host(loaded.predict_proba(torch.asarray(X))), _host(model.predict_proba(torch.asarray(X)))
    )
    with pytest.raises(
        ValueError, match="fitted on arrays of torch on device cpu, and X is an array of numpy"
    ):
        model.predict(X)


def test_what_cannot_run_on_a_device_says_so():
    X, _, y, _, yr = make_data()
    X_t = torch.asarray(X)
    with pytest.raises(ValueError, match="Newton solver factors its matrices on the host"):
        LinearRegression(solver="newton").fit(X_t, torch.asarray(yr))
    with pytest.raises(ValueError, match="Perceptron takes one step per sample"):
        Perceptron().fit(X_t, torch.asarray(y))


def test_a_namespace_the_engine_does_not_compute_in_is_named():
    strict = pytest.importorskip("array_api_strict")
    X, _, _, _, yr = make_data()
    with pytest.raises(
        TypeError, match="numpy, PyTorch or CuPy arrays; got an array of array_api_strict"
    ):
        MLPRegressor(max_iter=2).fit(strict.asarray(X), strict.asarray(yr))


def test_without_dispatch_tensors_are_numpy_input():
    X, _, _, _, yr = make_data()
    with config_context(array_api_dispatch=False):
        model = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        model.fit(torch.asarray(X), torch.asarray(yr))
        assert isinstance(model.network_.params, np.ndarray)


@pytest.mark.parametrize(("estimator", "settings"), PARTS, ids=lambda p: str(p)[:40])
def test_every_part_computes_on_the_device_as_in_numpy(estimator, settings):
    X, _, _, y3, yr = make_data()
    y = {MLPRegressor: yr, MLPClassifier: y3, Autoencoder: None}[estimator]
    kwargs = dict(hidden_layer_sizes=(6,), max_iter=3, random_state=0, batch_size=60)
    weights = np.linspace(0.5, 1.5, X.shape[0])
    model = estimator(**kwargs, **settings)
    fit = dict(sample_weight=weights) if estimator is not Autoencoder else {}
    with config_context(array_api_dispatch=False):
        numpy_fit = clone(model).fit(X, y, **fit)
    fit = {key: torch.asarray(value) for key, value in fit.items()}
    ours = clone(model).fit(torch.asarray(X), None if y is None else torch.asarray(y), **fit)
    _close(ours.network_.params, numpy_fit.network_.params, np.float64)


def test_full_batch_fits_in_chunks_and_with_bounds_on_the_device():
    X, _, _, y3, yr = make_data(n=600)
    cases = [
        (LogisticRegression(penalty="l1", C=0.5), y3),  # L-BFGS-B over W⁺ and W⁻
        (MLPRegressor(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=30, random_state=0), yr),
    ]
    for model, y in cases:
        # A working memory this small evaluates the MLP's objective in row chunks.
        with config_context(working_memory=0.02, array_api_dispatch=False):
            numpy_fit = clone(model).fit(X, y)
        with config_context(working_memory=0.02):
            ours = clone(model).fit(torch.asarray(X), torch.asarray(y))
        _close(ours.network_.params, numpy_fit.network_.params, np.float64)
