"""Tests of the variational autoencoder: its parts, the estimator contract, quality against PCA."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import multivariate_normal
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from sklearn_dl.layers import GaussianCode, LearnedVariance, kl_divergence
from sklearn_dl.losses import BinaryCrossEntropy, GaussianNLL
from sklearn_dl.neural_network import Autoencoder, VariationalAutoencoder

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def one_blas_thread():
    # Small products gain nothing from threads beside other test workers.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def low_rank_data(rng, n_samples=300, n_features=8, rank=2, noise=0.2):
    latent = rng.standard_normal((n_samples, rank))
    X = latent @ rng.standard_normal((rank, n_features))
    return X + noise * rng.standard_normal((n_samples, n_features))


def code_statistics(vae, X):
    """``[μ, log σ²]`` of each row: the encoder's layers before the sampling."""
    for layer in vae.encoder_[:-1]:
        X = layer.forward(X)
    return X


def numeric_gradient(f, x, step=1e-6):
    grad = np.empty_like(x)
    for i in range(x.size):
        shift = np.zeros_like(x)
        shift[i] = step
        grad[i] = (f(x + shift) - f(x - shift)) / (2 * step)
    return grad


# -- the parts ------------------------------------------------------------------------


def test_kl_divergence_is_the_closed_form():
    rng = np.random.default_rng(0)
    mean, log_var = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    var = np.exp(log_var)
    # KL(N(μ, σ²) ‖ N(0, 1)) = log(1 / σ) + (σ² + μ²) / 2 - 1/2, summed over units
    expected = (-0.5 * log_var + (var + mean**2) / 2 - 0.5).sum(axis=1)
    np.testing.assert_allclose(kl_divergence(mean, log_var), expected)
    assert kl_divergence(np.zeros((1, 4)), np.zeros((1, 4)))[0] == 0.0


def test_kl_term_gradient_matches_finite_differences():
    # F(stats) = Σ dZ ⊙ z(stats, ε) + β KL(stats) / n, with ε fixed: the layer's
    # backward must give ∂F/∂stats, the KL share divided by the n rows.
    rng = np.random.default_rng(1)
    n, k, beta = 4, 3, 0.7
    stats = rng.standard_normal((n, 2 * k))
    dZ = rng.standard_normal((n, k))
    layer = GaussianCode(beta)
    layer.build(2 * k, np.float64)

    def objective(flat):
        z = layer.forward(flat.reshape(n, 2 * k), training=True, rng=np.random.default_rng(5))
        return float((dZ * z).sum()) + layer.activity_loss() / n

    numeric = numeric_gradient(objective, stats.ravel())
    objective(stats.ravel())
    analytic = layer.backward(dZ.copy())
    np.testing.assert_allclose(analytic.ravel(), numeric, rtol=1e-6, atol=1e-8)
    # the KL term alone: dZ = 0
    layer.forward(stats, training=True, rng=np.random.default_rng(5))
    kl_only = layer.backward(np.zeros((n, k)))
    mean, log_var = stats[:, :k], stats[:, k:]
    np.testing.assert_allclose(kl_only[:, :k], beta * mean / n)
    np.testing.assert_allclose(kl_only[:, k:], beta * 0.5 * (np.exp(log_var) - 1) / n)


def test_gaussian_code_samples_while_training_only():
    layer = GaussianCode()
    layer.build(4, np.float64)
    stats = np.tile([1.0, -2.0, np.log(0.25), 0.0], (20000, 1))
    np.testing.assert_array_equal(layer.forward(stats), stats[:, :2])
    z = layer.forward(stats, training=True, rng=np.random.default_rng(0))
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -2.0], atol=0.03)
    np.testing.assert_allclose(z.std(axis=0), [0.5, 1.0], atol=0.02)
    with pytest.raises(ValueError, match="even"):
        GaussianCode().build(3, np.float64)


