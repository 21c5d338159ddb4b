"""Network: an ordered list of layers over one flat parameter vector.

All parameters live in one contiguous array ``params``, laid out as

    [ weights of layer 1, weights of layer 2, ... | biases, batch-norm γ and β, PReLU slopes ]

so that the penalised part is the prefix ``params[:n_weights]``. Each layer
holds views into it, and into the matching gradient vector ``grads``. An
optimizer step is then a handful of vectorised calls on two flat arrays
whatever the depth, and scipy's solvers take ``params`` with no packing.
"""

import math

import numpy as np

from .._array_api import numpy_like


class Network:
    """Layers over one flat parameter vector.

    Parameters
    ----------
    layers : list of Layer
        The layers, input to output. The last one produces the logits.
    """

    def __init__(self, layers):
        self.layers = list(layers)

    def build(self, n_in, dtype, rng, initializer):
        """Allocate the parameters for inputs of width ``n_in`` and initialise them."""
        self.n_in = n_in
        self.dtype = np.dtype(dtype)
        width = n_in
        for layer in self.layers:
            width = layer.build(width, self.dtype)
        self.n_out = width
        weight_sizes = [_sizes(layer.weight_shapes()) for layer in self.layers]
        self.n_weights = sum(map(sum, weight_sizes))
        n_others = sum(sum(_sizes(layer.other_shapes())) for layer in self.layers)
        self.params = np.zeros(self.n_weights + n_others, dtype=self.dtype)
        self.grads = np.zeros_like(self.params)
        self._bind()
        for layer in self.layers:
            layer.initialize(rng, initializer)
        # Backpropagation stops at the first layer with parameters (e.g. input
        # noise or dropout before it needs no gradient).
        owners = self.parameter_layers()
        self._first_trainable = self.layers.index(owners[0]) if owners else 0
        self._find_hooks()
        return self

    def place(self, xp):
        """Move the parameters, and every layer's arrays, to the namespace ``xp``.

        ``xp`` is a :func:`~sklearn_dl._array_api.numpy_like` namespace (a
        device's); the values are those :meth:`build` drew on the host, so
        that a fit on a device starts where a numpy fit starts.
        """
        self.params = xp.asarray(self.params)
        self.grads = xp.zeros(self.params.shape, self.dtype)
        self._bind()
        for layer in self.layers:
            layer.place(xp)
        return self

    @property
    def xp(self):
        """The namespace the parameters live in (numpy's unless :meth:`place` moved them)."""
        return numpy_like(self.params)

    def parameter_layers(self):
        """The layers that own parameters, input to output."""
        return [layer for layer in self.layers if layer.weight_shapes() or layer.other_shapes()]

    def load(self, other):
        """Take the parameters, and the state layers keep beside them, from ``other``.

        ``other`` is a network whose parameters have the same shapes.
        """
        self.params[...] = other.params
        for layer, was in zip(self.parameter_layers(), other.parameter_layers(), strict=True):
            layer.load_state(was)

    def _find_hooks(self):
        """Note the layers with per-batch hooks, once.

        Scanning every layer on every batch costs more than a small network's
        arithmetic.

        ``finish_backward`` runs after backpropagation (e.g. tied weights adding
        their share); ``activity_loss`` adds a penalty on activations (e.g. a
        sparse code). Layers declare these roles (see :class:`~sklearn_dl.layers.Layer`).
        """
        self._finishers = [layer for layer in self.layers if layer.finishes_backward]
        self._penalised = [layer for layer in self.layers if layer.penalises_activity]

    def _bind(self):
        """Give every layer its views into ``params`` and ``grads``."""
        weight_at, other_at = 0, self.n_weights
        for layer in self.layers:
            weights, weight_grads, weight_at = self._views(layer.weight_shapes(), weight_at)
            others, other_grads, other_at = self._views(layer.other_shapes(), other_at)
            layer.bind(weights, others, weight_grads, other_grads)

    def _views(self, shapes, start):
        params, grads = [], []
        for shape in shapes:
            stop = start + int(math.prod(shape))
            params.append(self.params[start:stop].reshape(shape))
            grads.append(self.grads[start:stop].reshape(shape))
            start = stop
        return params, grads, start

    @property
    def weights(self):
        """The penalised part of ``params`` (a view)."""
        return self.params[: self.n_weights]

    @property
    def weight_grads(self):
        """The penalised part of ``grads`` (a view)."""
        return self.grads[: self.n_weights]

    def forward(self, X, training=False, rng=None):
        """Return the logits for ``X``."""
        for layer in self.layers:
            X = layer.forward(X, training, rng)
        return X

    def backward(self, dZ):
        """Fill ``grads`` from ``dZ = ∂L/∂logits`` (a forward pass in training mode first)."""
        first = self._first_trainable
        for index in range(len(self.layers) - 1, first - 1, -1):
            dZ = self.layers[index].backward(dZ, need_input_grad=index > first)
        for layer in self._finishers:
            layer.finish_backward()

    def activity_loss(self):
        """Sum of the penalties on activations of the last training pass (e.g. a sparse code).

        A layer with that role adds its penalty's gradient in its own
        ``backward``; its value enters the objective here.
        """
        return sum(layer.activity_loss() for layer in self._penalised)

    def release(self):
        """Free the buffers and the arrays kept for backpropagation."""
        for layer in self.layers:
            layer.release()

    def dense_layers(self):
        """The layers that carry ``W_`` (and ``b_``), input to output."""
        return [layer for layer in self.layers if layer.dense]

    def largest_product(self, rows):
        """Multiply-adds of the largest matrix product of a pass over ``rows`` rows."""
        return rows * max((math.prod(layer.W_.shape) for layer in self.dense_layers()), default=0)

    def __getstate__(self):
        state = dict(self.__dict__)
        if "dtype" in state:
            state["dtype"] = state["dtype"].name  # skops trusts strings, not numpy.dtype
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        if "dtype" in state:
            self.dtype = np.dtype(state["dtype"])
        # Pickling turns the layers' views into independent copies; bind again
        # so that the layers and the flat vectors share memory after loading.
        if "params" in state:
            self._bind()


def _sizes(shapes):
    # math.prod: numpy's prod of a tuple costs about 8 µs, a small fit's build several of them.
    return [int(math.prod(shape)) for shape in shapes]
