"""Small neural-network building blocks for toy models: Module, Linear, Sequential, losses.

Names, layouts and initialisation follow ``torch.nn`` so that PyTorch habits carry over:
``Linear`` stores ``weight`` as (out_features, in_features) and draws weight and bias from
U(−1/√in_features, 1/√in_features).
"""

from __future__ import annotations

import numpy as np

from . import ops
from .functional import as_tensor
from .tensor import Parameter, Tensor, apply

__all__ = ["Module", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid", "mse_loss",
           "cross_entropy", "binary_cross_entropy_with_logits"]  # fmt: skip


class Module:
    """Base class for models: subclasses set Parameters and Modules as attributes and define
    ``forward``; calling the module calls ``forward``."""

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def forward(self, *args, **kwargs):  # pragma: no cover - subclasses define it
        """The computation; subclasses define it, and calling the module runs it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def _children(self):
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Parameter, Module)):
                        yield str(i), item

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) pairs in definition order, as PyTorch names them."""
        for name, value in self._children():
            if isinstance(value, Parameter):
                yield prefix + name, value
            else:
                yield from value.named_parameters(prefix + name + ".")

    def parameters(self):
        """The Parameters of this module and its submodules, in definition order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none=True):
        """Reset every parameter's gradient to None (default) or to zeros in place."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.data[...] = 0

    def state_dict(self):
        """{dotted name: copy of the parameter's array}, ready for ``tg.save``."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict):
        """Copy arrays into the parameters (in place, keeping their dtype).

        Raises ValueError for missing or unexpected names, or for a shape mismatch.
        """
        own = dict(self.named_parameters())
        missing = sorted(set(own) - set(state_dict))
        unexpected = sorted(set(state_dict) - set(own))
        if missing or unexpected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing {missing}, unexpected {unexpected}"
            )
        for name, p in own.items():
            value = np.asarray(state_dict[name])
            if value.shape != p.data.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {name!r} has shape {value.shape} "
                    f"in the state but {p.data.shape} in the model"
                )
        for name, p in own.items():
            p.data[...] = state_dict[name]

    def __repr__(self):
        children = [(n, v) for n, v in self._children() if isinstance(v, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({n}): " + repr(v).replace("\n", "\n  ") for n, v in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self):
        """Extra text for the module's repr (layer sizes, ...)."""
        return ""


def _generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


class Linear(Module):
    """y = x Wᵀ + b, with W of shape (out_features, in_features), as ``torch.nn.Linear``.

    W and b start uniform in [−1/√in_features, 1/√in_features] (PyTorch's default), drawn from
    ``rng``: a seed, a NumPy Generator, or None for a fresh one. ``dtype`` defaults to float64,
    the library's default; pass ``np.float32`` for speed.
    """

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=np.float64):
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        gen = _generator(rng)
        bound = 1 / np.sqrt(in_features)
        self.weight = Parameter(gen.uniform(-bound, bound, (out_features, in_features)).astype(dtype))
        self.bias = Parameter(gen.uniform(-bound, bound, out_features).astype(dtype)) if bias else None

    def forward(self, x):
        """x Wᵀ + b for x of shape (..., in_features); one fused operation."""
        x = as_tensor(x)
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"Linear: expected inputs with {self.in_features} features (last axis), got shape {x.shape}"
            )
        return apply(ops.Linear, x, self.weight, self.bias)

    def extra_repr(self):
        """The layer's sizes, for its repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(Module):
    """Modules applied in order; parameters are named ``"0.weight"``, ``"1.bias"``, ... ."""

    def __init__(self, *modules):
        for m in modules:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: expected Modules, got {type(m).__name__}")
        self.layers = list(modules)

    def _children(self):
        for i, m in enumerate(self.layers):
            yield str(i), m

    def forward(self, x):
        """Apply the modules in order."""
        for m in self.layers:
            x = m(x)
        return x

    def __getitem__(self, i):
        return self.layers[i]

    def __len__(self):
        return len(self.layers)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x):
        """max(x, 0), elementwise."""
        return as_tensor(x).relu()


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x):
        """tanh(x), elementwise."""
        return as_tensor(x).tanh()


class Sigmoid(Module):
    """1 / (1 + e⁻ˣ), elementwise."""

    def forward(self, x):
        """σ(x) = 1/(1 + e⁻ˣ), elementwise."""
        return as_tensor(x).sigmoid()


def _same_shape(who, a, b):
    if a.shape != b.shape:
        raise ValueError(f"{who}: input has shape {a.shape} but target has shape {b.shape}")


def mse_loss(input, target):
    """Mean squared error, mean((input − target)²); the shapes must match."""
    input, target = as_tensor(input), as_tensor(target)
    _same_shape("mse_loss", input, target)
    diff = input - target
    return (diff * diff).mean()


def cross_entropy(logits, labels):
    """Mean of −log softmax(logits)[label] over the rows, stable for any logits.

    ``logits``: shape (N, C); ``labels``: N integers in [0, C). One fused operation: its
    gradient is (softmax(logits) − onehot(labels)) / N.
    """
    logits = as_tensor(logits)
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, C), got {logits.shape}")
    if labels.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers, got dtype {labels.dtype}")
    if labels.shape != logits.shape[:1]:
        raise ValueError(f"cross_entropy: {logits.shape[0]} rows of logits but labels of shape {labels.shape}")
    classes = logits.shape[1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        bad = labels[(labels < 0) | (labels >= classes)][0]
        raise ValueError(f"cross_entropy: label {bad} is out of range for {classes} classes")
    return apply(ops.CrossEntropy, logits, labels)


def binary_cross_entropy_with_logits(logits, targets):
    """Mean of −[y log σ(x) + (1 − y) log(1 − σ(x))], computed stably from the logits x.

    Uses softplus(x) − x·y, finite for any x, whose gradient is exactly (σ(x) − y) / N.
    """
    logits, targets = as_tensor(logits), as_tensor(targets)
    _same_shape("binary_cross_entropy_with_logits", logits, targets)
    return (logits.softplus() - logits * targets).mean()
