"""Out-of-core training with ``sklearn_dl.streaming``: blocks of a memmap, bounded memory."""

import tempfile
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor
from sklearn_dl.streaming import iter_blocks, partial_fit_blocks

# (factory, kind): every estimator that learns incrementally.
INCREMENTAL = [
    (lambda: LinearRegression(solver="sgd", learning_rate_init=0.01, random_state=0), "reg"),
    (lambda: LogisticRegression(solver="adam", learning_rate_init=0.05, random_state=0), "clf"),
    (lambda: MLPRegressor(hidden_layer_sizes=(8,), random_state=0), "reg"),
    (lambda: MLPClassifier(hidden_layer_sizes=(8,), random_state=0), "clf"),
    (lambda: Autoencoder(n_components=2, random_state=0), "ae"),
    (lambda: KNeighborsRegressor(n_neighbors=3), "reg"),
    (lambda: KNeighborsClassifier(n_neighbors=3), "clf"),
]
IDS = [
    "LinearRegression",
    "LogisticRegression",
    "MLPRegressor",
    "MLPClassifier",
    "Autoencoder",
    "KNeighborsRegressor",
    "KNeighborsClassifier",
]


def memmap(array):
    """A read-only memmap holding ``array``, in a temporary file."""
    out = np.memmap(tempfile.TemporaryFile(), dtype=array.dtype, mode="w+", shape=array.shape)
    out[:] = array
    out.flush()
    return out


def dataset(rng, n_samples, n_features=5):
    X = rng.normal(size=(n_samples, n_features))
    y_reg = X @ rng.normal(size=n_features) + 0.1 * rng.normal(size=n_samples)
    y_clf = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])  # three classes
    return X, y_reg, y_clf


def target(kind, y_reg, y_clf):
    return {"reg": y_reg, "clf": y_clf, "ae": None}[kind]


def outputs(model, X):
    """Everything a fitted model computes on ``X``, to compare two models."""
    if isinstance(model, Autoencoder):
        return [model.transform(X), model.inverse_transform(model.transform(X))]
    found = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        found.append(model.predict_proba(X))
    return found


def manual_loop(model, X, y, block_size, classes=None, sample_weight=None, epochs=1):
    """The reference: ``partial_fit`` written out over consecutive slices."""
    extra = {} if classes is None else {"classes": classes}
    for _ in range(epochs):
        for start in range(0, X.shape[0], block_size):
            rows = slice(start, start + block_size)
            if sample_weight is not None:
                extra["sample_weight"] = sample_weight[rows]
            if y is None:
                model.partial_fit(X[rows], **extra)
            else:
                model.partial_fit(X[rows], y[rows], **extra)
    return model


@pytest.mark.parametrize(("make", "kind"), INCREMENTAL, ids=IDS)
def test_blocks_of_a_memmap_give_the_model_of_a_partial_fit_loop(make, kind):
    rng = np.random.default_rng(0)
    X, y_reg, y_clf = dataset(rng, 700)
    y = target(kind, y_reg, y_clf)
    classes = np.unique(y_clf) if kind == "clf" else None
    X_disk = memmap(X)
    y_disk = None if y is None else memmap(y)

    streamed = partial_fit_blocks(make(), X_disk, y_disk, block_size=200, epochs=2)
    expected = manual_loop(make(), X, y, 200, classes=classes, epochs=2)

    for got, want in zip(outputs(streamed, X), outputs(expected, X), strict=True):
        np.testing.assert_array_equal(got, want)
    if kind == "clf":
        np.testing.assert_array_equal(streamed.classes_, classes)
    if hasattr(streamed, "loss_curve_"):
        assert len(streamed.loss_curve_) == 8  # 4 blocks, 2 epochs: one call per block


def test_classes_found_in_a_first_pass_when_not_given():
    rng = np.random.default_rng(1)
    X, _, y = dataset(rng, 600)
    y = np.array(["low", "mid", "high"])[y]
    y[:300] = "low"  # the first block holds one class only
    make = lambda: LogisticRegression(solver="adam", random_state=0)  # noqa: E731
    found = partial_fit_blocks(make(), X, y, block_size=150)
    given = partial_fit_blocks(make(), X, y, block_size=150, classes=["high", "low", "mid"])
    np.testing.assert_array_equal(found.classes_, ["high", "low", "mid"])
    np.testing.assert_array_equal(found.predict_proba(X), given.predict_proba(X))