def test_gaussian_nll_is_the_log_density_and_its_gradient():
    rng = np.random.default_rng(2)
    Y = rng.standard_normal((5, 3))
    Z = rng.standard_normal((5, 6))
    loss = GaussianNLL()
    value, grad = loss.loss_gradient(Y, Z.copy())
    mean, var = Z[:, :3], np.exp(Z[:, 3:])
    density = sum(multivariate_normal(mean[i], np.diag(var[i])).logpdf(Y[i]) for i in range(len(Y)))
    assert value == pytest.approx(-density)
    numeric = numeric_gradient(lambda z: loss.value(Y, z.reshape(Z.shape)), Z.ravel())
    np.testing.assert_allclose(grad.ravel(), numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(loss.link(Z), Z[:, :3])


def test_learned_variance_has_a_floor_and_its_gradient():
    layer = LearnedVariance(min_variance=0.1)
    assert layer.build(3, np.float64) == 6
    s, ds = np.array([-30.0, 0.0, 1.0]), np.zeros(3)
    layer.bind([], [s], [], [ds])
    out = layer.forward(np.ones((2, 3)), training=True)
    np.testing.assert_allclose(np.exp(out[:, 3:]), np.tile(0.1 + np.exp(s), (2, 1)))
    dY = np.random.default_rng(3).standard_normal((2, 6))
    dX = layer.backward(dY)
    np.testing.assert_array_equal(dX, dY[:, :3])

    def total(values):
        layer.s_[...] = values
        return float((dY[:, 3:] * layer.forward(np.ones((2, 3)))[:, 3:]).sum())

    s_at = s.copy()
    numeric = numeric_gradient(total, s_at)
    np.testing.assert_allclose(ds, numeric, rtol=1e-6, atol=1e-10)
    layer.start_at([0.05, 0.5, 2.0])  # below the floor: just above it
    np.testing.assert_allclose(np.exp(layer.log_variance()), [0.1001, 0.5, 2.0])


@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_layer_sizes=(5,), activation="tanh", likelihood="gaussian", beta=0.5),
        dict(hidden_layer_sizes=(4, 3), activation="tanh", likelihood="bernoulli", alpha=0.3),
        dict(likelihood="gaussian", min_variance=0.5),
    ],
)
def test_objective_gradient_matches_finite_differences(params):
    # The whole negative ELBO (reconstruction, β KL, penalty) with the code
    # noise fixed by the generator's seed.
    rng = np.random.default_rng(4)
    X = rng.uniform(0.05, 0.95, size=(12, 5))
    vae = VariationalAutoencoder(2, random_state=0, **params).partial_fit(X)
    objective = vae._objective()
    n = len(X)

    def value(theta):
        objective.network.params[...] = theta
        data = objective.gradient(X, X, None, n, rng=np.random.default_rng(9))
        return (data + objective.penalty_value()) / n

    theta = vae.network_.params.copy() + 0.1 * rng.standard_normal(vae.network_.params.size)
    value(theta)
    analytic = objective.network.grads.copy()
    np.testing.assert_allclose(analytic, numeric_gradient(value, theta), rtol=1e-5, atol=1e-8)


# -- the estimator contract -----------------------------------------------------------


