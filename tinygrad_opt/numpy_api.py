"""NumPy dispatch and the functional API (``tg.exp``, ``tg.where``, ``tg.softmax``, ...).

``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.dot(a, b)`` ... on a Tensor come here through NumPy's
``__array_ufunc__`` / ``__array_function__`` protocols and are mapped onto the primitives of
:mod:`tinygrad_opt.ops`, so a function written for NumPy differentiates unchanged.

A NumPy function with no gradient rule raises TypeError naming the function when one of its
arguments requires grad: the graph is never silently dropped. With no such argument it simply
runs on the values.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .tensor import (
    Tensor,
    _binary,
    _constant,
    _rbinary,
    _to_array,
    _unary,
    _wrap,
    apply,
    normalize_axis,
)

__all__ = [
    "as_tensor", "exp", "log", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "tanh", "sigmoid",
    "softplus", "relu", "abs", "clip", "sum", "mean", "max", "min", "reshape", "transpose", "maximum",
    "minimum", "multiply", "where", "concatenate", "stack", "matmul", "dot", "logsumexp", "softmax",
    "log_softmax",
]  # fmt: skip


def as_tensor(x):
    """``x`` if it is a Tensor, else a new Tensor of its values (no gradient)."""
    return x if isinstance(x, Tensor) else _wrap(_to_array(x, "as_tensor"))


# ---------------------------------------------------------------------------------------------
# the functional API


def _unary_fn(op, doc):
    def fn(x):
        return _unary(op, as_tensor(x))

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
softplus = _unary_fn(ops.Softplus, "Elementwise log(1 + eˣ), overflow-free; its derivative is σ(x).")
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
            return _binary(op, a, b)
        if isinstance(b, Tensor):
            return _rbinary(op, a, b)
        return _binary(op, as_tensor(a), b)

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
    return _to_array(x, who)


def where(condition, x, y):
    """``x`` where ``condition`` holds, else ``y`` (broadcast together), as ``np.where``.

    The condition carries no gradient; x and y get the gradient of the positions they supply.
    """
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
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
    """``np.dot``: a product with a scalar, or the matrix product of 1-D and 2-D operands."""
    a_nd, b_nd = np.ndim(_data(a)), np.ndim(_data(b))
    if a_nd == 0 or b_nd == 0:
        return multiply(a, b)
    if a_nd > 2 or b_nd > 2:
        raise TypeError("dot: operands with more than 2 dimensions are not supported; use matmul")
    return matmul(a, b)


def _data(x):
    return x.data if isinstance(x, Tensor) else x


def logsumexp(x, axis=None, keepdims=False):
    """log Σ exp(x) over ``axis``, computed without overflow (finite for inputs of ±1000).

    The maximum m is subtracted first: log Σ exp(x) = m + log Σ exp(x − m). m is a constant for
    differentiation (the value does not depend on it), so the gradient is softmax(x).
    """
    x = as_tensor(x)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    m = np.max(x.data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = (x - m).exp().sum(axes, keepdims=True).log() + m
    if not keepdims:
        out = out.reshape(np.sum(m, axis=axes).shape)
    return out


def softmax(x, axis=-1):
    """exp(x) / Σ exp(x) along ``axis``, without overflow."""
    x = as_tensor(x)
    return (x - logsumexp(x, axis, keepdims=True)).exp()


def log_softmax(x, axis=-1):
    """x − logsumexp(x) along ``axis``: the log of softmax, without overflow or log(0)."""
    x = as_tensor(x)
    return x - logsumexp(x, axis, keepdims=True)


# ---------------------------------------------------------------------------------------------
# __array_ufunc__


_UFUNC_PRIMITIVES = {
    np.add: ops.Add, np.subtract: ops.Subtract, np.multiply: ops.Multiply,
    np.divide: ops.Divide, np.power: ops.Power, np.float_power: ops.Power,
    np.matmul: ops.Matmul, np.maximum: ops.Maximum, np.minimum: ops.Minimum,
    np.negative: ops.Negative, np.exp: ops.Exp, np.log: ops.Log, np.log1p: ops.Log1p,
    np.expm1: ops.Expm1, np.sqrt: ops.Sqrt, np.sin: ops.Sin, np.cos: ops.Cos, np.tan: ops.Tan,
    np.tanh: ops.Tanh, np.absolute: ops.Abs,
}  # fmt: skip

_UFUNC_DERIVED = {
    np.positive: lambda x: x,
    np.square: lambda x: x * x,
    np.reciprocal: lambda x: 1.0 / x,
    np.exp2: lambda x: 2.0**x,
    np.log2: lambda x: log(x) / np.log(2.0),
    np.log10: lambda x: log(x) / np.log(10.0),
    np.sinh: lambda x: (exp(x) - exp(-x)) * 0.5,
    np.cosh: lambda x: (exp(x) + exp(-x)) * 0.5,
    np.logaddexp: lambda a, b: logsumexp(stack(_pair(a, b)), axis=0),
}

# piecewise-constant or boolean results: their gradient is zero, so they carry none
_UFUNC_CONSTANT = {
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.sign, np.floor, np.ceil,
    np.rint, np.trunc, np.isfinite, np.isnan, np.isinf, np.signbit,
}  # fmt: skip


def _pair(a, b):
    """Two operands as same-shaped Tensors (for derived binary ufuncs)."""
    a, b = as_tensor(a), as_tensor(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    return [_broadcast_to(a, shape), _broadcast_to(b, shape)]


def _broadcast_to(x, shape):
    x = as_tensor(x)
    return x if x.shape == tuple(shape) else _unary(ops.BroadcastTo, x, tuple(shape))


def _requires_grad(obj):
    """True if ``obj`` (or a Tensor nested in a list, tuple or dict of it) requires grad."""
    if isinstance(obj, Tensor):
        return obj.requires_grad
    if isinstance(obj, (list, tuple)):
        return any(_requires_grad(o) for o in obj)
    if isinstance(obj, dict):
        return any(_requires_grad(o) for o in obj.values())
    return False


def _strip(obj):
    """``obj`` with every Tensor replaced by its data (lists, tuples and dicts searched)."""
    if isinstance(obj, Tensor):
        return obj.data
    if isinstance(obj, (list, tuple)):
        return type(obj)(_strip(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()}
    return obj


def _no_rule(name):
    return TypeError(
        f"{name} has no gradient rule in tinygrad_opt, so it cannot be applied to a Tensor that "
        f"requires grad (the gradient would be lost). Use Tensor operations, or call it on "
        f"t.detach().numpy() if no gradient is needed."
    )


def array_ufunc(ufunc, method, inputs, kwargs):
    """Handle ``ufunc(*inputs, **kwargs)`` when an input is a Tensor."""
    op = _UFUNC_PRIMITIVES.get(ufunc)
    if op is not None and method == "__call__" and not kwargs:
        if len(inputs) == 1:
            return _unary(op, inputs[0])
        a, b = inputs
        if isinstance(a, Tensor):
            return _binary(op, a, b)
        return _rbinary(op, a, b)
    name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if "out" in kwargs:
        raise TypeError(f"{name}: out= is not supported for Tensors (Tensors are not written in place)")
    if method == "__call__" and not kwargs:
        if ufunc in _UFUNC_CONSTANT:
            return _constant(ufunc, *inputs)
        derived = _UFUNC_DERIVED.get(ufunc)
        if derived is not None:
            return derived(*inputs)
    if _requires_grad(inputs):
        raise _no_rule(name)
    result = getattr(ufunc, method)(*_strip(inputs), **_strip(kwargs))
    return result if result is None else _wrap(result)


# ---------------------------------------------------------------------------------------------
# __array_function__


def _no_extra(name, **options):
    """Refuse NumPy options we do not implement (rather than ignoring them)."""
    for key, value in options.items():
        if value is not None:
            raise TypeError(f"numpy.{name}: the argument {key}= is not supported for Tensors")


def _np_reduction(method, name):
    def handler(a, axis=None, dtype=None, out=None, keepdims=False, **more):
        _no_extra(name, dtype=dtype, out=out, **{k: v for k, v in more.items() if k != "ddof"})
        t = as_tensor(a)
        if "ddof" in more:
            return getattr(t, method)(axis, keepdims, more["ddof"])
        return getattr(t, method)(axis, keepdims)

    return handler


def _np_extremum(method, name):
    def handler(a, axis=None, out=None, keepdims=False, initial=None, where=None):
        _no_extra(name, out=out, initial=initial, where=where)
        return getattr(as_tensor(a), method)(axis, keepdims)

    return handler


def _np_reshape(a, *args, **kwargs):
    shape = args[0] if args else kwargs.get("shape", kwargs.get("newshape"))
    return as_tensor(a).reshape(shape)


def _np_dot(a, b, out=None):
    _no_extra("dot", out=out)
    return dot(a, b)


def _np_norm(x, ord=None, axis=None, keepdims=False):
    if ord not in (None, 2, "fro") or (ord == 2 and axis is None and np.ndim(_data(x)) > 1):
        raise TypeError(f"numpy.linalg.norm: only the 2-norm/Frobenius norm is supported, got ord={ord!r}")
    x = as_tensor(x)
    return (x * x).sum(axis, keepdims).sqrt()


def _np_expand_dims(a, axis):
    t = as_tensor(a)
    axes = normalize_axis(axis, t.ndim + (1 if np.ndim(axis) == 0 else len(axis)), "expand_dims")
    shape = list(t.shape)
    for ax in axes:
        shape.insert(ax, 1)
    return t.reshape(tuple(shape))


def _np_like(fill):
    def handler(a, dtype=None, order="K", subok=True, shape=None, *, device=None):
        data = a.data if isinstance(a, Tensor) else np.asarray(a)
        return _wrap(np.full(data.shape if shape is None else shape, fill, dtype or data.dtype))

    return handler


_FUNCTIONS = {
    np.sum: _np_reduction("sum", "sum"),
    np.mean: _np_reduction("mean", "mean"),
    np.var: _np_reduction("var", "var"),
    np.std: _np_reduction("std", "std"),
    np.max: _np_extremum("max", "max"),
    np.min: _np_extremum("min", "min"),
    np.amax: _np_extremum("max", "amax"),
    np.amin: _np_extremum("min", "amin"),
    np.reshape: _np_reshape,
    np.ravel: lambda a, order="C": as_tensor(a).reshape(-1),
    np.transpose: lambda a, axes=None: as_tensor(a).transpose(axes),
    np.swapaxes: lambda a, axis1, axis2: as_tensor(a).swapaxes(axis1, axis2),
    np.squeeze: lambda a, axis=None: as_tensor(a).squeeze(axis),
    np.expand_dims: _np_expand_dims,
    np.broadcast_to: lambda array, shape, subok=False: _broadcast_to(array, shape),
    np.dot: _np_dot,
    np.outer: lambda a, b, out=None: as_tensor(a).reshape(-1, 1) * as_tensor(b).reshape(1, -1),
    np.inner: lambda a, b: (as_tensor(a) * b).sum(-1),
    np.concatenate: lambda arrays, axis=0, out=None, **kw: concatenate(arrays, axis),
    np.stack: lambda arrays, axis=0, out=None, **kw: stack(arrays, axis),
    np.where: lambda condition, *xy: where(condition, *xy) if len(xy) == 2 else np.where(_strip(condition)),
    np.clip: lambda a, a_min=None, a_max=None, out=None, **kw: clip(a, kw.get("min", a_min), kw.get("max", a_max)),
    np.linalg.norm: _np_norm,
    np.shape: lambda a: _data(a).shape,
    np.ndim: lambda a: _data(a).ndim,
    np.size: lambda a, axis=None: np.size(_data(a), axis),
    np.zeros_like: _np_like(0),
    np.ones_like: _np_like(1),
    np.broadcast_arrays: lambda *args, subok=False: _broadcast_all(args),
}  # fmt: skip


def _broadcast_all(args):
    shape = np.broadcast_shapes(*[np.shape(_data(a)) for a in args])
    return [_broadcast_to(a, shape) for a in args]


def array_function(func, args, kwargs):
    """Handle a NumPy function called with a Tensor among its arguments."""
    handler = _FUNCTIONS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    if _requires_grad(args) or _requires_grad(kwargs):
        raise _no_rule(f"numpy.{func.__name__}")
    return func(*_strip(args), **_strip(kwargs))
