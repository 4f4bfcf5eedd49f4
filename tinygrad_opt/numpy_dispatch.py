"""NumPy dispatch: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.dot(a, b)`` ... on Tensors.

NumPy hands a call with a Tensor among its arguments to ``Tensor.__array_ufunc__`` (ufuncs) or
``Tensor.__array_function__`` (other functions); both come here and are mapped onto the primitives
of :mod:`tinygrad_opt.ops` and the functional API, so a function written for NumPy differentiates
unchanged. To find how ``np.foo`` is differentiated, look it up in the tables below.

A NumPy function with no gradient rule raises TypeError naming the function when one of its
arguments requires grad: the graph is never silently dropped. With no such argument it simply
runs on the values.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .functional import (
    as_tensor,
    clip,
    concatenate,
    data_of,
    dot,
    exp,
    log,
    logsumexp,
    stack,
    where,
)
from .tensor import Tensor, binary, constant, normalize_axis, rbinary, unary, wrap

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
    return x if x.shape == tuple(shape) else unary(ops.BroadcastTo, x, tuple(shape))


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
            return unary(op, inputs[0])
        a, b = inputs
        if isinstance(a, Tensor):
            return binary(op, a, b)
        return rbinary(op, a, b)
    name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if "out" in kwargs:
        raise TypeError(f"{name}: out= is not supported for Tensors (Tensors are not written in place)")
    if method == "__call__" and not kwargs:
        if ufunc in _UFUNC_CONSTANT:
            return constant(ufunc, *inputs)
        derived = _UFUNC_DERIVED.get(ufunc)
        if derived is not None:
            return derived(*inputs)
    if _requires_grad(inputs):
        raise _no_rule(name)
    result = getattr(ufunc, method)(*_strip(inputs), **_strip(kwargs))
    return result if result is None else wrap(result)


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
    if ord not in (None, 2, "fro") or (ord == 2 and axis is None and np.ndim(data_of(x)) > 1):
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
        return wrap(np.full(data.shape if shape is None else shape, fill, dtype or data.dtype))

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
    np.shape: lambda a: data_of(a).shape,
    np.ndim: lambda a: data_of(a).ndim,
    np.size: lambda a, axis=None: np.size(data_of(a), axis),
    np.zeros_like: _np_like(0),
    np.ones_like: _np_like(1),
    np.broadcast_arrays: lambda *args, subok=False: _broadcast_all(args),
}  # fmt: skip


def _broadcast_all(args):
    shape = np.broadcast_shapes(*[np.shape(data_of(a)) for a in args])
    return [_broadcast_to(a, shape) for a in args]


def array_function(func, args, kwargs):
    """Handle a NumPy function called with a Tensor among its arguments."""
    handler = _FUNCTIONS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    if _requires_grad(args) or _requires_grad(kwargs):
        raise _no_rule(f"numpy.{func.__name__}")
    return func(*_strip(args), **_strip(kwargs))
