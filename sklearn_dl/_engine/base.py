"""What every network-trained estimator shares: parameters, ``fit`` and ``partial_fit``.

``fit`` reads as a story: validate → encode targets → resolve the parts →
build the network with one ``rng`` → split off validation data → train →
record the fitted attributes. Subclasses differ only in their layers
(``_hidden_layers``), their loss (``_make_loss``), and how ``y`` is encoded
and decoded.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import math
import numbers
from abc import ABCMeta, abstractmethod
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator, clone
from sklearn.callback import CallbackSupportMixin
from sklearn.metrics import check_scoring, get_scorer_names
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .. import _array_api
from .._array_api import numpy_like
from .._parts import checked
from .._validation import (
    Integral,
    Interval,
    QuickParams,
    Real,
    StrOptions,
    callback_management_context,
    check_is_fitted,
    check_sample_weight,
    fit_context,
    validate_data,
)
from ..callbacks import Callback, EarlyStopping, ProgressPrinter, ReduceLROnPlateau
from ..initializers import INITIALIZERS, Initializer, get_initializer
from ..layers import Dense, Layer
from ..optimizers import OPTIMIZERS, BaseOptimizer, get_optimizer
from ..penalties import PENALTIES, Penalty, get_penalty
from ..schedules import ON_PLATEAU, SCHEDULES, Schedule, get_schedule
from .chunked import is_dask
from .data import Data, check_validation_weight
from .network import Network
from .objective import Objective
from .trainer import Trainer, TrainingState

TRAINING_CONSTRAINTS = {
    "solver": [StrOptions(set(OPTIMIZERS)), BaseOptimizer],
    "learning_rate": [StrOptions({*SCHEDULES, ON_PLATEAU}), Schedule],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    "penalty": [StrOptions(set(PENALTIES)), Penalty, None],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "l1_ratio": [Interval(Real, 0, 1, closed="both")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "shuffle": ["boolean"],
    "warm_start": ["boolean"],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
    "callbacks": [list, None],
    "scoring": [StrOptions(set(get_scorer_names())), callable, None],
    "weight_init": [StrOptions(set(INITIALIZERS)), Initializer],
}


def make_rng(random_state):
    """A numpy ``Generator`` for ``random_state`` that never draws from the global state.

    An integer stands for the first draw of ``RandomState(random_state)``,
    remembered: building a ``RandomState`` costs about 0.2 ms (it seeds a
    generator from the operating system before reseeding it), as much as a
    whole small fit, and a search refits with the same integer many times.
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, numbers.Integral):
        return np.random.default_rng(_integer_seed(int(random_state)))
    return np.random.default_rng(_first_draw(random_state))  # advances a RandomState


def _first_draw(random_state):
    """The seed ``random_state`` stands for: the first draw of its ``RandomState``."""
    return check_random_state(random_state).randint(np.iinfo(np.int32).max)


_integer_seed = functools.lru_cache(maxsize=1024)(_first_draw)  # for integers alone


def is_stochastic(estimator):
    """True when the solver trains by mini-batches; else why ``partial_fit`` is missing."""
    solver = estimator.solver
    if solver == "auto":  # an automatic choice trains by mini-batches when asked to
        return True
    if isinstance(solver, str):
        solver = OPTIMIZERS.get(solver)
    if solver is not None and not solver.full_batch:
        return True
    raise AttributeError(
        f"partial_fit needs a mini-batch solver, and solver={estimator.solver!r} trains "
        "on the whole data at once; use e.g. solver='sgd' or 'adam'."
    )


# What a method returning the estimator it is called on returns (typing.Self
# from Python 3.11 on).
Self = TypeVar("Self", bound="BaseNetwork")


