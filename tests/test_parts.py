"""Schedules, callbacks, layers, initializers, penalties and loss stability."""

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from sklearn_dl.callbacks import EarlyStopping, LambdaCallback, ProgressPrinter, ReduceLROnPlateau
from sklearn_dl.initializers import INITIALIZERS, get_initializer
from sklearn_dl.layers import BatchNorm, Dropout, GaussianNoise
from sklearn_dl.linear_model import LinearRegression, LogisticRegression
from sklearn_dl.losses import LOSSES, get_loss
from sklearn_dl.penalties import L1, ElasticNet
from sklearn_dl.schedules import (
    CosineAnnealing,
    ExponentialDecay,
    InvScaling,
    StepDecay,
    WarmUp,
    get_schedule,
)

# -- schedules -----------------------------------------------------------------------


def started(schedule, lr0=0.1, max_epochs=100):
    schedule.start(lr0, max_epochs)
    return schedule


def test_schedule_formulas():
    assert started(get_schedule("constant")).rate(50, 1000) == 0.1
    assert started(InvScaling(power_t=0.5)).rate(3, 99) == pytest.approx(0.1 / 10)
    assert started(StepDecay(step_size=10, gamma=0.5)).rate(25, 0) == pytest.approx(0.025)
    assert started(ExponentialDecay(gamma=0.9)).rate(2, 0) == pytest.approx(0.081)
    cosine = started(CosineAnnealing(min_lr=0.01), max_epochs=10)
    assert cosine.rate(0, 0) == pytest.approx(0.1)
    assert cosine.rate(5, 0) == pytest.approx(0.055)
    assert cosine.rate(10, 0) == pytest.approx(0.01)
    warm = started(WarmUp(epochs=4, then=ExponentialDecay(gamma=0.5)))
    assert [warm.rate(e, 0) for e in range(6)] == pytest.approx([0.02, 0.04, 0.06, 0.08, 0.1, 0.05])


def test_adaptive_divides_by_five_until_the_floor():
    # scikit-learn's learning_rate="adaptive" is this callback's rule.
    plateau = ReduceLROnPlateau(
        factor=0.2, patience=1, min_delta=0.0, min_lr=1e-6, stop_at_min_lr=True
    )
    trainer = SimpleNamespace(state=SimpleNamespace(lr_factor=1.0))
    plateau.on_fit_begin(trainer)
    rates = []
    for epoch in range(10):
        rates.append(1e-4 * trainer.state.lr_factor)
        if plateau.on_epoch_end(trainer, epoch, {"loss": 1.0, "lr": rates[-1]}):
            break
    # A plateau at every epoch after the first; 8e-7 <= 1e-6: stop.
    assert rates == pytest.approx([1e-4, 1e-4, 2e-5, 4e-6, 8e-7]) and epoch == 4


def test_invscaling_uses_power_t_of_the_estimator():
    assert get_schedule("invscaling", power_t=0.25).power_t == 0.25


