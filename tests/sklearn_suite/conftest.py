"""Fixtures that scikit-learn's own test modules expect, and the count of what is left out."""

import numpy as np
import pytest

from ._suite import NOT_ABOUT
from .excluded import SUITES


@pytest.fixture(params=[np.float32, np.float64])
def global_dtype(request):
    return request.param


def pytest_generate_tests(metafunc):
    # scikit-learn's default seed for ``global_random_seed`` (its conftest reads
    # SKLEARN_TESTS_GLOBAL_RANDOM_SEED to widen it; the default is enough here).
    if "global_random_seed" in metafunc.fixturenames:
        metafunc.parametrize("global_random_seed", [42])


def pytest_terminal_summary(terminalreporter):
    for module, lists in SUITES.items():
        counts = ", ".join(f"{len(tests)} {kind}" for kind, tests in lists.items())
        if module in NOT_ABOUT:
            counts += f", {len(NOT_ABOUT[module])} not about these estimators"
        terminalreporter.write_line(f"scikit-learn suite {module}: not run: {counts}")