@parametrize_with_checks(
    [
        VariationalAutoencoder(),
        VariationalAutoencoder(
            3, hidden_layer_sizes=(4,), likelihood="gaussian", beta=0.5, batch_size=16
        ),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_fit_transform_sample_and_score():
    rng = np.random.default_rng(5)
    X = low_rank_data(rng)
    vae = VariationalAutoencoder(2, hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    codes = vae.fit_transform(X)
    assert vae.likelihood_ == "gaussian"
    assert codes.shape == (300, 2)
    assert vae.inverse_transform(codes).shape == X.shape
    with pytest.raises(ValueError, match="2 components"):
        vae.inverse_transform(np.zeros((3, 3)))
    assert vae.sample(5, random_state=0).shape == (5, 8)
    elbo = vae.score_samples(X)
    assert elbo.shape == (300,) and vae.score(X) == pytest.approx(elbo.mean())
    assert vae.reconstruction_error_ == pytest.approx(
        np.mean((vae.inverse_transform(codes) - X) ** 2)
    )
    assert len(vae.loss_curve_) == vae.n_iter_ == 20
    assert vae.loss_curve_[-1] < vae.loss_curve_[0]
    assert vae.get_feature_names_out().tolist() == [
        "variationalautoencoder0",
        "variationalautoencoder1",
    ]


def test_transform_draws_no_noise():
    rng = np.random.default_rng(6)
    X = low_rank_data(rng)
    vae = VariationalAutoencoder(2, hidden_layer_sizes=(6,), max_iter=10, random_state=0).fit(X)
    codes = vae.transform(X)
    np.testing.assert_array_equal(codes, vae.transform(X))
    np.testing.assert_allclose(codes, code_statistics(vae, X)[:, :2])  # the means, not a draw
    # while training, the same layers draw codes around those means
    noisy = vae.network_.layers[: len(vae.encoder_)]
    drawn = X
    for layer in noisy:
        drawn = layer.forward(drawn, training=True, rng=np.random.default_rng(0))
    assert not np.allclose(drawn, codes)
    vae.network_.release()


def test_elbo_is_below_the_exact_log_likelihood_of_a_linear_model():
    # With no hidden layer the model is linear Gaussian: p(x) = N(b, W Wᵀ + diag s²)
    # exactly, and the ELBO, in the same units, may not exceed it.
    rng = np.random.default_rng(7)
    X = low_rank_data(rng, n_samples=400, n_features=5, rank=2, noise=0.3)
    vae = VariationalAutoencoder(2, learning_rate_init=1e-2, max_iter=150, random_state=0)
    vae.fit(X)
    decoder, variances = vae.decoder_
    covariance = decoder.W_.T @ decoder.W_ + np.diag(np.exp(variances.log_variance()))
    exact = multivariate_normal(decoder.b_, covariance).logpdf(X)
    elbo = vae.score_samples(X)
    assert elbo.mean() <= exact.mean()
    assert elbo.mean() > exact.mean() - 0.5


def test_score_is_deterministic_and_row_by_row():
    rng = np.random.default_rng(8)
    X = low_rank_data(rng)
    vae = VariationalAutoencoder(2, hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(X)
    elbo = vae.score_samples(X)
    np.testing.assert_array_equal(elbo, vae.score_samples(X))
    np.testing.assert_allclose(vae.score_samples(X[7:9]), elbo[7:9])
    np.testing.assert_allclose(vae.score_samples(X[::-1]), elbo[::-1])


def test_elbo_beats_pca_log_likelihood_on_digits():
    # A baseline no one can argue with: held-out digits in [0, 1], a Gaussian likelihood,
    # the same code size. Measured: ELBO 38.4 nats per sample against PCA's
    # -0.9 (k=2), and 40.7 against 13.0 (k=8).
    X = load_digits().data / 16.0
    X_train, X_test = train_test_split(X, test_size=0.25, random_state=0)
    for k in (2, 8):
        vae = VariationalAutoencoder(
            k,
            hidden_layer_sizes=(64,),
            likelihood="gaussian",
            learning_rate_init=3e-3,
            max_iter=100,
            random_state=0,
        ).fit(X_train)
        pca_score = PCA(k).fit(X_train).score(X_test)
        assert vae.score(X_test) > pca_score + 5.0, k


def test_auto_likelihood_follows_the_first_data():
    rng = np.random.default_rng(9)
    X01 = rng.random((60, 5))
    vae = VariationalAutoencoder(2, max_iter=3, random_state=0).fit(X01)
    assert vae.likelihood_ == "bernoulli"
    assert isinstance(vae.loss_function_, BinaryCrossEntropy)
    assert np.all((vae.sample(10, random_state=0) > 0) & (vae.sample(10) < 1))
    assert VariationalAutoencoder(2, max_iter=3).fit(X01 - 0.5).likelihood_ == "gaussian"
    explicit = VariationalAutoencoder(2, likelihood="gaussian", max_iter=3).fit(X01)
    assert isinstance(explicit.loss_function_, GaussianNLL)
    streaming = VariationalAutoencoder(2, random_state=0).partial_fit(X01)
    with pytest.raises(ValueError, match=r"likelihood='bernoulli' reconstructs data in \[0, 1\]"):
        streaming.partial_fit(X01 + 1)
    assert streaming.likelihood_ == "bernoulli"


def test_constant_feature_stays_finite_at_the_variance_floor():
    rng = np.random.default_rng(10)
    X = low_rank_data(rng, n_samples=200, n_features=4)
    X[:, 1] = 3.0
    vae = VariationalAutoencoder(2, min_variance=1e-2, learning_rate_init=1e-2, max_iter=60)
    vae.fit(X)
    variances = np.exp(vae.decoder_[-1].log_variance())
    assert variances[1] == pytest.approx(1e-2, rel=0.05)
    assert np.all(variances >= 1e-2)
    assert np.all(np.isfinite(vae.score_samples(X)))


def test_larger_beta_keeps_the_codes_closer_to_the_prior():
    rng = np.random.default_rng(11)
    X = low_rank_data(rng)

    def mean_kl(beta):
        vae = VariationalAutoencoder(
            2, beta=beta, learning_rate_init=1e-2, max_iter=40, random_state=0
        ).fit(X)
        stats = code_statistics(vae, X)
        return kl_divergence(stats[:, :2], stats[:, 2:]).mean()

    assert mean_kl(4.0) < 0.5 * mean_kl(1.0)


def test_sample_is_reproducible_and_checks_its_count():
    rng = np.random.default_rng(12)
    vae = VariationalAutoencoder(2, max_iter=3, random_state=0).fit(low_rank_data(rng))
    np.testing.assert_array_equal(vae.sample(4, random_state=3), vae.sample(4, random_state=3))
    assert not np.array_equal(vae.sample(4, random_state=3), vae.sample(4, random_state=4))
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ValueError, match="n_samples must be a positive integer"):
            vae.sample(bad)


def test_same_seed_same_model_and_pickle_round_trip():
    rng = np.random.default_rng(13)
    X = low_rank_data(rng)
    params = dict(hidden_layer_sizes=(5,), max_iter=5, random_state=7)
    first = VariationalAutoencoder(2, **params).fit(X)
    second = VariationalAutoencoder(2, **params).fit(X)
    np.testing.assert_array_equal(first.network_.params, second.network_.params)
    loaded = pickle.loads(pickle.dumps(first))
    np.testing.assert_array_equal(loaded.transform(X), first.transform(X))
    np.testing.assert_array_equal(loaded.score_samples(X), first.score_samples(X))
    np.testing.assert_array_equal(loaded.sample(3, random_state=0), first.sample(3, random_state=0))
    different = VariationalAutoencoder(2, **{**params, "random_state": 8}).fit(X)
    assert not np.array_equal(different.network_.params, first.network_.params)


def test_training_options_partial_fit_warm_start_early_stopping():
    rng = np.random.default_rng(14)
    X = low_rank_data(rng)
    vae = VariationalAutoencoder(2, learning_rate_init=1e-2, random_state=0).partial_fit(X)
    start = vae.score(X)
    for _ in range(15):
        vae.partial_fit(X)
    assert vae.n_iter_ == 1 and vae.t_ == 16 * len(X)
    assert vae.score(X) > start
    warm = VariationalAutoencoder(2, max_iter=5, warm_start=True, random_state=0).fit(X)
    before = warm.network_.params.copy()
    warm.fit(X)
    assert len(warm.loss_curve_) == 10 and not np.array_equal(warm.network_.params, before)
    stopped = VariationalAutoencoder(
        2, early_stopping=True, learning_rate_init=1e-2, tol=0.5, n_iter_no_change=3, random_state=0
    ).fit(X)
    assert stopped.n_iter_ < 200
    assert stopped.best_validation_score_ == max(stopped.validation_scores_)
    assert stopped.validation_scores_[-1] < 0  # an ELBO (a log density), not an error


def test_grid_search_uses_the_elbo():
    rng = np.random.default_rng(15)
    X = low_rank_data(rng, rank=2, noise=0.1)
    vae = VariationalAutoencoder(
        hidden_layer_sizes=(16,), batch_size=32, learning_rate_init=1e-2, max_iter=60
    )
    search = GridSearchCV(vae, {"n_components": [1, 2], "random_state": [0]}, cv=3).fit(X)
    assert search.best_params_["n_components"] == 2
    assert search.cv_results_["mean_test_score"][1] > search.cv_results_["mean_test_score"][0] + 2


def test_set_output_pandas_and_float32_and_sparse():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(16)
    X = low_rank_data(rng)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
    vae = VariationalAutoencoder(2, max_iter=3, random_state=0).set_output(transform="pandas")
    codes = vae.fit_transform(frame)
    assert codes.columns.tolist() == ["variationalautoencoder0", "variationalautoencoder1"]
    single = VariationalAutoencoder(2, hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    single.fit(X.astype(np.float32))
    assert single.transform(X.astype(np.float32)).dtype == np.float32
    assert single.sample(2).dtype == np.float32
    X[np.abs(X) < 1.0] = 0.0
    params = dict(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    dense = VariationalAutoencoder(2, **params).fit(X)
    sparse = VariationalAutoencoder(2, **params).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.transform(sp.csr_matrix(X)), dense.transform(X), atol=1e-8)
    assert sparse.score(sp.csc_matrix(X)) == pytest.approx(dense.score(X))


def test_auto_solver_is_adam_and_is_an_autoencoder():
    rng = np.random.default_rng(17)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        vae = VariationalAutoencoder(2, max_iter=2).fit(low_rank_data(rng))
    assert type(vae.solver_).__name__ == "Adam"
    assert isinstance(vae, Autoencoder) and hasattr(vae, "partial_fit")
    assert not hasattr(VariationalAutoencoder(solver="lbfgs"), "partial_fit")


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(beta=-1.0), "beta"),
        (dict(min_variance=0.0), "min_variance"),
        (dict(likelihood="poisson"), "likelihood"),
        (dict(n_components=0), "n_components"),
        (dict(hidden_layer_sizes=(4, 3), activation=["relu"]), "one activation per hidden"),
    ],
)
def test_bad_parameters_raise_clear_errors(params, match):
    X = np.random.default_rng(18).standard_normal((20, 5))
    with pytest.raises(ValueError, match=match):
        VariationalAutoencoder(**params).fit(X)