def regression(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    return X, X @ [1.0, -2.0, 0.5, 0.0] + 0.1 * rng.standard_normal(n)


def fit_quietly(model, X, y, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y, **kwargs)


def test_schedule_changes_training_and_is_logged():
    X, y = regression()
    kwargs = dict(solver="sgd", learning_rate_init=0.01, max_iter=20, tol=0, random_state=0)
    constant = fit_quietly(LinearRegression(**kwargs), X, y)
    decayed = fit_quietly(LinearRegression(learning_rate=ExponentialDecay(0.5), **kwargs), X, y)
    assert decayed.history_["lr"][3] == pytest.approx(0.01 * 0.5**3)
    assert constant.history_["lr"][3] == 0.01
    assert decayed.loss_curve_[-1] != constant.loss_curve_[-1]


def test_adaptive_schedule_lowers_the_rate_on_plateaus():
    X, y = regression()
    model = fit_quietly(
        LinearRegression(
            solver="sgd",
            learning_rate="adaptive",
            n_iter_no_change=2,
            tol=1e-3,
            max_iter=200,
            random_state=0,
        ),
        X,
        y,
    )
    rates = model.history_["lr"]
    assert rates[-1] < rates[0] and rates[-1] == pytest.approx(
        rates[0] * 0.2 ** round(np.log(rates[-1] / rates[0]) / np.log(0.2))
    )


# -- callbacks -----------------------------------------------------------------------


def test_early_stopping_restores_best_validation_weights():
    X, y = regression()
    X_val, y_val = regression(seed=1)
    callback = EarlyStopping(monitor="val_loss", patience=3, restore_best=True)
    model = fit_quietly(
        LinearRegression(
            solver="sgd",
            learning_rate_init=0.3,
            max_iter=200,
            tol=0,
            n_iter_no_change=1000,
            callbacks=[callback],
            random_state=0,
        ),
        X,
        y,
        validation_data=(X_val, y_val),
    )
    val_loss = model.history_["val_loss"]
    assert len(val_loss) < 200
    best = int(np.argmin(val_loss))
    fitted_val = 0.5 * np.mean((model.predict(X_val) - y_val) ** 2)
    assert fitted_val == pytest.approx(val_loss[best], rel=1e-9)


def test_early_stopping_needs_validation_data_for_val_loss():
    X, y = regression()
    model = LinearRegression(solver="sgd", callbacks=[EarlyStopping(monitor="val_loss")])
    with pytest.raises(ValueError, match="does not log"):
        model.fit(X, y)


def test_reduce_lr_on_plateau_reduces():
    X, y = regression()
    model = fit_quietly(
        LinearRegression(
            solver="sgd",
            learning_rate_init=0.05,
            max_iter=60,
            tol=0,
            n_iter_no_change=1000,
            random_state=0,
            callbacks=[ReduceLROnPlateau(patience=2, factor=0.5, min_delta=1e-3)],
        ),
        X,
        y,
    )
    assert min(model.history_["lr"]) < 0.05


def test_lambda_callback_can_stop_training():
    X, y = regression()
    stop_at_five = LambdaCallback(lambda trainer, epoch, logs: epoch == 4)
    model = LinearRegression(solver="adam", max_iter=100, callbacks=[stop_at_five]).fit(X, y)
    assert model.n_iter_ == 5


def test_progress_printer_and_verbose(capsys):
    X, y = regression()
    lines = []
    fit_quietly(
        LinearRegression(solver="sgd", max_iter=3, callbacks=[ProgressPrinter(lines.append)]), X, y
    )
    assert len(lines) == 3 and lines[0].startswith("Iteration 1, loss = ")
    fit_quietly(LinearRegression(solver="sgd", max_iter=2, verbose=True), X, y)
    assert "Iteration 2, loss =" in capsys.readouterr().out


def test_full_batch_solvers_call_callbacks_every_iteration():
    X, y = regression()
    seen = []
    callback = LambdaCallback(lambda trainer, epoch, logs: seen.append(logs["loss"]) or False)
    model = LinearRegression(callbacks=[callback]).fit(X, y)
    assert len(seen) == model.n_iter_ == len(model.loss_curve_)
    assert seen == sorted(seen, reverse=True)


# -- layers ----------------------------------------------------------------------------


def build(layer, n_in=6):
    layer.build(n_in, np.float64)
    return layer


def test_dropout_is_identity_at_inference_and_unbiased_in_training():
    X = np.ones((2000, 6))
    layer = build(Dropout(0.3))
    assert layer.forward(X, training=False) is X
    out = layer.forward(X, training=True, rng=np.random.default_rng(0))
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.02)
    assert out.mean() == pytest.approx(1.0, abs=0.03)


def test_gaussian_noise_only_while_training():
    X = np.zeros((5000, 6))
    layer = build(GaussianNoise(0.5))
    assert layer.forward(X) is X
    assert layer.forward(X, training=True, rng=np.random.default_rng(0)).std() == pytest.approx(
        0.5, rel=0.02
    )


