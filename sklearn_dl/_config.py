"""Global settings of sklearn_dl, in the spirit of scikit-learn's ``set_config``.

One setting so far, ``kernels``: whether the numba kernels of the ``fast``
extra replace numpy passes.

- ``"auto"`` (default): where the work repays them: arrays of a few
  thousand entries or more, in fits whose steps × parameters justify loading
  numba;
- ``False``: never; everything runs in numpy;
- ``"force"``: wherever numba is present, whatever the size (to test or
  measure the kernels on small problems).

Settings hold for the whole process, every thread included (a
``config_context`` block changes them for the threads running meanwhile too).
The environment variable ``SKLEARN_DL_KERNELS`` sets the starting value:
``0`` (or ``off``, ``false``) for ``False``, ``force`` for ``"force"``;
anything else, or unset, means ``"auto"``.

Examples
--------
>>> import sklearn_dl
>>> with sklearn_dl.config_context(kernels=False):
...     sklearn_dl.get_config()["kernels"]
False
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

KERNEL_SETTINGS = ("auto", "force", False)


def _from_environment() -> str | bool:
    """The starting ``kernels`` setting from ``SKLEARN_DL_KERNELS``."""
    value = os.environ.get("SKLEARN_DL_KERNELS", "auto").strip().lower()
    if value in {"0", "off", "false", "no", ""}:
        return False
    return "force" if value == "force" else "auto"


_config = {"kernels": _from_environment()}


def get_config() -> dict:
    """Return a copy of the current settings.

    Returns
    -------
    dict
        ``{"kernels": "auto" | "force" | False}``.
    """
    return dict(_config)


def set_config(kernels: str | bool | None = None) -> None:
    """Change settings for the whole process; ``None`` leaves a setting unchanged.

    Parameters
    ----------
    kernels : {"auto", "force", False} or None, default=None
        Whether numba kernels replace numpy passes; ``True`` means ``"auto"``.
    """
    if kernels is not None:
        if kernels is True:
            kernels = "auto"
        if kernels not in KERNEL_SETTINGS:
            raise ValueError(f"kernels must be one of 'auto', 'force' or False; got {kernels!r}.")
        _config["kernels"] = kernels


@contextlib.contextmanager
def config_context(kernels: str | bool | None = None) -> Iterator[None]:
    """Change settings inside a ``with`` block; restore them after.

    Parameters
    ----------
    kernels : {"auto", "force", False} or None, default=None
        As in :func:`set_config`.

    Yields
    ------
    None
        The block runs with the settings.
    """
    previous = get_config()
    set_config(kernels=kernels)
    try:
        yield
    finally:
        _config.update(previous)
