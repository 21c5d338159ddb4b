"""Tests of the autoencoder: the estimator contract, each variant, quality against PCA."""

import doctest
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

import sklearn_dl.neural_network
from sklearn_dl.callbacks import LambdaCallback
from sklearn_dl.layers import ActivityL1, Dense, Dropout, MaskingNoise, TiedDense
from sklearn_dl.losses import BinaryCrossEntropy
from sklearn_dl.neural_network import Autoencoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def one_blas_thread():
    # Small matrix products gain nothing from threads, and on a busy machine
    # (or beside other pytest-xdist workers) waiting BLAS threads slow them down
    # by an order of magnitude.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def low_rank_data(rng, n_samples=300, n_features=10, rank=3, noise=0.1):
    """Data near a ``rank``-dimensional subspace, with a decaying spectrum."""
    scales = np.linspace(3.0, 1.0, rank)
    latent = rng.standard_normal((n_samples, rank)) * scales
    X = latent @ rng.standard_normal((rank, n_features))
    return X + noise * rng.standard_normal((n_samples, n_features)) + 2.0


def digits_01():
    return load_digits().data / 16.0


def mse(model, X):
    return float(np.mean((model.inverse_transform(model.transform(X)) - X) ** 2))


# -- the estimator contract ----------------------------------------------------------