def test_batch_norm_normalises_and_keeps_running_statistics():
    rng = np.random.default_rng(0)
    layer = BatchNorm(momentum=0.0)
    layer.build(3, np.float64)
    params = [np.ones(3), np.zeros(3)]
    layer.bind([], params, [], [np.zeros(3), np.zeros(3)])
    X = rng.normal(5.0, 3.0, (400, 3))
    out = layer.forward(X, training=True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, atol=1e-3)
    np.testing.assert_allclose(layer.running_mean_, X.mean(axis=0))
    # at inference the running statistics are used, so one row is normalised alike
    np.testing.assert_allclose(layer.forward(X[:1]), out[:1], rtol=1e-10)


# -- initializers ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(INITIALIZERS) - {"zeros"}))
def test_initializer_variance(name):
    initializer = get_initializer(name)
    W = initializer.sample((400, 200), np.random.default_rng(0), np.float32)
    fan = {"fan_in": 400, "fan_out": 200, "fan_avg": 300}[initializer.mode]
    assert W.dtype == np.float32
    assert W.var() == pytest.approx(initializer.scale / fan, rel=0.03)


# -- penalties -------------------------------------------------------------------------


def test_prox_soft_thresholds_to_exact_zeros():
    W = np.array([0.05, -0.2, 1.0, -0.01])
    L1().prox(W, 0.1)
    np.testing.assert_allclose(W, [0.0, -0.1, 0.9, 0.0])
    assert np.sum(W == 0) == 2
    W = np.array([1.0, -1.0])
    ElasticNet(l1_ratio=0.5).prox(W, np.array([0.4, 0.2]))
    np.testing.assert_allclose(W, [0.8, -0.9])


# -- numerical stability ----------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses_finite_for_huge_logits(name, dtype):
    if name == "poisson":
        pytest.skip("exp(1e4) is the Poisson mean itself: genuinely infinite")
    Z = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0]], dtype=dtype)
    Y = np.array([[1, 0, 0], [0, 0, 1]], dtype=dtype)
    loss = get_loss(name)
    # exp(-1e4) underflowing to 0 is exact enough; overflow or NaN is not.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = loss.loss_gradient(Y, Z.copy())
        link = loss.link(Z)
    assert np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(link))
    assert grad.dtype == dtype


def test_parts_are_cloned_by_fit():
    X, y = regression()
    y_class = (y > 0).astype(int)
    schedule = ExponentialDecay(0.9)
    model = fit_quietly(
        LogisticRegression(solver="sgd", learning_rate=schedule, max_iter=3), X, y_class
    )
    assert not hasattr(schedule, "lr0_") and model.schedule_ is not schedule
    assert clone(model).learning_rate is not schedule


def test_zero_patience_stops_only_on_an_epoch_without_progress():
    X, y = regression()
    stop = EarlyStopping(monitor="loss", patience=0, restore_best=False)
    model = fit_quietly(
        LinearRegression(
            solver="sgd", learning_rate_init=0.01, max_iter=30, tol=0, callbacks=[stop]
        ),
        X,
        y,
    )
    losses = model.loss_curve_
    assert len(losses) > 1 and all(b < a for a, b in zip(losses[:-2], losses[1:-1], strict=True))
    reduce = ReduceLROnPlateau(patience=0, factor=0.5, min_delta=0.0)
    model = fit_quietly(
        LinearRegression(
            solver="sgd", learning_rate_init=0.01, max_iter=5, tol=0, callbacks=[reduce]
        ),
        X,
        y,
    )
    assert model.history_["lr"] == [0.01] * 5  # every epoch improved: no reduction


def test_plateau_state_carries_across_partial_fit_calls():
    X, y = regression()
    # tol=1e9: no epoch after the first makes progress; a plateau is 2 such epochs.
    model = LinearRegression(
        solver="sgd", learning_rate="adaptive", learning_rate_init=0.01, tol=1e9, n_iter_no_change=1
    )
    for _ in range(4):
        model.partial_fit(X, y)
    assert model.history_["lr"] == pytest.approx([0.01, 0.01, 0.01, 0.002])