def test_sample_weight_is_streamed_with_the_rows():
    rng = np.random.default_rng(2)
    X, y, _ = dataset(rng, 500)
    w = rng.uniform(0.1, 3.0, size=500)
    make = lambda: LinearRegression(solver="sgd", random_state=0)  # noqa: E731
    streamed = partial_fit_blocks(make(), memmap(X), y, sample_weight=memmap(w), block_size=128)
    expected = manual_loop(make(), X, y, 128, sample_weight=w)
    unweighted = manual_loop(make(), X, y, 128)
    np.testing.assert_array_equal(streamed.coef_, expected.coef_)
    assert not np.array_equal(streamed.coef_, unweighted.coef_)


def test_dataframe_blocks_keep_feature_names():
    rng = np.random.default_rng(3)
    X, y, _ = dataset(rng, 300, n_features=3)
    frame = pd.DataFrame(X, columns=["age", "height", "weight"])
    make = lambda: MLPRegressor(hidden_layer_sizes=(4,), random_state=0)  # noqa: E731
    model = partial_fit_blocks(make(), frame, y, block_size=100)
    expected = manual_loop(make(), X, y, 100)
    np.testing.assert_array_equal(model.feature_names_in_, ["age", "height", "weight"])
    np.testing.assert_array_equal(model.predict(frame), expected.predict(X))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"age": "years"}))


def test_lists_are_streamed_like_arrays():
    X = [[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0], [4.0, 0.0]]
    y = ["a", "b", "a", "b", "b"]
    model = partial_fit_blocks(KNeighborsClassifier(n_neighbors=1), X, y, block_size=2)
    assert model.n_samples_fit_ == 5
    np.testing.assert_array_equal(model.predict(X), y)


def test_iter_blocks_covers_every_row_once_in_order():
    X = np.arange(23 * 2).reshape(23, 2)
    y = np.arange(23)
    blocks = list(iter_blocks(X, y, block_size=5))
    assert [len(b[0]) for b in blocks] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]), y)
    assert all(b[2] is None for b in blocks)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"block_size": 0}, ValueError, "block_size"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"y": np.zeros(3)}, ValueError, "rows"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    X = np.zeros((10, 2))
    arguments = {"y": np.zeros(10), **kwargs}
    with pytest.raises(error, match=match):
        partial_fit_blocks(LinearRegression(solver="sgd"), X, **arguments)


def test_full_batch_solver_is_refused_with_advice():
    with pytest.raises(TypeError, match="mini-batch solver"):
        partial_fit_blocks(LinearRegression(solver="lbfgs"), np.zeros((4, 2)), np.zeros(4))


# -- memory -----------------------------------------------------------------------------

BLOCK = 500
N_FEATURES = 20


def disk_dataset(n_samples, seed):
    """A regression data set written to memmaps block by block (never whole in memory)."""
    rng = np.random.default_rng(seed)
    X = np.memmap(
        tempfile.TemporaryFile(), dtype=np.float64, mode="w+", shape=(n_samples, N_FEATURES)
    )
    y = np.memmap(tempfile.TemporaryFile(), dtype=np.float64, mode="w+", shape=(n_samples,))
    coef = rng.normal(size=N_FEATURES)
    for start in range(0, n_samples, BLOCK):
        block = rng.normal(size=(min(BLOCK, n_samples - start), N_FEATURES))
        X[start : start + len(block)] = block
        y[start : start + len(block)] = block @ coef
    return X, y


def peak_bytes(model, X, y):
    """Peak of the memory allocated while streaming ``X`` (memmap pages are not counted)."""
    tracemalloc.start()
    try:
        partial_fit_blocks(model, X, y, block_size=BLOCK)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("make", "supervised"),
    [
        (lambda: LinearRegression(solver="sgd", random_state=0), True),
        (lambda: MLPRegressor(hidden_layer_sizes=(16,), random_state=0), True),
        (lambda: Autoencoder(n_components=4, random_state=0), False),
    ],
    ids=["LinearRegression", "MLPRegressor", "Autoencoder"],
)
def test_peak_memory_does_not_grow_with_the_number_of_rows(make, supervised):
    (X_small, y_small), (X_large, y_large) = disk_dataset(4 * BLOCK, 0), disk_dataset(32 * BLOCK, 1)
    if not supervised:
        y_small = y_large = None
    peak_bytes(make(), X_small, y_small)  # warm up: first calls import and cache
    small_peak = peak_bytes(make(), X_small, y_small)
    large_peak = peak_bytes(make(), X_large, y_large)
    # Eight times the rows: the peak stays that of one block (plus a few floats of history).
    assert large_peak <= 1.1 * small_peak + 32_000
    assert large_peak < X_large.nbytes / 8  # far below the data: it was never loaded whole
