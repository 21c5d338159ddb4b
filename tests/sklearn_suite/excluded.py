"""The tests of scikit-learn's suites that are not run against ours, each with its reason.

``internals``: the test reads scikit-learn's private attributes or functions, or
checks class identity, so it tests scikit-learn's implementation, not the behaviour
a user sees. ``differences``: we differ on purpose; the user guide says why.
"""

MLP_INTERNALS = {}

MLP_DIFFERENCES = {}

NEIGHBORS_INTERNALS = {}

NEIGHBORS_DIFFERENCES = {}

SUITES = {
    "test_mlp": {"internals": MLP_INTERNALS, "differences": MLP_DIFFERENCES},
    "test_neighbors": {"internals": NEIGHBORS_INTERNALS, "differences": NEIGHBORS_DIFFERENCES},
}
