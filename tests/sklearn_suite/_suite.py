"""Load one of scikit-learn's installed test modules with our estimators swapped in.

The module is executed from the installed scikit-learn (nothing is copied):
while it runs, the names it imports from scikit-learn (``from
sklearn.neural_network import MLPClassifier``, ``from sklearn import
neighbors``) resolve to ours, so parametrisations built at import time see
ours too. Afterwards scikit-learn's modules are restored, and a module-valued
global such as ``neighbors`` is replaced by a copy that keeps ours.

Tests left out are named in ``excluded.py`` with their reasons. A module that
also tests estimators we do not replace can be narrowed with ``only_using``:
the tests whose source never names one of ours are not collected, and their
names are kept in ``NOT_ABOUT`` so that the summary counts them.
"""

import contextlib
import importlib
import importlib.util
import inspect
import types

# Per suite (the test module's last name): tests left out by ``only_using``.
NOT_ABOUT = {}


@contextlib.contextmanager
def _patched(replacements):
    """Set ``replacements[module][name]`` on scikit-learn's modules, then restore them."""
    saved = []
    try:
        for module_name, names in replacements.items():
            module = importlib.import_module(module_name)
            for name, value in names.items():
                saved.append((module, name, getattr(module, name)))
                setattr(module, name, value)
        yield
    finally:
        for module, name, value in reversed(saved):
            setattr(module, name, value)


def _mentions(test, names):
    """Whether the source of ``test``, its decorators included, names one of ``names``."""
    source = inspect.getsource(test)
    return any(name in source for name in names)


def load_suite(module_name, replacements, excluded, only_using=None):
    """Return the ``test_*`` functions of ``module_name`` run against ``replacements``.

    ``excluded`` names the tests not to collect; a name there that the module
    does not define, or that ``only_using`` leaves out anyway, is an error, so
    the list cannot go stale silently. ``only_using`` (names of estimators),
    when given, keeps only the tests whose source mentions one of them.
    """
    spec = importlib.util.find_spec(module_name)
    module = importlib.util.module_from_spec(spec)
    with _patched(replacements):
        spec.loader.exec_module(module)
    for name, value in list(vars(module).items()):
        if isinstance(value, types.ModuleType) and value.__name__ in replacements:
            proxy = types.ModuleType(value.__name__)
            vars(proxy).update(vars(value))
            vars(proxy).update(replacements[value.__name__])
            setattr(module, name, proxy)
        elif isinstance(value, type):
            for module_key, names in replacements.items():
                for swapped, ours in names.items():
                    if value is getattr(importlib.import_module(module_key), swapped):
                        setattr(module, name, ours)
    tests = {name: value for name, value in vars(module).items() if name.startswith("test_")}
    stale = set(excluded) - set(tests)
    if stale:
        raise LookupError(f"{module_name} has no tests named {sorted(stale)}")
    if only_using is not None:
        unrelated = sorted(name for name, test in tests.items() if not _mentions(test, only_using))
        NOT_ABOUT[module_name.rsplit(".", 1)[-1]] = unrelated
        stale = set(excluded) & set(unrelated)
        if stale:
            raise LookupError(f"{sorted(stale)} are excluded but not about {only_using} anyway")
        tests = {name: test for name, test in tests.items() if name not in unrelated}
    return {name: test for name, test in tests.items() if name not in excluded}