class BaseNetwork(CallbackSupportMixin, QuickParams, BaseEstimator, metaclass=ABCMeta):
    """Base class of every estimator trained by the shared engine.

    Its job is the life cycle of a fit: validate, encode, build or carry the
    network, keep the training state, train, answer scikit-learn's fitted
    attributes. What differs between estimators is said by the hooks below:
    the heads (``heads.py``) say how targets are encoded and scored, the
    estimators which layers, initializer, solver settings and schedule.
    """

    _parameter_constraints = dict(TRAINING_CONSTRAINTS)
    _default_initializer = "glorot_uniform"
    _y_numeric = False  # whether ``y`` must be numeric (regressors)
    # tol="auto" for full-batch solvers: the largest gradient entry to stop at.
    _full_batch_tol = 1e-6
    max_fun = 15000  # scipy's evaluation budget; the MLPs expose it as a parameter

    # -- hooks: the targets (provided by the heads) -------------------------------------

    @abstractmethod
    def _encode_targets(self, y, dtype, reset, classes=None):
        """``y`` as the loss takes it: an array of shape (n_samples, n_outputs).

        ``reset`` learns the encoding (classes, number of outputs) from ``y``;
        otherwise ``y`` must fit the encoding learned before.
        """

    @abstractmethod
    def _make_loss(self):
        """The loss on the logits, from the settings and the encoding learned."""

    @abstractmethod
    def _score_logits(self, Y, Z, sample_weight):
        """The estimator's ``score`` from encoded targets ``Y`` and logits ``Z``."""

    def _check_same_targets(self, y, incremental, classes):
        """Refuse targets a continued fit cannot take (classifiers keep their classes)."""

    def _class_weights(self, y, dtype):
        """Per-sample weights from the classes of ``y`` (``None``: all one)."""
        return None

    def _stratify(self, Y):
        """What the early-stopping split stratifies on (``None``: nothing)."""
        return None

    # -- hooks: the network and its training (provided by the estimators) -----------------

    def _hidden_layers(self):
        """Layers before the output layer (none for linear models)."""
        return []

    def _layers(self, n_outputs):
        """Every layer, input to output: the hidden layers, then a linear output layer."""
        return [*self._hidden_layers(), Dense(n_outputs)]

    def _initializer(self):
        """The initializer of the weights."""
        return get_initializer(self._default_initializer)

    def _solver_settings(self):
        """Keyword arguments for optimizers given by name, e.g. ``{"adam": {...}}``."""
        return {}

    def _solver_choice(self, incremental, n_parameters=None, n_samples=None):
        """The optimizer name or object to train with (``incremental``: for ``partial_fit``).

        ``n_parameters`` and ``n_samples`` are the network's size once it is
        built and the rows of the training data (``None`` before), for
        choices that depend on them.
        """
        return self.solver

    def _learning_rate(self):
        """The ``learning_rate`` setting in effect (a name or a schedule)."""
        return self.learning_rate

    def _schedule(self):
        """A fresh learning-rate schedule for the setting in effect."""
        return get_schedule(self._learning_rate())

    def _initial_learning_rate(self, X, sample_weight, solver):
        """The learning rate the schedule starts from (linear models may derive it)."""
        return self.learning_rate_init

    def _penalty(self):
        """The penalty in effect and its strength: ``(Penalty or None, alpha)``."""
        if not self.alpha > 0:
            return None, 0.0
        return get_penalty(self.penalty, self.l1_ratio), float(self.alpha)

    # -- fit --------------------------------------------------------------------------

    @fit_context(prefer_skip_nested_validation=True)
    def fit(
        self: Self,
        X: ArrayLike | sp.spmatrix | sp.sparray,
        y: ArrayLike,
        sample_weight: ArrayLike | None = None,
        validation_data: tuple | None = None,
    ) -> Self:
        """Fit the model to ``X`` and ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Training data. A dask array or DataFrame stays on its cluster: the
            objective is summed over its chunks where they live (see
            :ref:`scaling_out`).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the objective.
        validation_data : tuple (X_val, y_val) or (X_val, y_val, w_val), default=None
            Data to evaluate after every epoch (``val_loss``, ``val_score``),
            used instead of a split when ``early_stopping=True``. Dask
            arrays, with a dask ``X``, are evaluated where their chunks live.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data)

    def _partial_fit(self, X, y, sample_weight=None, classes=None):
        if self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True (a call holds nothing "
                "out); score held-out data between calls instead."
            )
        if not hasattr(self, "network_"):
            self._validate_params()
        return self._fit(X, y, sample_weight, None, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, validation_data, incremental=False, classes=None):
        """Validate → encode targets → build or carry the network → train → record.

        ``fit`` starts a new training state; with ``warm_start`` it keeps the
        fitted parameters. ``partial_fit`` (``incremental``) continues the
        state of the previous call.
        """
        first = not hasattr(self, "network_") or not (incremental or self.warm_start)
        if not incremental and is_dask(X):  # the rows stay where their chunks live
            from .. import _dask

            if not _dask.full_batch(self):
                return _dask.stream(self, X, y, sample_weight, validation_data)
            X, Y, y, sample_weight = _dask.prepare(self, X, y, sample_weight, first)
        else:
            X, y = self._validate_xy(X, y, reset=first)
            if not first:
                self._check_same_targets(_array_api.to_numpy(y), incremental, classes)
            Y, y, sample_weight = self._targets(X, y, sample_weight, first, classes)
        continuing = incremental and not first and self._continues_state()
        rng = None if continuing else make_rng(self.random_state)
        if first:
            self._build(X.shape[1], Y.shape[1], X.dtype, rng, numpy_like(X))
        else:
            self._follow_settings(Y.shape[1])
        if not continuing:
            self._state = self._new_state(X, sample_weight, incremental, rng, first)
        self.loss_function_ = self._make_loss()  # settings changed since are honoured
        train, validation = self._split(X, Y, y, sample_weight, validation_data)
        if validation is not None:
            check_validation_weight(validation)
        trainer = self._trainer(train.n_samples)
        with self._scikit_learn_callbacks(trainer, X, y, sample_weight, incremental):
            trainer.fit(train, validation, epochs=1 if incremental else None)
        self.n_iter_ = trainer.n_iter
        return self

    def _targets(self, X, y, sample_weight, reset, classes=None):
        """``Y`` encoded for the loss, ``y`` as given and the sample weights, for the rows of ``X``.

        Targets are checked and encoded on the host (they are small beside
        ``X``); when ``X`` lives on a device, ``y`` comes to the host for
        that and ``Y`` and the weights go to ``X``'s device.
        """
        xp = _array_api.numpy_like_input(X)
        rows = X
        if xp.on_device:  # the checks need the rows and the dtype of X, not its values
            y, sample_weight = _array_api.to_numpy(y), _array_api.to_numpy(sample_weight)
            classes = _array_api.to_numpy(classes)
            rows = np.empty((X.shape[0], 0), _array_api.numpy_dtype(X.dtype))
        Y = self._encode_targets(y, rows.dtype, reset=reset, classes=classes)
        sample_weight = self._sample_weight(sample_weight, rows, y)
        if xp.on_device:
            Y = xp.asarray(Y)
            sample_weight = None if sample_weight is None else xp.asarray(sample_weight)
        return Y, y, sample_weight

    def _check_same_namespace(self, X):
        """Refuse ``X`` of another namespace or device than the fitted parameters'."""
        fitted, given = self.network_.xp, numpy_like(X)
        if fitted is given or fitted == given:
            return
        raise ValueError(
            f"This {type(self).__name__} was fitted on arrays of "
            f"{_array_api.describe(fitted)}, and X is an array of "
            f"{_array_api.describe(given)}: pass X in the namespace and on the device of "
            "the fit (scikit-learn's array API dispatch keeps a model where it was "
            "fitted), or fit again on this X."
        )

    def _continues_state(self):
        """Whether ``partial_fit`` continues the training state of the previous call.

        It does when the state is a mini-batch one built from the current
        settings; otherwise (after ``set_params``) it starts a new one, as a
        warm start does.
        """
        try:
            same = self._state.settings == self.get_params(deep=True)
        except ValueError:  # an array among the parameters: compare as changed
            same = False
        return same and not self._state.solver.full_batch

    def _new_state(self, X, sample_weight, incremental, rng, first):
        """A fresh optimizer, schedule and callbacks; a warm start keeps ``t`` and the history."""
        solver = self._solver_choice(incremental, self.network_.params.shape[0], X.shape[0])
        if isinstance(solver, str):  # built from settings: checked, no copy to make
            solver = checked(OPTIMIZERS[solver](**self._solver_settings().get(solver, {})))
        elif solver is self.solver:
            solver = get_optimizer(solver)  # the user's object: cloned and checked
        # (else a fresh object the estimator chose itself, with its defaults)
        schedule = self._schedule()
        schedule.start(self._initial_learning_rate(X, sample_weight, solver), self.max_iter)
        kept = {} if first else {"t": self._state.t, "history": self._state.history}
        callbacks = self._make_callbacks(solver)
        # Only a mini-batch state is ever continued, so only it needs the settings.
        settings = {} if solver.full_batch else self.get_params(deep=True)
        return TrainingState(solver, schedule, callbacks, rng, settings=settings, **kept)

    @contextlib.contextmanager
    def _scikit_learn_callbacks(self, trainer, X, y, sample_weight, incremental):
        """Report ``fit`` and each of its epochs to scikit-learn's callbacks.

        Callbacks set with ``set_callbacks`` (or propagated by a meta-estimator
        such as ``GridSearchCV``) see the fit as a task whose sub-tasks are
        the epochs (or full-batch iterations); one returning True from
        ``on_fit_task_end`` stops training.
        """
        wanted = getattr(self, "_skl_callbacks", None) or hasattr(self, "_parent_callback_ctx")
        if incremental or not wanted:
            yield
            return
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        with callback_management_context(self):
            context = self._init_callback_context(max_subtasks=self.max_iter)
            context.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
            # For this call only: the state's own callbacks stay as they are.
            trainer.callbacks = [*trainer.callbacks, _EpochTasks(context, X, y, metadata)]
            yield
            context.call_on_fit_task_end(
                estimator=self, X=X, y=y, metadata=metadata, reconstruction_attributes={}
            )

    def _validate_xy(self, X, y, reset):
        xp, _ = _array_api.namespace(X)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=[xp.float64, xp.float32],
            multi_output=True,
            y_numeric=self._y_numeric,
        )
        if not reset:  # a fitted model's data must be where its parameters are
            self._check_same_namespace(X)
        if sp.issparse(X) and X.format == "csc":
            X = X.tocsr()  # row batches are cheap to take from CSR, not from CSC
        return X, y

    def _sample_weight(self, sample_weight, X, y):
        """The checked sample weights times the class weights (``None`` when all are one)."""
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, X, dtype=X.dtype)
        weights = self._class_weights(y, X.dtype)
        if weights is None:
            return sample_weight
        return weights if sample_weight is None else weights * sample_weight

    def _build(self, n_features, n_outputs, dtype, rng, xp=_array_api.NUMPY):
        """Create the network and its parameters, drawn on the host, then kept in ``xp``."""
        self.network_ = Network(self._layers(n_outputs))
        dtype = _array_api.numpy_dtype(dtype)
        self.network_.build(n_features, dtype, rng, self._initializer())
        if xp.on_device:
            self.network_.place(xp)

    def _follow_settings(self, n_outputs):
        """Carry the fitted parameters into the network the current settings describe.

        A warm start or a ``partial_fit`` call continues from the fitted
        parameters, and honours settings changed since that keep their shapes
        (an activation, a dropout rate, a noise level). Settings that change
        the shapes (``hidden_layer_sizes``, ``batch_norm``, ``fit_intercept``,
        ...) leave nothing to continue from: they are an error.
        """
        old = self.network_
        layers = self._layers(n_outputs)
        if _signature(layers) == _signature(old.layers):
            return
        # The throwaway generator leaves the estimator's random stream as it was.
        new = Network(layers).build(
            old.n_in, old.dtype, np.random.default_rng(0), self._initializer()
        )
        if old.xp.on_device:
            new.place(old.xp)
        if _shapes(new) != _shapes(old):
            raise ValueError(
                f"warm_start=True and partial_fit continue from the fitted parameters, "
                f"but the current settings describe a network with parameters of other "
                f"shapes ({_shapes(new)} instead of {_shapes(old)}). Set "
                "warm_start=False, or call fit, to train a new network."
            )
        new.load(old)
        self.network_ = new

    def _split(self, X, Y, y, sample_weight, validation_data):
        """Training data and validation data (or ``None``)."""
        if validation_data is not None:
            items = len(validation_data) if isinstance(validation_data, tuple | list) else None
            if items not in (2, 3):
                raise ValueError(
                    "validation_data must be a tuple (X_val, y_val) or (X_val, y_val, "
                    f"sample_weight_val); got a {type(validation_data).__name__}"
                    f"{'' if items is None else f' of {items} items'}."
                )
            X_val, y_val, *w_val = validation_data
            if is_dask(X) and is_dask(X_val):  # they stay where their chunks live
                from .. import _dask

                return Data(X, Y, sample_weight), _dask.validation_rows(self, validation_data)
            X_val, y_val = self._validate_xy(X_val, y_val, reset=False)
            Y_val, y_val, w_val = self._targets(X_val, y_val, w_val[0] if w_val else None, False)
            return Data(X, Y, sample_weight), Data(X_val, Y_val, w_val, y=y_val)
        if not self.early_stopping or self._state.solver.full_batch:
            return Data(X, Y, sample_weight), None
        train, val = self._split_indices(X.shape[0], _array_api.to_numpy(Y))
        # Both sets index the same X: the split copies no data.
        return Data(X, Y, sample_weight, index=train), Data(X, Y, sample_weight, val, y=y)

    def _split_indices(self, n_samples, Y):
        """Training and validation rows, stratified by ``_stratify(Y)`` (scikit-learn's rule)."""
        seed = int(self._state.rng.integers(np.iinfo(np.int32).max))
        split = dict(test_size=self.validation_fraction, random_state=seed)
        try:
            train, val = train_test_split(np.arange(n_samples), **split, stratify=self._stratify(Y))
        except ValueError as error:  # scikit-learn's reason first, then what to change
            raise ValueError(
                f"{error} (early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of the {n_samples} samples for validation, "
                "stratified by class: increase validation_fraction or the number of "
                "samples, or set early_stopping=False.)"
            ) from None
        if len(val) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the "
                f"size of your dataset: early_stopping holds out {len(val)} of "
                f"{n_samples} samples, and at least 2 are needed."
            )
        return train, val

    def _trainer(self, n_samples):
        batch_size = 200 if self.batch_size == "auto" else self.batch_size
        return Trainer(
            objective=self._objective(),
            state=self._state,
            callbacks=self._state.callbacks,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self._tol(self._state.solver),
            batch_size=min(batch_size, n_samples),
            shuffle=self.shuffle,
            estimator=self,
            val_score=self._validation_score,
            stop_on_divergence=self.early_stopping,
        )

    def _objective(self):
        """The objective the fitted network minimises under the current settings."""
        penalty, alpha = self._penalty()
        return Objective(self.network_, self.loss_function_, penalty, alpha)

    def _tol(self, solver):
        """The effective ``tol`` for ``solver``.

        ``"auto"`` is ``_full_batch_tol`` for full-batch solvers (1e-6, a
        gradient size that gives near-exact optima) and 1e-4 for mini-batch
        ones (a loss decrease above the noise of stochastic epochs).
        """
        if self.tol != "auto":
            return self.tol
        return self._full_batch_tol if solver.full_batch else 1e-4

    def _make_callbacks(self, solver):
        """User callbacks (cloned), then the shortcuts scikit-learn's flags stand for.

        Mini-batch ``fit`` watches the loss (the validation score with
        ``early_stopping``) for ``n_iter_no_change`` epochs without a gain of
        ``tol``: then it stops or, with ``learning_rate="adaptive"``, divides
        the rate by 5 until the rate is 1e-6 (scikit-learn's rules).
        """
        callbacks = [get_callback(c) for c in (self.callbacks or [])]
        if not solver.full_batch:  # partial_fit too: a plateau spans calls, as in scikit-learn
            watch = dict(
                monitor="val_score" if self.early_stopping else "loss",
                patience=self.n_iter_no_change + 1,
                min_delta=self._tol(solver),
            )
            adaptive = self._learning_rate() == ON_PLATEAU  # a name, or a schedule object
            if adaptive:
                callbacks.append(
                    ReduceLROnPlateau(**watch, factor=0.2, min_lr=1e-6, stop_at_min_lr=True)
                )
                watch["patience"] = math.inf  # the plateaus are the callback's above
            if self.early_stopping or not adaptive:
                callbacks.append(EarlyStopping(**watch, restore_best=self.early_stopping))
        if self.verbose:
            callbacks.append(ProgressPrinter())
        return callbacks

    def _validation_score(self, data):
        """The validation score: ``scoring``'s, or the estimator's (accuracy, R², ...)."""
        if self.scoring is not None:
            X, _, sample_weight = data.all_rows()
            scorer = check_scoring(self, self.scoring)
            # scikit-learn's scorers take the weights; a plain callable may not.
            takes_weights = "sample_weight" in inspect.signature(scorer).parameters
            kwargs = (
                {}
                if sample_weight is None or not takes_weights
                else {"sample_weight": sample_weight}
            )
            return scorer(self, X, data.labels(), **kwargs)
        if is_dask(data.X):  # from sums over the chunks, where they live
            return data.score(self)
        xp = self.network_.xp
        Z = xp.concatenate([self.network_.forward(X) for X, _, _ in data.chunks()])
        Y, sample_weight = data.targets()
        return self._score_logits(Y, Z, sample_weight)

    # -- fitted attributes: read from the one training state (documented per estimator) --

    solver_ = property(lambda self: self._state.solver)
    schedule_ = property(lambda self: self._state.schedule)
    callbacks_ = property(lambda self: self._state.callbacks)
    history_ = property(lambda self: self._state.history)
    t_ = property(lambda self: self._state.t)
    learning_rate_init_ = property(lambda self: self._state.schedule.lr0_)
    loss_curve_ = property(lambda self: list(self._logged("loss")))
    loss_ = property(lambda self: self._logged("loss")[-1])
    best_loss_ = property(lambda self: None if self.early_stopping else min(self.loss_curve_))

    def _logged(self, key):
        """The history of ``key``; an AttributeError before an epoch has logged it.

        So that ``hasattr`` and ``dir`` work during ``fit`` too (dask-ml
        tokenizes an estimator passed to a task by its fitted attributes).
        """
        try:
            return self.history_[key]
        except KeyError:
            raise AttributeError(
                f"No epoch has logged {key!r} yet: this {type(self).__name__} is being fitted."
            ) from None

    @property
    def validation_scores_(self):
        scores = self.history_.get("val_score")
        return None if scores is None else list(scores)

    @property
    def best_validation_score_(self):
        # Over this training state's epochs, whose best parameters early stopping
        # restores (the history goes on across warm starts); a diverged epoch's
        # NaN, which scikit-learn logs too, is skipped.
        epochs = self._state.epoch
        scores = self.history_.get("val_score", [])[-epochs:] if epochs else []
        return max((score for score in scores if not math.isnan(score)), default=None)

    # -- prediction helpers -----------------------------------------------------------

    def _logits(self, X):
        check_is_fitted(self, "network_")
        xp, _ = _array_api.namespace(X)
        X = validate_data(
            self,
            X,
            reset=False,
            accept_sparse=["csr", "csc"],
            dtype=[xp.float64, xp.float32],
        )
        self._check_same_namespace(X)
        if _array_api.numpy_dtype(X.dtype) != self.network_.dtype:
            X = self.network_.xp.astype(X, self.network_.dtype)
        return self.network_.forward(X)


