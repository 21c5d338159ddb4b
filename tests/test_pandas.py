"""DataFrames in and out, column transformers, and metadata routing of ``sample_weight``."""

import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from sklearn_dl.linear_model import LinearRegression, LogisticRegression, Perceptron
from sklearn_dl.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn_dl.neural_network import Autoencoder, MLPClassifier, MLPRegressor

COLUMNS = ["age", "height", "weight", "income"]

ALL = {
    "LinearRegression": (lambda: LinearRegression(), "reg"),
    "LogisticRegression": (lambda: LogisticRegression(), "clf"),
    "Perceptron": (lambda: Perceptron(), "clf"),
    "MLPRegressor": (
        lambda: MLPRegressor(hidden_layer_sizes=(5,), max_iter=20, random_state=0),
        "reg",
    ),
    "MLPClassifier": (
        lambda: MLPClassifier(hidden_layer_sizes=(5,), max_iter=20, random_state=0),
        "clf",
    ),
    "Autoencoder": (lambda: Autoencoder(n_components=2, max_iter=20, random_state=0), "ae"),
    "KNeighborsRegressor": (lambda: KNeighborsRegressor(n_neighbors=3), "reg"),
    "KNeighborsClassifier": (lambda: KNeighborsClassifier(n_neighbors=3), "clf"),
}
WEIGHTED = ["LinearRegression", "LogisticRegression", "MLPRegressor", "MLPClassifier"]


def frame(seed=0, n_samples=90):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n_samples, 4)), columns=COLUMNS)
    y_reg = pd.Series(X.to_numpy() @ rng.normal(size=4), name="target")
    y_clf = pd.Series(np.array(["a", "b", "c"])[np.digitize(X.age + X.height, [-0.5, 0.5])])
    return X, y_reg, y_clf


def target(kind, y_reg, y_clf):
    return {"reg": y_reg, "clf": y_clf, "ae": None}[kind]


def quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return function(*args, **kwargs)


def output(model, X):
    return model.transform(X) if isinstance(model, Autoencoder) else model.predict(X)


# -- feature names -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_feature_names_are_kept_from_a_dataframe(name):
    make, kind = ALL[name]
    X, y_reg, y_clf = frame()
    y = target(kind, y_reg, y_clf)
    from_frame = quietly(make().fit, X, y)
    from_array = quietly(make().fit, X.to_numpy(), None if y is None else y.to_numpy())
    np.testing.assert_array_equal(from_frame.feature_names_in_, COLUMNS)
    assert not hasattr(from_array, "feature_names_in_")
    np.testing.assert_array_equal(
        np.asarray(output(from_frame, X)), np.asarray(output(from_array, X.to_numpy()))
    )
    with pytest.raises(ValueError, match="feature names"):
        output(from_frame, X.rename(columns={"age": "years"}))
    with pytest.warns(UserWarning, match="feature names"):
        output(from_frame, X.to_numpy())


@pytest.mark.parametrize("name", ALL)
def test_partial_fit_checks_the_feature_names_of_later_batches(name):
    make, kind = ALL[name]
    if not hasattr(make(), "partial_fit"):
        make = {
            "LinearRegression": lambda: LinearRegression(solver="sgd", random_state=0),
            "LogisticRegression": lambda: LogisticRegression(solver="adam", random_state=0),
        }[name]
    X, y_reg, y_clf = frame()
    y = target(kind, y_reg, y_clf)
    extra = {"classes": ["a", "b", "c"]} if kind == "clf" else {}
    rest = () if y is None else (y[:45],)
    model = make().partial_fit(X[:45], *rest, **extra)
    np.testing.assert_array_equal(model.feature_names_in_, COLUMNS)
    rest = () if y is None else (y[45:],)
    with pytest.raises(ValueError, match="feature names"):
        model.partial_fit(X[45:].rename(columns={"income": "salary"}), *rest)


# -- set_output -----------------------------------------------------------------------------


def test_autoencoder_transforms_to_pandas():
    X, _, _ = frame()
    X.index = X.index + 1000  # a non-default index is kept
    model = Autoencoder(n_components=3, max_iter=20, random_state=0).set_output(transform="pandas")
    codes = quietly(model.fit_transform, X)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == ["autoencoder0", "autoencoder1", "autoencoder2"]
    assert list(codes.columns) == list(model.get_feature_names_out())
    pd.testing.assert_index_equal(codes.index, X.index)
    np.testing.assert_array_equal(
        codes.to_numpy(), model.set_output(transform="default").transform(X)
    )


def test_autoencoder_transforms_to_polars():
    pl = pytest.importorskip("polars", reason="polars is not installed")
    X, _, _ = frame()
    model = quietly(Autoencoder(n_components=2, max_iter=20, random_state=0).fit, X)
    codes = model.set_output(transform="polars").transform(pl.from_pandas(X))
    assert isinstance(codes, pl.DataFrame)
    assert codes.columns == ["autoencoder0", "autoencoder1"]
    np.testing.assert_array_equal(
        codes.to_numpy(), model.set_output(transform="default").transform(X)
    )


