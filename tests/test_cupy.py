"""The estimators under array API dispatch on CuPy arrays, on a CUDA GPU.

CuPy keeps numpy's names, so the engine calls it almost directly
(:class:`sklearn_dl._array_api.CupyFunctions`); these tests check that it
ends where numpy ends, as the PyTorch tests do. Skipped without CuPy and a GPU.
"""

import pickle

import numpy as np
import pytest
from _device_cases import PARTS, STOCHASTIC, TOLERANCE, estimators, make_data
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import clone, config_context

from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor

cupy = pytest.importorskip("cupy")
pytest.importorskip("array_api_compat")
try:
    _gpus = cupy.cuda.runtime.getDeviceCount()
except cupy.cuda.runtime.CUDARuntimeError:
    _gpus = 0
if not _gpus:
    pytest.skip("needs a CUDA GPU", allow_module_level=True)

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.usefixtures("array_api_dispatch"),  # see conftest.py
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),  # 3 epochs
]


def _close(ours, numpy_result, dtype):
    assert isinstance(ours, cupy.ndarray), type(ours)
    tol = TOLERANCE[dtype]
    scale = max(float(np.max(np.abs(numpy_result), initial=0.0)), 1.0)
    assert_allclose(cupy.asnumpy(ours), numpy_result, rtol=0, atol=tol * scale)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("solver", [*STOCHASTIC, "lbfgs"])
def test_a_cupy_fit_equals_the_numpy_fit(solver, dtype):
    X, X_unit, *targets = make_data(dtype)
    targets = dict(zip(["y_binary", "y_classes", "y_real"], targets, strict=True))
    for estimator, target in estimators(solver):
        if solver == "lbfgs" and target == "X_unit" and "Variational" in type(estimator).__name__:
            continue  # its objective is random: no line search follows it
        inputs = X_unit if target == "X_unit" else X
        y = targets.get(target)
        with config_context(array_api_dispatch=False):
            numpy_fit = clone(estimator).fit(inputs, y)
        ours = clone(estimator).fit(cupy.asarray(inputs), None if y is None else cupy.asarray(y))
        assert ours.network_.params.dtype == dtype
        _close(ours.network_.params, numpy_fit.network_.params, dtype)
        for name in ["predict", "predict_proba", "decision_function", "transform"]:
            if hasattr(ours, name):
                expected = np.asarray(getattr(numpy_fit, name)(inputs), dtype=np.float64)
                _close(getattr(ours, name)(cupy.asarray(inputs)), expected, dtype)
        assert ours.n_iter_ == numpy_fit.n_iter_


@pytest.mark.parametrize(("estimator", "settings"), PARTS, ids=lambda p: str(p)[:40])
def test_every_part_computes_with_cupy_as_in_numpy(estimator, settings):
    X, _, _, y3, yr = make_data()
    y = {MLPRegressor: yr, MLPClassifier: y3, Autoencoder: None}[estimator]
    model = estimator(hidden_layer_sizes=(6,), max_iter=3, random_state=0, batch_size=60)
    model.set_params(**settings)
    with config_context(array_api_dispatch=False):
        numpy_fit = clone(model).fit(X, y)
    ours = clone(model).fit(cupy.asarray(X), None if y is None else cupy.asarray(y))
    _close(ours.network_.params, numpy_fit.network_.params, np.float64)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_brute_search_on_cupy_equals_numpy(dtype):
    rng = np.random.default_rng(0)
    X, Q = (rng.standard_normal(shape).astype(dtype) for shape in ((500, 8), (90, 8)))
    y = rng.integers(0, 4, 500)
    ours = KNeighborsRegressor(5, algorithm="brute").fit(cupy.asarray(X), cupy.asarray(y * 1.0))
    with config_context(array_api_dispatch=False):
        reference = KNeighborsRegressor(5, algorithm="brute").fit(X, y * 1.0)
        expected = reference.kneighbors(Q)
    dist, ind = ours.kneighbors(cupy.asarray(Q))
    assert isinstance(dist, cupy.ndarray) and isinstance(ind, cupy.ndarray)
    assert_array_equal(cupy.asnumpy(ind), expected[1])
    tol = {np.float64: 1e-10, np.float32: 1e-4}[dtype]
    assert_allclose(cupy.asnumpy(dist), expected[0], rtol=tol, atol=tol)
    clf = KNeighborsClassifier(5, weights="distance").fit(cupy.asarray(X), cupy.asarray(y))
    with config_context(array_api_dispatch=False):
        labels = KNeighborsClassifier(5, weights="distance").fit(X, y).predict(Q)
    assert_array_equal(cupy.asnumpy(clf.predict(cupy.asarray(Q))), labels)


def test_a_cupy_model_pickles_and_refuses_numpy_input():
    X, _, _, y3, _ = make_data()
    model = MLPClassifier(hidden_layer_sizes=(5,), max_iter=3, random_state=0)
    model.fit(cupy.asarray(X), cupy.asarray(y3))
    loaded = pickle.loads(pickle.dumps(model))
    expected = cupy.asnumpy(model.predict_proba(cupy.asarray(X)))
    assert_allclose(cupy.asnumpy(loaded.predict_proba(cupy.asarray(X))), expected)
    with pytest.raises(ValueError, match="fitted on arrays of cupy on device 0, and X is an array"):
        model.predict(X)
