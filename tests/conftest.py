"""Shared test settings: the hypothesis profiles.

``ci`` (the default) keeps the property tests small and reproducible: a fixed
number of examples drawn from a derandomized search, no per-example deadline
(a first fit pays for imports and BLAS warm-up), and no example database, so
a run leaves no files behind. ``dev`` searches wider and remembers failures;
pick it with ``HYPOTHESIS_PROFILE=dev``.
"""

import os

from hypothesis import HealthCheck, settings

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