@parametrize_with_checks(
    [
        Autoencoder(),
        Autoencoder(hidden_layer_sizes=(4,), tied_weights=True, denoising=0.1),
        Autoencoder(3, code_activation="relu", sparsity=1e-3, denoising=("mask", 0.2)),
        Autoencoder(hidden_layer_sizes=(3,), tied_weights=True, solver="lbfgs"),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_fit_transform_inverse_transform_and_score():
    rng = np.random.default_rng(0)
    X = low_rank_data(rng)
    ae = Autoencoder(3, hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    codes = ae.fit_transform(X)
    assert codes.shape == (300, 3)
    np.testing.assert_allclose(codes, ae.transform(X))
    X_hat = ae.inverse_transform(codes)
    assert X_hat.shape == X.shape
    assert ae.score(X) == pytest.approx(-np.mean((X_hat - X) ** 2))
    assert ae.reconstruction_error_ == pytest.approx(-ae.score(X))
    assert len(ae.loss_curve_) == ae.n_iter_ == 20
    assert ae.history_["loss"] == ae.loss_curve_
    assert ae.get_feature_names_out().tolist() == ["autoencoder0", "autoencoder1", "autoencoder2"]


def test_encoder_and_decoder_layers_reproduce_transform():
    rng = np.random.default_rng(1)
    X = low_rank_data(rng)
    ae = Autoencoder(2, hidden_layer_sizes=(6, 4), max_iter=5, random_state=0).fit(X)
    assert [layer.units for layer in ae.encoder_] == [6, 4, 2]
    assert [layer.units for layer in ae.decoder_] == [4, 6, 10]
    codes = X
    for layer in ae.encoder_:
        codes = layer.forward(codes)
    np.testing.assert_allclose(codes, ae.transform(X))
    out = codes
    for layer in ae.decoder_:
        out = layer.forward(out)
    np.testing.assert_allclose(out, ae.inverse_transform(codes))


def test_linear_autoencoder_matches_pca():
    # With identity activations and squared error the optimal code spans the
    # principal subspace: same reconstruction error, same subspace.
    rng = np.random.default_rng(2)
    X = low_rank_data(rng, n_samples=400, n_features=12, rank=4, noise=0.3)
    pca = PCA(3).fit(X)
    ae = Autoencoder(3, solver="lbfgs", alpha=0.0, tol=1e-10, max_iter=2000, random_state=0)
    ae.fit(X)
    assert ae.reconstruction_error_ <= 1.02 * mse(pca, X)
    decoder_rows = ae.decoder_[-1].W_  # (3, 12): spans the reconstructions
    basis = np.linalg.qr(decoder_rows.T)[0]
    cosines = np.linalg.svd(basis.T @ pca.components_.T, compute_uv=False)
    assert cosines.min() > 0.999


def test_nonlinear_autoencoder_beats_pca_on_digits():
    # Fast version of the benchmark's check: held-out digits, 16 codes.
    X_train, X_test = train_test_split(digits_01(), test_size=0.25, random_state=0)
    pca = PCA(16).fit(X_train)
    ae = Autoencoder(
        16,
        hidden_layer_sizes=(128,),
        output_activation="sigmoid",
        solver="adam",
        learning_rate_init=5e-3,
        max_iter=30,
        random_state=0,
    ).fit(X_train)
    assert mse(ae, X_test) <= 0.9 * mse(pca, X_test)


def test_codes_classify_at_least_as_well_as_pca_codes():
    # The defaults, as a user swapping PCA(32) for Autoencoder(32) gets them:
    # a sigmoid output for data in [0, 1], fitted by L-BFGS.
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    classifier = LogisticRegression(max_iter=3000)
    ae = Autoencoder(32, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = cross_val_score(make_pipeline(ae, classifier), X, y, cv=cv).mean()
    theirs = cross_val_score(make_pipeline(PCA(32), classifier), X, y, cv=cv).mean()
    assert ours >= theirs


def test_auto_output_activation_follows_the_first_data():
    rng = np.random.default_rng(20)
    X01 = rng.random((60, 5))
    ae = Autoencoder(2, max_iter=5, random_state=0).fit(X01)
    assert ae.output_activation_ == "sigmoid"
    assert isinstance(ae.loss_function_, BinaryCrossEntropy)
    assert np.all(ae.inverse_transform(ae.transform(X01)) > 0)
    assert Autoencoder(2, max_iter=5).fit(X01 - 0.5).output_activation_ == "identity"
    # partial_fit keeps the first choice, and data outside [0, 1] are then an error
    streaming = Autoencoder(2, random_state=0).partial_fit(X01)
    with pytest.raises(ValueError, match=r"reconstructs data in \[0, 1\]"):
        streaming.partial_fit(X01 + 1)
    assert streaming.output_activation_ == "sigmoid"


def test_auto_solver_is_lbfgs_unless_training_needs_batches():
    rng = np.random.default_rng(21)
    X = low_rank_data(rng)
    kinds = {
        (): "LBFGS",
        (("denoising", 0.1),): "Adam",
        (("sparsity", 0.1),): "Adam",
        (("early_stopping", True),): "Adam",
        (("denoising", 0.0),): "LBFGS",  # no noise: the objective stays deterministic
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for params, kind in kinds.items():
            ae = Autoencoder(2, max_iter=5, random_state=0, **dict(params)).fit(X)
            assert type(ae.solver_).__name__ == kind, params
        # partial_fit trains by mini-batches, also after a full-batch fit
        ae = Autoencoder(2, max_iter=5, random_state=0).fit(X)
        before = ae.network_.params.copy()
        ae.partial_fit(X)
    assert type(ae.solver_).__name__ == "Adam"
    assert not np.array_equal(ae.network_.params, before)
    assert hasattr(Autoencoder(solver="auto"), "partial_fit")
    assert not hasattr(Autoencoder(solver="lbfgs"), "partial_fit")


def test_grid_search_uses_the_reconstruction_score():
    rng = np.random.default_rng(3)
    X = low_rank_data(rng, rank=3, noise=0.05)
    search = GridSearchCV(
        Autoencoder(solver="lbfgs", alpha=0.0, random_state=0),
        {"n_components": [1, 3]},
        cv=3,
    ).fit(X)
    assert search.best_params_ == {"n_components": 3}
    assert search.best_score_ < 0


def test_set_output_pandas():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(low_rank_data(rng), columns=[f"f{i}" for i in range(10)])
    ae = Autoencoder(2, max_iter=3, random_state=0).set_output(transform="pandas")
    codes = ae.fit_transform(frame)
    assert isinstance(codes, pd.DataFrame)
    assert codes.columns.tolist() == ["autoencoder0", "autoencoder1"]
    assert ae.feature_names_in_.tolist() == frame.columns.tolist()


def test_same_seed_same_model_and_pickle_round_trip():
    rng = np.random.default_rng(5)
    X = low_rank_data(rng)
    params = dict(hidden_layer_sizes=(5,), denoising=0.2, max_iter=5, random_state=7)
    first = Autoencoder(2, **params).fit(X)
    second = Autoencoder(2, **params).fit(X)
    np.testing.assert_array_equal(first.network_.params, second.network_.params)
    loaded = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(loaded.transform(X), first.transform(X))
    np.testing.assert_array_equal(
        loaded.inverse_transform(X[:, :2]), first.inverse_transform(X[:, :2])
    )


def test_float32_is_kept_end_to_end():
    rng = np.random.default_rng(6)
    X = low_rank_data(rng).astype(np.float32)
    ae = Autoencoder(2, hidden_layer_sizes=(4,), tied_weights=True, max_iter=3).fit(X)
    assert ae.network_.params.dtype == np.float32
    assert ae.transform(X).dtype == np.float32
    assert ae.inverse_transform(ae.transform(X)).dtype == np.float32


def test_sparse_input_matches_dense_input():
    rng = np.random.default_rng(7)
    X = low_rank_data(rng)
    X[np.abs(X) < 2.0] = 0.0
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    dense = Autoencoder(2, **params).fit(X)
    sparse = Autoencoder(2, **params).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.transform(sp.csr_matrix(X)), dense.transform(X), atol=1e-8)
    assert sparse.score(sp.csc_matrix(X)) == pytest.approx(dense.score(X))


# -- training options -----------------------------------------------------------------


def test_partial_fit_runs_one_epoch_per_call():
    rng = np.random.default_rng(8)
    X = low_rank_data(rng)
    ae = Autoencoder(2, learning_rate_init=1e-2, random_state=0).partial_fit(X[:150])
    first_error = -ae.score(X)
    for _ in range(10):
        ae.partial_fit(X[150:])
        ae.partial_fit(X[:150])
    assert ae.n_iter_ == 1 and ae.t_ == 11 * 150 + 10 * (len(X) - 150)
    assert ae.reconstruction_error_ == pytest.approx(-ae.score(X[:150]))
    assert -ae.score(X) < 0.75 * first_error
    assert not hasattr(Autoencoder(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_from_the_previous_fit():
    rng = np.random.default_rng(9)
    X = low_rank_data(rng)
    ae = Autoencoder(2, solver="adam", max_iter=5, tol=0.0, warm_start=True, random_state=0)
    ae.fit(X)
    before = ae.network_.params.copy()
    ae.fit(X)
    assert ae.n_iter_ == 5 and len(ae.loss_curve_) == 10
    cold = Autoencoder(2, solver="adam", max_iter=5, tol=0.0, random_state=0).fit(X)
    np.testing.assert_array_equal(cold.network_.params, before)


def test_a_refused_warm_start_leaves_the_fitted_autoencoder_usable():
    rng = np.random.default_rng(9)
    X = low_rank_data(rng)
    settings = dict(denoising=0.1, sparsity=1e-3, max_iter=3, warm_start=True, random_state=0)
    ae = Autoencoder(2, hidden_layer_sizes=(4,), **settings).fit(X)
    codes = ae.transform(X)
    ae.set_params(hidden_layer_sizes=(5, 3))
    with pytest.raises(ValueError, match="other shapes"):
        ae.fit(X)
    np.testing.assert_array_equal(ae.transform(X), codes)
    assert ae.inverse_transform(codes).shape == X.shape


def test_early_stopping_and_validation_data_record_scores():
    rng = np.random.default_rng(10)
    X = low_rank_data(rng)
    ae = Autoencoder(2, early_stopping=True, max_iter=30, random_state=0).fit(X)
    assert len(ae.validation_scores_) == ae.n_iter_
    assert all(score <= 0 for score in ae.validation_scores_)
    ae = Autoencoder(2, solver="adam", max_iter=4, random_state=0)
    ae.fit(X[:200], validation_data=X[200:])
    assert len(ae.history_["val_loss"]) == 4
    assert ae.history_["val_score"][-1] == pytest.approx(ae.score(X[200:]))


def test_user_callbacks_are_called_and_can_stop():
    rng = np.random.default_rng(11)
    X = low_rank_data(rng)
    stop_at_three = LambdaCallback(lambda trainer, epoch, logs: epoch == 2)
    ae = Autoencoder(2, max_iter=50, callbacks=[stop_at_three], random_state=0).fit(X)
    assert ae.n_iter_ == 3


def test_convergence_warning_when_max_iter_is_reached():
    rng = np.random.default_rng(12)
    X = low_rank_data(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        with pytest.raises(ConvergenceWarning):
            Autoencoder(2, max_iter=2, random_state=0).fit(X)


# -- variants: each test fails if the variant does nothing -----------------------------


def test_tied_weights_halve_the_weights_and_share_them():
    rng = np.random.default_rng(13)
    X = low_rank_data(rng, n_features=12)
    params = dict(hidden_layer_sizes=(8, 5), max_iter=3, random_state=0)
    untied = Autoencoder(3, **params).fit(X)
    tied = Autoencoder(3, tied_weights=True, **params).fit(X)
    assert tied.network_.n_weights * 2 == untied.network_.n_weights
    assert all(isinstance(layer, TiedDense) for layer in tied.decoder_)
    # The decoder reads the encoder's weights: changing them changes the output.
    codes = tied.transform(X)
    before = tied.inverse_transform(codes)
    tied.encoder_[0].W_ *= 2.0
    assert not np.allclose(tied.inverse_transform(codes), before)


def test_denoising_corrupts_training_only():
    rng = np.random.default_rng(14)
    X = low_rank_data(rng)
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    clean = Autoencoder(2, **params).fit(X)
    for denoising in [0.5, ("gaussian", 0.5), ("mask", 0.3), Dropout(0.3)]:
        noisy = Autoencoder(2, denoising=denoising, **params).fit(X)
        # Training saw corrupted inputs...
        assert not np.allclose(noisy.network_.params, clean.network_.params)
        # ...but transform is deterministic and is the encoder without corruption.
        codes = X
        for layer in noisy.encoder_:
            codes = layer.forward(codes)
        np.testing.assert_array_equal(noisy.transform(X), noisy.transform(X))
        np.testing.assert_allclose(noisy.transform(X), codes)


def test_masking_noise_layer():
    rng = np.random.default_rng(15)
    X = rng.uniform(1.0, 2.0, size=(400, 50))
    layer = MaskingNoise(0.3)
    layer.build(50, np.float64)
    out = layer.forward(X, training=True, rng=rng)
    assert np.mean(out == 0) == pytest.approx(0.3, abs=0.02)
    np.testing.assert_array_equal(out[out != 0], X[out != 0])  # kept inputs not rescaled
    assert layer.forward(X) is X
    sparse_out = layer.forward(sp.csr_matrix(X), training=True, rng=rng)
    assert sp.issparse(sparse_out)
    assert np.mean(sparse_out.toarray() == 0) == pytest.approx(0.3, abs=0.02)


def standardized_data(rng, n_samples=400, n_features=12, rank=6):
    X = low_rank_data(rng, n_samples, n_features, rank)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def test_sparsity_gives_more_exact_zero_codes():
    X = standardized_data(np.random.default_rng(16))
    params = dict(code_activation="relu", max_iter=100, learning_rate_init=1e-2, random_state=0)
    plain = Autoencoder(8, **params).fit(X)
    sparse = Autoencoder(8, sparsity=0.3, **params).fit(X)
    assert np.all(plain.transform(X) >= 0)
    zeros_plain = np.mean(plain.transform(X) == 0)
    zeros_sparse = np.mean(sparse.transform(X) == 0)
    assert zeros_sparse > zeros_plain + 0.15


def test_sparsity_shrinks_linear_codes():
    X = standardized_data(np.random.default_rng(17))
    params = dict(max_iter=40, learning_rate_init=1e-2, random_state=0)
    plain = Autoencoder(3, **params).fit(X)
    sparse = Autoencoder(3, sparsity=1.0, **params).fit(X)
    assert np.abs(sparse.transform(X)).mean() < 0.7 * np.abs(plain.transform(X)).mean()


def test_reported_loss_is_the_whole_objective():
    # Reconstruction, code penalty and weight penalty, at the final parameters.
    X = standardized_data(np.random.default_rng(18))
    ae = Autoencoder(3, sparsity=0.2, alpha=0.5, solver="lbfgs", max_iter=30, random_state=0)
    ae.fit(X)
    n, d = X.shape
    weights = ae.network_.weights
    expected = (
        0.5 * d * ae.reconstruction_error_
        + 0.2 * np.abs(ae.transform(X)).sum() / n
        + 0.5 * 0.5 * (weights @ weights) / n
    )
    assert ae.loss_ == pytest.approx(expected, rel=1e-9)


def test_sigmoid_output_reconstructs_in_unit_interval():
    rng = np.random.default_rng(19)
    X = rng.uniform(size=(200, 8))
    ae = Autoencoder(3, output_activation="sigmoid", max_iter=5, random_state=0).fit(X)
    X_hat = ae.inverse_transform(ae.transform(X))
    assert np.all((X_hat > 0) & (X_hat < 1))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        Autoencoder(output_activation="sigmoid").fit(X + 1.0)


def test_code_activation_is_applied():
    rng = np.random.default_rng(19)
    X = low_rank_data(rng)
    ae = Autoencoder(4, code_activation="tanh", solver="adam", max_iter=3, random_state=0)
    codes = ae.fit_transform(X)
    assert np.all(np.abs(codes) < 1)


# -- gradients -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_layer_sizes=(5,), activation="tanh", tied_weights=True, sparsity=0.3),
        dict(hidden_layer_sizes=(4, 3), activation="tanh", output_activation="sigmoid"),
        dict(tied_weights=True, sparsity=0.2, alpha=0.5, code_activation="tanh"),
    ],
)
def test_objective_gradient_matches_finite_differences(params):
    rng = np.random.default_rng(20)
    X = rng.uniform(0.05, 0.95, size=(30, 6))
    ae = Autoencoder(2, random_state=0, **params).partial_fit(X)
    trainer = ae._objective()
    n = len(X)

    def objective(theta):
        trainer.network.params[...] = theta
        value = trainer.gradient(X, X, None, n) + trainer.penalty_value()
        return value / n, trainer.network.grads.copy()

    theta = ae.network_.params.copy() + 0.1 * rng.standard_normal(ae.network_.params.size)
    _, grad = objective(theta)
    numeric = np.empty_like(theta)
    for i in range(theta.size):
        step = np.zeros_like(theta)
        step[i] = 1e-6
        numeric[i] = (objective(theta + step)[0] - objective(theta - step)[0]) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_activity_l1_layer_value_and_gradient():
    layer = ActivityL1(0.5)
    layer.build(3, np.float64)
    A = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    assert layer.forward(A, training=True) is A
    assert layer.activity_loss() == pytest.approx(0.5 * 7.5)
    dY = np.zeros_like(A)
    np.testing.assert_allclose(layer.backward(dY), 0.5 / 2 * np.sign(A))


def test_tied_dense_checks_its_input_width():
    source = Dense(4)
    source.build(6, np.float64)
    with pytest.raises(ValueError, match="width 4"):
        TiedDense(source).build(5, np.float64)


# -- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(denoising=("salt", 0.1)), "denoising"),
        (dict(denoising=("mask", 1.0)), "denoising"),
        (dict(denoising=("mask",)), "denoising"),
        (dict(hidden_layer_sizes=(4, 0)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=(4, 3), activation=["relu"]), "one activation per hidden"),
    ],
)
def test_bad_parameters_raise_clear_errors(params, match):
    X = np.random.default_rng(21).standard_normal((20, 5))
    with pytest.raises(ValueError, match=match):
        Autoencoder(**params).fit(X)


def test_inverse_transform_checks_the_code_width():
    X = np.random.default_rng(22).standard_normal((20, 5))
    ae = Autoencoder(2, max_iter=2).fit(X)
    with pytest.raises(ValueError, match="2 components"):
        ae.inverse_transform(np.zeros((3, 3)))


# -- the user guide page ---------------------------------------------------------------


@pytest.mark.skipif(
    not hasattr(sklearn_dl.neural_network, "Autoencoder"),
    reason="sklearn_dl.neural_network does not export Autoencoder",
)
def test_user_guide_page():
    page = Path(__file__).resolve().parents[1] / "docs" / "autoencoder.rst"
    result = doctest.testfile(str(page), module_relative=False, report=False)
    assert result.attempted > 0
    assert result.failed == 0