# -- ColumnTransformer -------------------------------------------------------------------


def mixed_frame(seed=0, n_samples=120):
    """Numeric and categorical columns, as a real table has."""
    rng = np.random.default_rng(seed)
    X, y_reg, y_clf = frame(seed, n_samples)
    X["city"] = rng.choice(["Lyon", "Oslo", "Quito"], size=n_samples)
    return X, y_reg, y_clf


def preprocessor():
    return ColumnTransformer(
        [("num", StandardScaler(), COLUMNS), ("cat", OneHotEncoder(), ["city"])]
    )


@pytest.mark.parametrize("name", ALL)
def test_column_transformer_pipeline_fits_as_its_steps_do(name):
    make, kind = ALL[name]
    X, y_reg, y_clf = mixed_frame()
    y = target(kind, y_reg, y_clf)
    pipeline = quietly(make_pipeline(preprocessor(), make()).fit, X, y)
    steps = quietly(preprocessor().fit, X)
    alone = quietly(make().fit, steps.transform(X), y)
    np.testing.assert_array_equal(
        np.asarray(output(pipeline[-1], steps.transform(X))),
        np.asarray(output(alone, steps.transform(X))),
    )
    assert pipeline.score(X, y) == alone.score(steps.transform(X), y)
    names = list(pipeline[:-1].get_feature_names_out())
    assert names[:4] == [f"num__{c}" for c in COLUMNS] and names[4] == "cat__city_Lyon"


def test_autoencoder_inside_a_column_transformer_names_its_codes():
    X, _, y = mixed_frame()
    encoder = make_pipeline(
        StandardScaler(), Autoencoder(n_components=2, max_iter=20, random_state=0)
    )
    features = ColumnTransformer(
        [("codes", encoder, COLUMNS), ("cat", OneHotEncoder(sparse_output=False), ["city"])]
    ).set_output(transform="pandas")
    classifier = MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0)
    model = quietly(make_pipeline(features, classifier).fit, X, y)
    table = model[0].transform(X)
    assert list(table.columns[:2]) == ["codes__autoencoder0", "codes__autoencoder1"]
    np.testing.assert_array_equal(model[-1].feature_names_in_, table.columns)


# -- metadata routing ----------------------------------------------------------------------


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def weights(n_samples, seed=5):
    return np.random.default_rng(seed).uniform(0.05, 3.0, size=n_samples)


@pytest.mark.parametrize("name", WEIGHTED)
def test_sample_weight_is_routed_through_a_pipeline(routing, name):
    make, kind = ALL[name]
    X, y_reg, y_clf = frame()
    y = target(kind, y_reg, y_clf)
    w = weights(len(X))
    scaler = StandardScaler().set_fit_request(sample_weight=False)
    pipeline = make_pipeline(scaler, make().set_fit_request(sample_weight=True))
    routed = quietly(pipeline.fit, X, y, sample_weight=w)
    Z = StandardScaler().fit_transform(X)
    weighted = quietly(make().fit, Z, y, sample_weight=w)
    unweighted = quietly(make().fit, Z, y)
    np.testing.assert_array_equal(routed[-1].network_.params, weighted.network_.params)
    assert not np.array_equal(routed[-1].network_.params, unweighted.network_.params)


@pytest.mark.parametrize("name", ["LinearRegression", "MLPClassifier"])
def test_sample_weight_is_routed_through_a_grid_search(routing, name):
    make, kind = ALL[name]
    X, y_reg, y_clf = frame(seed=2)
    y = target(kind, y_reg, y_clf)
    w = weights(len(X), seed=3)
    estimator = make().set_fit_request(sample_weight=True).set_score_request(sample_weight=True)
    cv = KFold(3, shuffle=True, random_state=0)
    search = quietly(
        GridSearchCV(estimator, {"alpha": [1e-3, 1.0]}, cv=cv).fit, X, y, sample_weight=w
    )
    # Each split's score is the weighted score of a weighted fit, as written out here.
    for index, params in enumerate(search.cv_results_["params"]):
        for split, (train, test) in enumerate(cv.split(X)):
            model = quietly(
                make().set_params(**params).fit,
                X.iloc[train],
                y.iloc[train],
                sample_weight=w[train],
            )
            score = model.score(X.iloc[test], y.iloc[test], sample_weight=w[test])
            assert search.cv_results_[f"split{split}_test_score"][index] == score
    refit = quietly(make().set_params(**search.best_params_).fit, X, y, sample_weight=w)
    np.testing.assert_array_equal(search.best_estimator_.network_.params, refit.network_.params)
