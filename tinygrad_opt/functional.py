"""The functional API: ``tg.exp``, ``tg.where``, ``tg.softmax``, ``tg.concatenate``, ...

Each function accepts Tensors, arrays and numbers and returns a Tensor; the differentiable ones are
built on the primitives of :mod:`tinygrad_opt.ops`. NumPy's own names applied to Tensors
(``np.exp(t)``) are mapped here by :mod:`tinygrad_opt.numpy_dispatch`.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .tensor import (
    Tensor,
    apply,
    binary,
    normalize_axis,
    rbinary,
    to_array,
    unary,
    wrap,
)

__all__ = [
    "as_tensor", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid",
    "softplus", "relu", "abs", "clip", "sum", "mean", "max", "min", "reshape", "transpose", "maximum",
    "minimum", "multiply", "where", "concatenate", "stack", "matmul", "dot", "logsumexp", "softmax",
    "log_softmax", "data_of",
]  # fmt: skip


def as_tensor(x):
    """``x`` if it is a Tensor, else a new Tensor of its values (no gradient)."""
    return x if isinstance(x, Tensor) else wrap(to_array(x, "as_tensor"))


# ---------------------------------------------------------------------------------------------
# the functional API


def _unary_fn(op, doc):
    def fn(x):
        return unary(op, as_tensor(x))

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


exp = _unary_fn(ops.Exp, "Elementwise exponential eˣ.")
log = _unary_fn(ops.Log, "Elementwise natural logarithm.")
log1p = _unary_fn(ops.Log1p, "Elementwise log(1 + x), accurate for small x.")
expm1 = _unary_fn(ops.Expm1, "Elementwise eˣ − 1, accurate for small x.")
sqrt = _unary_fn(ops.Sqrt, "Elementwise square root.")
sin = _unary_fn(ops.Sin, "Elementwise sine.")
cos = _unary_fn(ops.Cos, "Elementwise cosine.")
tan = _unary_fn(ops.Tan, "Elementwise tangent.")
tanh = _unary_fn(ops.Tanh, "Elementwise hyperbolic tangent.")
sigmoid = _unary_fn(ops.Sigmoid, "Elementwise logistic function 1 / (1 + e⁻ˣ), overflow-free.")
softplus = _unary_fn(
    ops.Softplus, "Elementwise log(1 + eˣ), overflow-free; its derivative is σ(x)."
)
relu = _unary_fn(ops.Relu, "Elementwise max(x, 0).")
abs = _unary_fn(ops.Abs, "Elementwise |x|.")


def clip(x, lo=None, hi=None):
    """Values of ``x`` limited to [lo, hi] (either bound may be None), as ``np.clip``."""
    return as_tensor(x).clip(lo, hi)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis`` (None: all axes; an int or a tuple of ints), as ``np.sum``."""
    return as_tensor(x).sum(axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``, as ``np.mean``."""
    return as_tensor(x).mean(axis, keepdims)


def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``, as ``np.max``; tied maxima share the gradient equally."""
    return as_tensor(x).max(axis, keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``, as ``np.min``; tied minima share the gradient equally."""
    return as_tensor(x).min(axis, keepdims)


def reshape(x, shape):
    """``x`` in a new shape, as ``np.reshape``."""
    return as_tensor(x).reshape(shape)


def transpose(x, axes=None):
    """``x`` with its axes permuted (reversed when ``axes`` is None), as ``np.transpose``."""
    return as_tensor(x).transpose(axes)


def _binary_fn(op, doc):
    def fn(a, b):
        if isinstance(a, Tensor):
            return binary(op, a, b)
        if isinstance(b, Tensor):
            return rbinary(op, a, b)
        return binary(op, as_tensor(a), b)

    fn.__name__ = fn.__qualname__ = op.name
    fn.__doc__ = doc
    return fn


multiply = _binary_fn(ops.Multiply, "Elementwise product with broadcasting.")
maximum = _binary_fn(ops.Maximum, "Elementwise maximum with broadcasting; ties share the gradient.")
minimum = _binary_fn(ops.Minimum, "Elementwise minimum with broadcasting; ties share the gradient.")
matmul = _binary_fn(ops.Matmul, "Matrix product with NumPy's rules (1-D and batched operands).")


def _value(x, who):
    """A Tensor, or the validated NumPy value of anything else, for use as an operand."""
    if isinstance(x, Tensor) or type(x) in (float, int, bool):
        return x
    return to_array(x, who)


def where(condition, x, y):
    """``x`` where ``condition`` holds, else ``y`` (broadcast together), as ``np.where``.

    The condition carries no gradient; x and y get the gradient of the positions they supply.
    """
    if isinstance(condition, Tensor):  # kept a Tensor, so a compiled function's trace sees it
        cond = condition if condition.dtype == bool else condition != 0
    else:
        cond = np.asarray(condition)
        if cond.dtype != bool:
            cond = cond.astype(bool)
    return apply(ops.Where, cond, _value(x, "where"), _value(y, "where"))


def concatenate(tensors, axis=0):
    """Join tensors along an existing axis (``axis=None`` flattens first), as ``np.concatenate``."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concatenate: need at least one tensor")
    if axis is None:
        ts = [t.reshape(-1) for t in ts]
        axis = 0
    ndim = ts[0].ndim
    if ndim == 0:
        raise ValueError("concatenate: 0-d tensors cannot be concatenated (use stack)")
    for t in ts[1:]:
        if t.ndim != ndim:
            raise ValueError(
                f"concatenate: all tensors need the same number of dimensions, got shapes "
                f"{ts[0].shape} and {t.shape}"
            )
    (axis,) = normalize_axis(axis, ndim, "concatenate")
    return apply(ops.Concatenate, axis, *ts)


def stack(tensors, axis=0):
    """Join same-shaped tensors along a new axis, as ``np.stack``."""
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack: need at least one tensor")
    shape = ts[0].shape
    for t in ts[1:]:
        if t.shape != shape:
            raise ValueError(f"stack: all tensors need the same shape, got {shape} and {t.shape}")
    (axis,) = normalize_axis(axis, len(shape) + 1, "stack")
    new_shape = shape[:axis] + (1,) + shape[axis:]
    return apply(ops.Concatenate, axis, *[t.reshape(new_shape) for t in ts])


def dot(a, b):
    """``np.dot``: a product with a scalar, the matrix product of 1-D and 2-D operands, and for
    N-D operands a sum over a's last axis and b's second-to-last (NumPy's definition)."""
    a_nd, b_nd = np.ndim(data_of(a)), np.ndim(data_of(b))
    if a_nd == 0 or b_nd == 0:
        return multiply(a, b)
    if a_nd > 2 or b_nd > 2:
        return np.dot(as_tensor(a), b)  # NumPy dispatch: an einsum (numpy_dispatch._dot)
    return matmul(a, b)


def data_of(x):
    return x.data if isinstance(x, Tensor) else x


def logsumexp(x, axis=None, keepdims=False):
    """log Σ exp(x) over ``axis``, computed without overflow (finite for inputs of ±1000).

    The maximum m is subtracted first: log Σ exp(x) = m + log Σ exp(x − m). m is a constant for
    differentiation (the value does not depend on it), so the gradient is softmax(x).
    """
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    if x.size == 0:  # nothing to shift: the sums are 0 (log 0 = −inf) or the result is empty
        keep = tuple(1 if axes is None or i in axes else n for i, n in enumerate(x.shape))
        m = np.zeros(keep, dtype=x.dtype)
    else:
        m = x.detach().max(axes, keepdims=True)  # a Tensor, so a compiled function's trace sees it
        m = where(np.isfinite(m), m, 0)
    out = (x - m).exp().sum(axes, keepdims=True).log() + m
    if not keepdims:
        out = out.reshape(
            tuple(n for i, n in enumerate(x.shape) if axes is not None and i not in axes)
        )
    return out


def softmax(x, axis=-1):
    """exp(x) / Σ exp(x) along ``axis``, without overflow."""
    x = as_tensor(x)
    return (x - logsumexp(x, axis, keepdims=True)).exp()


def log_softmax(x, axis=-1):
    """x − logsumexp(x) along ``axis``: the log of softmax, without overflow or log(0)."""
    x = as_tensor(x)
    return x - logsumexp(x, axis, keepdims=True)