class _EpochTasks(Callback):
    """Each epoch as a sub-task of scikit-learn's callback context for ``fit``."""

    def __init__(self, context, X, y, metadata):
        self.context = context
        self.X = X
        self.y = y
        self.metadata = metadata

    def on_epoch_end(self, trainer, epoch, logs):
        estimator = trainer.estimator
        task = self.context.subcontext(task_name="epoch")
        data = {"estimator": estimator, "X": self.X, "y": self.y, "metadata": self.metadata}
        task.call_on_fit_task_begin(**data)
        # A copy of the network as it is now makes a ready-to-predict estimator,
        # built only when a callback asks for one.
        snapshot = lambda: {"network_": copy.deepcopy(estimator.network_)}  # noqa: E731
        return task.call_on_fit_task_end(**data, reconstruction_attributes=snapshot)


def _signature(layers):
    """What defines each layer: its class and parameters (a source layer's, recursively)."""
    return [
        (
            type(layer),
            {
                key: _signature([value]) if isinstance(value, Layer) else value
                for key, value in layer.get_params(deep=False).items()
            },
        )
        for layer in layers
    ]


def _shapes(network):
    """The shapes of each layer's parameters, for the layers that have any."""
    return [
        (type(layer).__name__, layer.weight_shapes(), layer.other_shapes())
        for layer in network.parameter_layers()
    ]


def get_callback(value):
    """Clone a user callback so that ``fit`` never mutates the user's object."""
    if not isinstance(value, Callback):
        raise TypeError(
            "The 'callbacks' parameter must be a list of sklearn_dl.callbacks.Callback "
            f"instances; got {value!r} of type {type(value).__name__}."
        )
    return checked(clone(value))
