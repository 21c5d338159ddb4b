"""The tests of scikit-learn's suites that are not run against ours, each with its reason.

``internals``: the test reads scikit-learn's private attributes or functions, or
checks class identity, so it tests scikit-learn's implementation, not the behaviour
a user sees. ``differences``: we differ on purpose; the user guide says why.
"""

MLP_INTERNALS = {
    "test_fit": "sets private state (_coef_velocity, _coef_grads, ...) on an unfitted MLP",
    "test_gradient": "calls the private _loss_grad_lbfgs",
    "test_learning_rate_warmstart": "reads the private _optimizer.learning_rate",
    "test_adaptive_learning_rate": "reads the private _optimizer.learning_rate",
    "test_n_iter_no_change": "reads the private _no_improvement_count",
    "test_n_iter_no_change_inf": "reads the private _no_improvement_count",
}

MLP_DIFFERENCES = {
    "test_predict_proba_multilabel": "predict_log_proba is exact from the logits, not "
    "log(predict_proba): where a probability rounds to 1.0 ours stays below 0, "
    "so its argmax breaks the ties that predict_proba has",
}

NEIGHBORS_INTERNALS = {}

NEIGHBORS_DIFFERENCES = {}

SUITES = {
    "test_mlp": {"internals": MLP_INTERNALS, "differences": MLP_DIFFERENCES},
    "test_neighbors": {"internals": NEIGHBORS_INTERNALS, "differences": NEIGHBORS_DIFFERENCES},
}
