"""The engine every gradient-trained estimator runs on.

``network``: layers over one flat parameter vector. ``objective``: F and ∇F,
on a batch or a whole data set. ``trainer``: the loops, and the training state
an estimator keeps between calls. ``data``: rows, batches and chunks.
``base``: the estimator base class; ``heads``: how classifiers and regressors
encode ``y`` for the loss and decode the outputs.
"""

from .trainer import DivergenceError, TrainingState

__all__ = ["DivergenceError", "TrainingState"]
