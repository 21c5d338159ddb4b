"""Load one of scikit-learn's installed test modules with our estimators swapped in.

The module is executed from the installed scikit-learn (nothing is copied):
while it runs, the names it imports from scikit-learn (``from
sklearn.neural_network import MLPClassifier``, ``from sklearn import
neighbors``) resolve to ours, so parametrisations built at import time see
ours too. Afterwards scikit-learn's modules are restored, and a module-valued
global such as ``neighbors`` is replaced by a copy that keeps ours.

Tests left out are named in ``excluded.py`` with their reasons.
"""

import contextlib
import importlib
import importlib.util
import types


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


def load_suite(module_name, replacements, excluded):
    """Return the ``test_*`` functions of ``module_name`` run against ``replacements``.

    ``excluded`` names the tests not to collect; a name there that the module
    does not define is an error, so the list cannot go stale silently.
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
    return {name: test for name, test in tests.items() if name not in excluded}
