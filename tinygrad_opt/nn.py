r"""Small neural-network building blocks for toy models: Module, Linear, Sequential, losses.

Names, layouts and initialisation follow ``torch.nn`` so that PyTorch habits carry over:
``Linear`` stores ``weight`` as (out_features, in_features) and draws weight and bias from
$U(-1/\sqrt{n},\ 1/\sqrt{n})$ with $n$ = ``in_features``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from . import ops
from .functional import as_tensor
from .tensor import Parameter, Tensor, apply

__all__ = ["Module", "Linear", "Sequential", "ReLU", "Tanh", "Sigmoid", "mse_loss",
           "cross_entropy", "binary_cross_entropy_with_logits"]  # fmt: skip


class Module:
    """Base class for models: subclasses set Parameters and Modules as attributes and define
    ``forward``; calling the module calls ``forward``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - subclasses define it
        """The computation; subclasses define it, and calling the module runs it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def _children(self) -> Iterator[tuple[str, Parameter | Module]]:
        for name, value in vars(self).items():
            if isinstance(value, (Parameter, Module)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, (Parameter, Module)):
                        yield str(i), item

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs in definition order, as PyTorch names them."""
        for name, value in self._children():
            if isinstance(value, Parameter):
                yield prefix + name, value
            else:
                yield from value.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        """The Parameters of this module and its submodules, in definition order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient to None (default) or to zeros in place."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.data[...] = 0

    def state_dict(self) -> dict[str, np.ndarray]:
        """{dotted name: copy of the parameter's array}, ready for ``tg.save``."""
        return {name: p.data.copy() for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, ArrayLike]) -> None:
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

    def __repr__(self) -> str:
        children = [(n, v) for n, v in self._children() if isinstance(v, Module)]
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({n}): " + repr(v).replace("\n", "\n  ") for n, v in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def extra_repr(self) -> str:
        """Extra text for the module's repr (layer sizes, ...)."""
        return ""


def _generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


class Linear(Module):
    r"""$y = x W^\top + b$, with $W$ of shape (out_features, in_features), as ``torch.nn.Linear``.

    $W$ and $b$ start uniform in $[-1/\sqrt{n}, 1/\sqrt{n}]$, $n$ = ``in_features``
    (PyTorch's default).

    Parameters
    ----------
    in_features, out_features : int
        The sizes of an input row and of an output row.
    bias : bool
        Whether to add a learned bias $b$.
    rng : int, numpy.random.Generator or None
        Where the initial values are drawn from: a seed, a Generator, or None for a fresh one.
    dtype : numpy dtype
        Of the parameters; float64, the library's default, or ``np.float32`` for speed.
    """

    weight: Parameter
    bias: Parameter | None

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        rng: int | np.random.Generator | None = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive int, got {value!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        gen = _generator(rng)
        bound = 1 / np.sqrt(in_features)
        self.weight = Parameter(
            gen.uniform(-bound, bound, (out_features, in_features)).astype(dtype)
        )
        self.bias = (
            Parameter(gen.uniform(-bound, bound, out_features).astype(dtype)) if bias else None
        )

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        r"""$x W^\top + b$ for $x$ of shape (..., in_features); one fused operation."""
        t = as_tensor(x)
        if t.shape[-1:] != (self.in_features,):
            raise ValueError(
                f"Linear: expected inputs with {self.in_features} features (last axis), got shape {t.shape}"
            )
        return apply(ops.Linear, t, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The layer's sizes, for its repr."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Sequential(Module):
    """Modules applied in order; parameters are named ``"0.weight"``, ``"1.bias"``, ... ."""

    def __init__(self, *modules: Module) -> None:
        for m in modules:
            if not isinstance(m, Module):
                raise TypeError(f"Sequential: expected Modules, got {type(m).__name__}")
        self.layers = list(modules)

    def _children(self) -> Iterator[tuple[str, Parameter | Module]]:
        for i, m in enumerate(self.layers):
            yield str(i), m

    def forward(self, x: Any) -> Any:
        """Apply the modules in order."""
        for m in self.layers:
            x = m(x)
        return x

    def __getitem__(self, i: int) -> Module:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)


class ReLU(Module):
    r"""$\max(x, 0)$, elementwise."""

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        r"""$\max(x, 0)$, elementwise."""
        return as_tensor(x).relu()


class Tanh(Module):
    r"""$\tanh x$, elementwise."""

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        r"""$\tanh x$, elementwise."""
        return as_tensor(x).tanh()


class Sigmoid(Module):
    r"""$\sigma(x) = 1 / (1 + e^{-x})$, elementwise."""

    def forward(self, x: ArrayLike | Tensor) -> Tensor:
        r"""$\sigma(x) = 1 / (1 + e^{-x})$, elementwise."""
        return as_tensor(x).sigmoid()


def _same_shape(who: str, a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{who}: input has shape {a.shape} but target has shape {b.shape}")


def mse_loss(input: ArrayLike | Tensor, target: ArrayLike | Tensor) -> Tensor:
    r"""Mean squared error, $\frac{1}{N} \sum_i (\text{input}_i - \text{target}_i)^2$.

    The shapes must match (no broadcasting, which would silently average the wrong pairs).
    """
    a, b = as_tensor(input), as_tensor(target)
    _same_shape("mse_loss", a, b)
    diff = a - b
    return (diff * diff).mean()


def cross_entropy(logits: ArrayLike | Tensor, labels: ArrayLike | Tensor) -> Tensor:
    r"""Mean over the rows of $-\log \operatorname{softmax}(z)_{y}$, stable for any logits.

    One fused operation: its gradient is $(\operatorname{softmax}(z) - \operatorname{onehot}(y)) / N$.

    Parameters
    ----------
    logits : array_like or Tensor
        $z$, shape (N, C).
    labels : array_like of int
        $y$, N class indices in $[0, C)$.
    """
    z = as_tensor(logits)
    y = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if z.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (N, C), got {z.shape}")
    if y.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: labels must be integers, got dtype {y.dtype}")
    if y.shape != z.shape[:1]:
        raise ValueError(
            f"cross_entropy: {z.shape[0]} rows of logits but labels of shape {y.shape}"
        )
    classes = z.shape[1]
    if y.size and (y.min() < 0 or y.max() >= classes):
        bad = y[(y < 0) | (y >= classes)][0]
        raise ValueError(f"cross_entropy: label {bad} is out of range for {classes} classes")
    return apply(ops.CrossEntropy, z, y)


def binary_cross_entropy_with_logits(
    logits: ArrayLike | Tensor, targets: ArrayLike | Tensor
) -> Tensor:
    r"""Mean of $-[y \log \sigma(x) + (1 - y) \log(1 - \sigma(x))]$, stably from the logits $x$.

    Uses $\operatorname{softplus}(x) - x y$, finite for any $x$, whose gradient is exactly
    $(\sigma(x) - y) / N$.
    """
    x, y = as_tensor(logits), as_tensor(targets)
    _same_shape("binary_cross_entropy_with_logits", x, y)
    return (x.softplus() - x * y).mean()
