"""Shared test settings: the hypothesis profiles, and the engine's tests run both ways.

``ci`` (the default) keeps the property tests small and reproducible: a fixed
number of examples drawn from a derandomized search, no per-example deadline
(a first fit pays for imports and BLAS warm-up), and no example database, so
a run leaves no files behind. ``dev`` searches wider and remembers failures;
pick it with ``HYPOTHESIS_PROFILE=dev``.

The engine's tests (:data:`BOTH_WAYS`) run twice where numba imports: on the
numpy path (``kernels=False``) and with every kernel forced on whatever the
size of the work (``kernels="force"``), so that the small fits of the tests
exercise the kernels too. ``--kernels=numpy`` or ``--kernels=kernels`` runs
one way only.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

from sklearn_dl import _kernels, config_context

BOTH_WAYS = {"test_gradients", "test_optimizers", "test_training_state", "test_reproducibility"}
_SETTINGS = {"numpy": False, "kernels": "force"}

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption(
        "--kernels",
        choices=["both", *_SETTINGS],
        default="both",
        help="which paths the engine's tests run: numpy, numba kernels, or both (default)",
    )


def pytest_generate_tests(metafunc):
    if metafunc.module.__name__.rpartition(".")[2] not in BOTH_WAYS:
        return
    chosen = metafunc.config.getoption("kernels")
    paths = list(_SETTINGS) if chosen == "both" else [chosen]
    if not _kernels.available():
        paths = ["numpy"]
    metafunc.parametrize("kernel_path", paths, indirect=True)


@pytest.fixture(autouse=True)
def kernel_path(request):
    """The path an engine test runs on (``request.param``); other tests keep the setting."""
    path = getattr(request, "param", None)
    if path is None:
        yield None
        return
    with config_context(kernels=_SETTINGS[path]):
        yield path


# -- array API dispatch: the devices a fit on tensors is tested on -------------------------


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.cuda)])
def device(request):
    """A PyTorch device: the CPU everywhere, a CUDA GPU where there is one."""
    torch = pytest.importorskip("torch")
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    return request.param


@pytest.fixture
def array_api_dispatch(monkeypatch):
    """scikit-learn's array API dispatch on, for one test.

    scikit-learn refuses dispatch unless ``SCIPY_ARRAY_API=1`` was set before
    scipy was imported; the estimators under test call no scipy function
    under dispatch that would care, so where the variable is missing it is
    set for the test, to satisfy that guard.
    """
    from sklearn import config_context as sklearn_config

    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    with sklearn_config(array_api_dispatch=True):
        yield
