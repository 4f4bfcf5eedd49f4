"""NumPy dispatch: ``np.exp(t)``, ``np.sum(t, axis=0)``, ``np.einsum(...)`` ... on Tensors.

NumPy hands a call with a Tensor among its arguments to ``Tensor.__array_ufunc__`` (ufuncs) or
``Tensor.__array_function__`` (other functions); both come here and are mapped onto the primitives
of :mod:`tinygrad_opt.ops` and :mod:`tinygrad_opt.ops_linalg`, so a function written for NumPy
differentiates unchanged. To find how ``np.foo`` is differentiated, look it up in the tables:
``UFUNC_PRIMITIVES``, ``UFUNC_DERIVED``, ``UFUNC_CONSTANT`` and ``UFUNC_METHODS`` for ufuncs,
``FUNCTIONS`` for everything else, and ``NO_GRADIENT`` for functions whose result carries no
gradient.

Rules every entry follows:

- **Arguments bind exactly as NumPy's own signature** (positional and keyword): a call is bound
  with ``inspect.signature`` of the NumPy function, then handed to the handler by name. A handler
  takes the parameters it supports, under NumPy's names; any other argument given a value other
  than NumPy's default is refused with a TypeError naming the function and the argument.
- **What comes back**: a function that can carry a gradient returns Tensors (a float ufunc with
  a piecewise-constant result, such as ``floor`` or ``sign``, too: its gradient is zero). A
  function in ``NO_GRADIENT`` (``argmax``, ``isclose``, ``unique``, ...) and a ufunc with a
  boolean or integer result (``greater``, ``isfinite``) return exactly what NumPy returns for the
  values: ndarrays, NumPy scalars, bools, tuples. They can lose no gradient, so they run even
  when an argument requires grad. (The operators ``t > 0`` give Tensors, as in PyTorch.)
- A NumPy or SciPy function with no rule raises TypeError naming it by its real module (for
  example ``scipy.special.expit``) when an argument requires grad: the graph is never silently
  dropped. With no such argument it simply runs on the values.
"""

from __future__ import annotations

import inspect
import itertools
import sys

import numpy as np

from . import ops
from .functional import as_tensor, clip, concatenate, data_of, logsumexp, stack
from .functional import where as _where
from .ops_linalg import Cholesky, Det, Eigh, Inv, LogAbsDet, Pinv, Qr, Solve, Svd, unpack
from .tensor import Tensor, apply, binary, normalize_axis, rbinary, unary, wrap

__all__ = [
    "FUNCTIONS", "NO_GRADIENT", "UFUNC_PRIMITIVES", "UFUNC_DERIVED", "UFUNC_CONSTANT",
    "UFUNC_METHODS", "array_ufunc", "array_function", "qualified_name",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# small helpers


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


def qualified_name(func):
    """``module.name`` of a NumPy or SciPy function or ufunc, by its real module."""
    name = getattr(func, "__name__", repr(func))
    module = getattr(func, "__module__", None)
    if isinstance(func, np.ufunc):
        module = None
        for candidate in ("numpy", "scipy.special"):
            mod = sys.modules.get(candidate)
            if mod is not None and getattr(mod, name, None) is func:
                module = candidate
                break
    return f"{module}.{name}" if module else name


def _no_rule(name):
    return TypeError(
        f"{name} has no gradient rule in tinygrad_opt, so it cannot be applied to a Tensor that "
        f"requires grad (the gradient would be lost). Use Tensor operations, or call it on "
        f"t.detach().numpy() if no gradient is needed."
    )


def _short(value):
    if isinstance(value, (Tensor, np.ndarray)):
        return f"<array of shape {value.shape}>"
    return repr(value)


def _refuse(name, argument, value):
    return TypeError(
        f"{name}: the argument {argument}={_short(value)} is not supported for Tensors"
    )


def _t(x):
    """A Tensor of ``x``; a (nested) list or tuple holding Tensors is stacked, as np.array would
    build it (``np.mean([x, x + 2])``)."""
    if isinstance(x, (list, tuple)) and _has_tensor(x):
        return stack([_t(e) for e in x])
    return as_tensor(x)


def _has_tensor(obj):
    if isinstance(obj, Tensor):
        return True
    return isinstance(obj, (list, tuple)) and any(_has_tensor(o) for o in obj)


def _axis1(axis, ndim, who):
    (axis,) = normalize_axis(axis, ndim, who)
    return axis


def _moveaxis(t, source, destination):
    """np.moveaxis on a Tensor (a transpose)."""
    src = list(normalize_axis_seq(source, t.ndim, "moveaxis"))
    dst = list(normalize_axis_seq(destination, t.ndim, "moveaxis"))
    if len(src) != len(dst):
        raise ValueError("moveaxis: source and destination must have the same number of elements")
    order = [n for n in range(t.ndim) if n not in src]
    for d, s in sorted(zip(dst, src, strict=True)):
        order.insert(d, s)
    return t if order == list(range(t.ndim)) else t.transpose(tuple(order))


def normalize_axis_seq(axis, ndim, who):
    """Axes in the given order (not sorted), non-negative; errors as normalize_axis."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalize_axis(axes, ndim, who)  # validates range, type and repeats
    return tuple(int(a) % ndim for a in axes)


def _take_axis(t, index, axis):
    """``t`` indexed by an integer array along one axis (a gather; repeated indices accumulate)."""
    return t[(slice(None),) * axis + (np.asarray(index, dtype=np.intp),)]


def _slice_axis(t, start, stop, axis, step=None):
    return t[(slice(None),) * axis + (slice(start, stop, step),)]


def _float(t, dtype, who):
    if dtype is None:
        return t
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise _refuse(who, "dtype", dtype)
    return t if t.dtype == dt else t.astype(dt)


def _mask(where, shape):
    return np.broadcast_to(np.asarray(data_of(where), dtype=bool), shape)


# ---------------------------------------------------------------------------------------------
# __array_ufunc__


UFUNC_PRIMITIVES = {
    np.add: ops.Add, np.subtract: ops.Subtract, np.multiply: ops.Multiply,
    np.divide: ops.Divide, np.power: ops.Power,
    np.matmul: ops.Matmul, np.maximum: ops.Maximum, np.minimum: ops.Minimum,
    np.negative: ops.Negative, np.exp: ops.Exp, np.log: ops.Log, np.log1p: ops.Log1p,
    np.expm1: ops.Expm1, np.sqrt: ops.Sqrt, np.sin: ops.Sin, np.cos: ops.Cos, np.tan: ops.Tan,
    np.tanh: ops.Tanh, np.absolute: ops.Abs, np.fabs: ops.Abs,
    np.arcsin: ops.Arcsin, np.arccos: ops.Arccos, np.arctan: ops.Arctan,
    np.arcsinh: ops.Arcsinh, np.arccosh: ops.Arccosh, np.arctanh: ops.Arctanh,
    np.sinh: ops.Sinh, np.cosh: ops.Cosh, np.cbrt: ops.Cbrt,
    np.arctan2: ops.Arctan2, np.hypot: ops.Hypot,
}  # fmt: skip

_LN2 = float(np.log(2.0))  # Python floats keep float32 operands float32


def _float_power(a, b):
    # NumPy's float_power computes in float64 whatever the operands
    a, b = (
        _t(x).astype(np.float64) if isinstance(x, Tensor) and x.dtype != np.float64 else x
        for x in (a, b)
    )
    return binary(ops.Power, a, b) if isinstance(a, Tensor) else rbinary(ops.Power, a, b)


def _mod(a, b):
    # a mod b = a − ⌊a/b⌋ b, the floor a constant: ∂/∂a = 1, ∂/∂b = −⌊a/b⌋ (PyTorch's rule)
    q = np.floor_divide(data_of(a), data_of(b))
    return a - q * b if isinstance(a, Tensor) else rbinary(ops.Subtract, a, q * _t(b))


def _fmod(a, b):
    # C's fmod: the quotient truncated toward zero instead of floored
    q = np.trunc(np.divide(data_of(a), data_of(b)))
    return a - q * b if isinstance(a, Tensor) else rbinary(ops.Subtract, a, q * _t(b))


def _logaddexp(a, b):
    a, b = _t(a), _t(b)
    shape = np.broadcast_shapes(a.shape, b.shape)
    return logsumexp(stack([_broadcast_to(a, shape), _broadcast_to(b, shape)]), axis=0)


def _nan_aware(ufunc):
    # fmax/fmin: NaN loses to a number; otherwise maximum/minimum (ties share the gradient)
    def handler(a, b):
        a, b = _t(a), _t(b)
        best = ufunc(a, b)
        best = _where(np.isnan(a.data), b, best)
        return _where(np.isnan(b.data), a, best)

    return handler


UFUNC_DERIVED = {
    np.positive: lambda x: _t(x) * 1.0,
    np.conjugate: lambda x: _t(x) * 1.0,
    np.square: lambda x: x * x,
    np.reciprocal: lambda x: 1.0 / _t(x),
    np.exp2: lambda x: 2.0 ** _t(x),
    np.log2: lambda x: unary(ops.Log, _t(x)) / _LN2,
    np.log10: lambda x: unary(ops.Log, _t(x)) / float(np.log(10.0)),
    np.float_power: _float_power,
    np.logaddexp: _logaddexp,
    np.logaddexp2: lambda a, b: _logaddexp(_t(a) * _LN2, _t(b) * _LN2) / _LN2,
    np.remainder: _mod,
    np.fmod: _fmod,
    np.deg2rad: lambda x: _t(x) * (np.pi / 180),
    np.radians: lambda x: _t(x) * (np.pi / 180),
    np.rad2deg: lambda x: _t(x) * (180 / np.pi),
    np.degrees: lambda x: _t(x) * (180 / np.pi),
    np.vecdot: lambda a, b: (_t(a) * b).sum(-1) if isinstance(a, Tensor) else (_t(b) * a).sum(-1),
    np.fmax: _nan_aware(np.maximum),
    np.fmin: _nan_aware(np.minimum),
}

# piecewise-constant results: zero gradient (floats come back as Tensors, bools as NumPy's)
UFUNC_CONSTANT = {
    np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.sign, np.floor, np.ceil,
    np.rint, np.trunc, np.floor_divide, np.isfinite, np.isnan, np.isinf, np.signbit, np.heaviside,
}  # fmt: skip


def _ufunc_reduce(reducer):
    def handler(a, axis=0, dtype=None, keepdims=False):
        t = _float(_t(a), dtype, "reduce")
        return reducer(t, axis, keepdims)

    return handler


def _ufunc_outer(ufunc):
    def handler(a, b):
        a, b = _t(a), _t(b)
        return ufunc(a.reshape(a.shape + (1,) * b.ndim), b)

    return handler


UFUNC_METHODS = {
    (np.add, "reduce"): _ufunc_reduce(lambda t, axis, k: t.sum(axis, k)),
    (np.multiply, "reduce"): _ufunc_reduce(lambda t, axis, k: _prod(t, axis, keepdims=k)),
    (np.maximum, "reduce"): _ufunc_reduce(lambda t, axis, k: t.max(axis, k)),
    (np.minimum, "reduce"): _ufunc_reduce(lambda t, axis, k: t.min(axis, k)),
    (np.add, "accumulate"): lambda a, axis=0, dtype=None: _cumsum(a, axis, dtype),
    (np.multiply, "accumulate"): lambda a, axis=0, dtype=None: _cumprod(a, axis, dtype),
    (np.add, "outer"): _ufunc_outer(np.add),
    (np.subtract, "outer"): _ufunc_outer(np.subtract),
    (np.multiply, "outer"): _ufunc_outer(np.multiply),
    (np.divide, "outer"): _ufunc_outer(np.divide),
}


def array_ufunc(ufunc, method, inputs, kwargs):
    """Handle ``ufunc.method(*inputs, **kwargs)`` when an input is a Tensor."""
    op = UFUNC_PRIMITIVES.get(ufunc)
    if op is not None and method == "__call__" and not kwargs:
        if len(inputs) == 1:
            return unary(op, _t(inputs[0]))
        a, b = inputs
        if isinstance(a, Tensor):
            return binary(op, a, b)
        return rbinary(op, a, b)
    name = qualified_name(ufunc) + ("" if method == "__call__" else f".{method}")
    if kwargs.get("out") is not None:
        raise TypeError(
            f"{name}: out= is not supported for Tensors (Tensors are not written in place)"
        )
    if method == "__call__":
        for key, value in kwargs.items():
            if key != "out" and not (key == "dtype" and value is None):
                raise _refuse(name, key, value)
        if ufunc in UFUNC_CONSTANT:
            result = ufunc(*_strip(inputs))
            return wrap(result) if np.asarray(result).dtype.kind == "f" else result
        derived = UFUNC_DERIVED.get(ufunc)
        if derived is not None:
            return derived(*inputs)
    handler = UFUNC_METHODS.get((ufunc, method))
    if handler is not None:
        kwargs = {k: v for k, v in kwargs.items() if k != "out"}
        accepted = inspect.signature(handler).parameters
        for key, value in kwargs.items():
            if key not in accepted:
                raise _refuse(name, key, value)
        return handler(*inputs, **kwargs)
    if _requires_grad(inputs):
        raise _no_rule(name)
    result = getattr(ufunc, method)(*_strip(inputs), **_strip(kwargs))
    return (
        result
        if result is None
        else wrap(result)
        if np.asarray(result).dtype.kind == "f"
        else result
    )


# ---------------------------------------------------------------------------------------------
# __array_function__: binding by NumPy's signature


FUNCTIONS: dict = {}  # NumPy function -> handler with (a subset of) NumPy's parameter names

# run on the values, return what NumPy returns: their results carry no gradient
NO_GRADIENT = {
    np.argmax, np.argmin, np.argsort, np.any, np.all, np.allclose, np.isclose, np.unique,
    np.nonzero, np.flatnonzero, np.count_nonzero, np.searchsorted, np.bincount, np.shape,
    np.ndim, np.size, np.result_type, np.zeros_like, np.ones_like, np.full_like, np.empty_like,
    np.array_equal, np.array_equiv, np.argwhere, np.nanargmax, np.nanargmin, np.isin,
    np.iscomplexobj, np.isrealobj, np.digitize, np.histogram, np.lexsort, np.shares_memory,
    np.may_share_memory, np.isreal, np.iscomplex,
}  # fmt: skip

_SIGNATURES: dict = {}


def _signatures(func, handler):
    """(NumPy's signature, the handler's parameter names, whether it takes **kwargs, the index
    of NumPy's *args parameter or None), cached."""
    key = (func, handler)
    found = _SIGNATURES.get(key)
    if found is None:
        params = inspect.signature(handler).parameters
        sig = inspect.signature(func)
        kinds = [p.kind for p in sig.parameters.values()]
        found = (
            sig,
            set(params),
            any(p.kind is p.VAR_KEYWORD for p in params.values()),
            kinds.index(inspect.Parameter.VAR_POSITIONAL)
            if inspect.Parameter.VAR_POSITIONAL in kinds
            else None,
        )
        _SIGNATURES[key] = found
    return found


def _is_default(value, default):
    if value is default:
        return True
    if default is inspect.Parameter.empty or isinstance(value, (np.ndarray, Tensor)):
        return False
    return type(value) is type(default) and value == default


def register(*funcs):
    """Decorator: the handler for NumPy functions ``funcs`` (parameters named as NumPy's)."""

    def decorate(handler):
        for f in funcs:
            FUNCTIONS[f] = handler
        return handler

    return decorate


def _call(func, handler, args, kwargs):
    name = qualified_name(func)
    sig, accepted, any_keyword, var_index = _signatures(func, handler)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{name}: {exc}") from None
    positional, keywords = [], {}
    names = list(sig.parameters)
    for pname, value in bound.arguments.items():
        param = sig.parameters[pname]
        if var_index is not None and names.index(pname) < var_index:
            positional.append(value)  # before a *args, so positional (np.gradient(f, *varargs))
        elif param.kind is param.VAR_POSITIONAL:
            positional.extend(value)
        elif param.kind is param.VAR_KEYWORD:
            for key, v in value.items():
                if key in accepted or any_keyword:
                    keywords[key] = v
                else:
                    raise _refuse(name, key, v)
        elif pname in accepted:
            keywords[pname] = value
        elif not _is_default(value, param.default):
            raise _refuse(name, pname, value)
    return handler(*positional, **keywords)


def array_function(func, args, kwargs):
    """Handle a NumPy function called with a Tensor among its arguments."""
    handler = FUNCTIONS.get(func)
    if handler is not None:
        return _call(func, handler, args, kwargs)
    if func not in NO_GRADIENT and (_requires_grad(args) or _requires_grad(kwargs)):
        raise _no_rule(qualified_name(func))
    return func(*_strip(args), **_strip(kwargs))


# ---------------------------------------------------------------------------------------------
# reductions and scans


def _sum(a, axis=None, dtype=None, keepdims=False, initial=None, where=None):
    t = _float(_t(a), dtype, "numpy.sum")
    if where is not None:
        t = _where(_mask(where, t.shape), t, 0.0)
    out = t.sum(axis, keepdims)
    return out if initial is None else out + initial


register(np.sum)(_sum)


@register(np.mean)
def _mean(a, axis=None, dtype=None, keepdims=False, *, where=None):
    t = _float(_t(a), dtype, "numpy.mean")
    if where is None:
        return t.mean(axis, keepdims)
    mask = _mask(where, t.shape)
    axes = normalize_axis(axis, t.ndim, "mean")
    count = np.sum(mask, axis=axes, keepdims=keepdims).astype(t.dtype)
    return _where(mask, t, 0.0).sum(axes, keepdims) / count


def _ddof(ddof, correction, who):
    if correction is not None:
        if ddof != 0:
            raise ValueError(f"{who}: ddof and correction can't be provided simultaneously.")
        return correction
    return ddof


@register(np.var)
def _var(a, axis=None, dtype=None, ddof=0, keepdims=False, *, correction=None):
    t = _float(_t(a), dtype, "numpy.var")
    return t.var(axis, keepdims=keepdims, ddof=_ddof(ddof, correction, "numpy.var"))


@register(np.std)
def _std(a, axis=None, dtype=None, ddof=0, keepdims=False, *, correction=None):
    t = _float(_t(a), dtype, "numpy.std")
    return t.std(axis, keepdims=keepdims, ddof=_ddof(ddof, correction, "numpy.std"))


def _extremum(method):
    def handler(a, axis=None, keepdims=False, initial=None, where=None):
        t = _t(a)
        if where is not None:
            if initial is None:
                raise ValueError(
                    f"numpy.{method}: reduction with where= needs an initial value (initial=)"
                )
            t = _where(_mask(where, t.shape), t, float(initial))
        out = getattr(t, method)(axis, keepdims)
        if initial is None:
            return out
        return (np.maximum if method == "max" else np.minimum)(out, initial)

    return handler


register(np.max, np.amax)(_extremum("max"))
register(np.min, np.amin)(_extremum("min"))


@register(np.ptp)
def _ptp(a, axis=None, keepdims=False):
    t = _t(a)
    return t.max(axis, keepdims) - t.min(axis, keepdims)


def _to_last(t, axis):
    """``t`` with the axes in ``axis`` (None: all) moved to the end and flattened into one."""
    axes = normalize_axis(axis, t.ndim, "reduction")
    if axes is None:
        return t.reshape(-1) if t.ndim != 1 else t, None
    rest = [i for i in range(t.ndim) if i not in axes]
    t = t.transpose(tuple(rest + list(axes))) if rest + list(axes) != list(range(t.ndim)) else t
    size = int(np.prod([t.shape[i] for i in range(len(rest), t.ndim)]))
    return t.reshape(tuple(t.shape[: len(rest)]) + (size,)), axes


def _keep(out, shape, axes, keepdims):
    if not keepdims:
        return out
    kept = tuple(1 if axes is None or i in axes else n for i, n in enumerate(shape))
    return out.reshape(kept)


def _prod(t, axis=None, dtype=None, keepdims=False, initial=None, where=None):
    """Product by a tree of pairwise products: exact with zeros in the input (no division) and
    differentiable to any order, in log2(n) steps."""
    t = _float(_t(t), dtype, "numpy.prod")
    if where is not None:
        t = _where(_mask(where, t.shape), t, 1.0)
    shape = t.shape
    x, axes = _to_last(t, axis)
    if x.shape[-1] == 0:
        out = wrap(np.ones(x.shape[:-1], dtype=x.dtype))
    else:
        while x.shape[-1] > 1:
            n = x.shape[-1]
            half = n // 2
            y = x[..., :half] * x[..., half : 2 * half]
            x = concatenate([y, x[..., 2 * half :]], axis=-1) if n % 2 else y
        out = x[..., 0]
    out = _keep(out, shape, axes, keepdims)
    return out if initial is None else out * initial


register(np.prod)(
    lambda a, axis=None, dtype=None, keepdims=False, initial=None, where=None: _prod(
        a, axis, dtype, keepdims, initial, where
    )
)


def _cumsum(a, axis=None, dtype=None):
    t = _float(_t(a), dtype, "numpy.cumsum")
    if axis is None:
        t, axis = t.reshape(-1), 0
    return unary(ops.Cumsum, t, _axis1(axis, t.ndim, "cumsum"))


def _cumprod(a, axis=None, dtype=None):
    """Running product by a parallel prefix scan of pairwise products (exact with zeros)."""
    t = _float(_t(a), dtype, "numpy.cumprod")
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis = _axis1(axis, t.ndim, "cumprod")
    x = _moveaxis(t, axis, -1)
    n, k = x.shape[-1], 1
    while k < n:
        x = concatenate([x[..., :k], x[..., k:] * x[..., :-k]], axis=-1)
        k *= 2
    return _moveaxis(x, -1, axis)


register(np.cumsum)(lambda a, axis=None, dtype=None: _cumsum(a, axis, dtype))
register(np.cumprod)(lambda a, axis=None, dtype=None: _cumprod(a, axis, dtype))


@register(np.diff)
def _diff(a, n=1, axis=-1, prepend=None, append=None):
    t = _t(a)
    if n == 0:
        return t  # NumPy returns the input itself, prepend and append ignored
    if n < 0:
        raise ValueError("order must be non-negative but got " + repr(n))
    if t.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = _axis1(axis, t.ndim, "diff")
    parts = []
    for extra in (prepend, append):
        if extra is None:
            parts.append(None)
            continue
        e = _t(extra)
        if e.ndim == 0:
            shape = list(t.shape)
            shape[axis] = 1
            e = _broadcast_to(e, tuple(shape))
        parts.append(e)
    if parts[0] is not None or parts[1] is not None:
        t = concatenate([p for p in (parts[0], t, parts[1]) if p is not None], axis=axis)
    for _ in range(n):
        t = _slice_axis(t, 1, None, axis) - _slice_axis(t, None, -1, axis)
    return t


@register(np.average)
def _average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    t = _t(a)
    if weights is None:
        avg = t.mean(axis, keepdims)
        total = wrap(np.full(avg.shape, t.size / max(avg.size, 1), dtype=avg.dtype))
    else:
        w = _t(weights)
        if w.shape != t.shape:
            if axis is None or w.ndim != 1:
                raise TypeError("numpy.average: weights differ in shape from a: give axis=")
            (ax,) = normalize_axis(axis, t.ndim, "average")
            w = w.reshape(tuple(-1 if i == ax else 1 for i in range(t.ndim)))
            w = _broadcast_to(w, t.shape)
        total = w.sum(axis, keepdims)
        avg = (t * w).sum(axis, keepdims) / total
    return (avg, total) if returned else avg


@register(np.median)
def _median(a, axis=None, keepdims=False):
    t = _t(a)
    shape = t.shape
    x, axes = _to_last(t, axis)
    x = _sort_last(x)
    n = x.shape[-1]
    mid = n // 2
    out = x[..., mid] if n % 2 else (x[..., mid - 1] + x[..., mid]) * 0.5
    nan = np.isnan(x.data).any(axis=-1)
    if nan.any():  # NumPy's median of a slice holding NaN is NaN
        out = _where(nan, np.nan, out)
    return _keep(out, shape, axes, keepdims)


@register(np.nansum)
def _nansum(a, axis=None, dtype=None, keepdims=False, initial=None, where=None):
    t = _t(a)
    return _sum(_where(np.isnan(t.data), 0.0, t), axis, dtype, keepdims, initial, where)


@register(np.nanmean)
def _nanmean(a, axis=None, dtype=None, keepdims=False):
    t = _float(_t(a), dtype, "numpy.nanmean")
    keep = ~np.isnan(t.data)
    axes = normalize_axis(axis, t.ndim, "nanmean")
    count = np.sum(keep, axis=axes, keepdims=keepdims).astype(t.dtype)
    return _where(keep, t, 0.0).sum(axes, keepdims) / count


# ---------------------------------------------------------------------------------------------
# shape and assembly


def _broadcast_to(x, shape):
    x = _t(x)
    return x if x.shape == tuple(shape) else unary(ops.BroadcastTo, x, tuple(shape))


def _order(t, order, who):
    """Resolve NumPy's memory-order argument to 'C' or 'F' for this tensor's data."""
    if order in ("C", None):
        return "C"
    if order == "F":
        return "F"
    data = np.asarray(t.data)
    if order in ("A", "K"):
        if data.flags.c_contiguous:
            return "C"
        if data.flags.f_contiguous:
            return "F"
        if order == "A":
            return "C"
    raise _refuse(who, "order", order)


def _reshape_order(t, shape, order, who):
    if _order(t, order, who) == "C":
        return t.reshape(shape)
    # Fortran order: reverse the axes, reshape in C order to the reversed shape, reverse back
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    return t.transpose().reshape(shape[::-1]).transpose()


register(np.reshape)(
    lambda a, shape=None, order="C", *, copy=None: _reshape_order(
        _t(a), shape, order, "numpy.reshape"
    )
)
register(np.ravel)(lambda a, order="C": _reshape_order(_t(a), -1, order, "numpy.ravel"))
register(np.transpose)(lambda a, axes=None: _t(a).transpose(axes))
register(np.swapaxes)(lambda a, axis1, axis2: _t(a).swapaxes(axis1, axis2))
register(np.moveaxis)(lambda a, source, destination: _moveaxis(_t(a), source, destination))
register(np.squeeze)(lambda a, axis=None: _t(a).squeeze(axis))
register(np.broadcast_to)(lambda array, shape, subok=False: _broadcast_to(array, shape))
register(np.copy)(lambda a, order="K", subok=False: _t(a) * 1.0)
register(np.concatenate)(lambda arrays, axis=0: concatenate(arrays, axis))
register(np.stack)(lambda arrays, axis=0: stack(arrays, axis))
register(np.clip)(lambda a, a_min=np._NoValue, a_max=np._NoValue, *, min=np._NoValue,
                  max=np._NoValue: _clip(a, a_min, a_max, min, max))  # fmt: skip


def _clip(a, a_min, a_max, lo, hi):
    def given(v):
        return v is not np._NoValue

    lo = a_min if given(a_min) else lo if given(lo) else None
    hi = a_max if given(a_max) else hi if given(hi) else None
    if not (_requires_grad(lo) or _requires_grad(hi)):
        return clip(a, data_of(lo), data_of(hi))
    # bounds that need a gradient get it where they are the result (PyTorch's clamp rule)
    out = _t(a)
    if lo is not None:
        out = _where(out.data < data_of(lo), lo, out)
    if hi is not None:
        out = _where(out.data > data_of(hi), hi, out)
    return out


@register(np.expand_dims)
def _expand_dims(a, axis):
    t = _t(a)
    axes = normalize_axis(axis, t.ndim + (1 if np.ndim(axis) == 0 else len(axis)), "expand_dims")
    shape = list(t.shape)
    for ax in axes:
        shape.insert(ax, 1)
    return t.reshape(tuple(shape))


@register(np.broadcast_arrays)
def _broadcast_arrays(*args):
    shape = np.broadcast_shapes(*[np.shape(data_of(a)) for a in args])
    return tuple(_broadcast_to(a, shape) for a in args)


@register(np.where)
def _np_where(condition, x=None, y=None):
    if x is None and y is None:
        return np.nonzero(np.asarray(data_of(condition)))
    if x is None or y is None:
        raise ValueError("either both or neither of x and y should be given")
    return _where(condition, x, y)


def _atleast(ndim):
    def one(a):
        t = _t(a)
        if t.ndim >= ndim:
            return t
        if ndim == 3 and t.ndim == 2:
            return t.reshape(t.shape + (1,))
        if ndim == 3 and t.ndim == 1:
            return t.reshape((1,) + t.shape + (1,))
        return t.reshape((1,) * (ndim - t.ndim) + t.shape)

    def handler(*arys):
        out = tuple(one(a) for a in arys)
        return out[0] if len(out) == 1 else out

    return handler


register(np.atleast_1d)(_atleast(1))
register(np.atleast_2d)(_atleast(2))
register(np.atleast_3d)(_atleast(3))


def _as_list(tup):
    if isinstance(tup, Tensor):
        return [tup[i] for i in range(len(tup))]
    return list(tup)


register(np.vstack, np.row_stack)(
    lambda tup: concatenate([_atleast(2)(x) for x in _as_list(tup)], 0)
)
register(np.dstack)(lambda tup: concatenate([_atleast(3)(x) for x in _as_list(tup)], 2))


@register(np.hstack)
def _hstack(tup):
    arrs = [_atleast(1)(x) for x in _as_list(tup)]
    return concatenate(arrs, 0 if arrs and arrs[0].ndim == 1 else 1)


@register(np.column_stack)
def _column_stack(tup):
    arrs = []
    for x in _as_list(tup):
        t = _t(x)
        arrs.append(t.reshape(-1, 1) if t.ndim < 2 else t)
    return concatenate(arrs, 1)


def _split_points(n, indices_or_sections, even, who):
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0:
            raise ValueError("number sections must be larger than 0.")
        if even and n % sections:
            raise ValueError("array split does not result in an equal division")
        size, extra = divmod(n, sections)
        bounds = [0]
        for i in range(sections):
            bounds.append(bounds[-1] + size + (1 if i < extra else 0))
        return list(itertools.pairwise(bounds))
    points = [0] + [int(i) for i in indices_or_sections] + [n]
    return list(itertools.pairwise(points))


def _split(ary, indices_or_sections, axis, even):
    t = _t(ary)
    axis = _axis1(axis, t.ndim, "split")
    n = t.shape[axis]
    return [
        _slice_axis(t, a, b, axis) for a, b in _split_points(n, indices_or_sections, even, "split")
    ]


register(np.split)(
    lambda ary, indices_or_sections, axis=0: _split(ary, indices_or_sections, axis, True)
)
register(np.array_split)(
    lambda ary, indices_or_sections, axis=0: _split(ary, indices_or_sections, axis, False)
)
register(np.vsplit)(lambda ary, indices_or_sections: _split(ary, indices_or_sections, 0, True))
register(np.dsplit)(lambda ary, indices_or_sections: _split(ary, indices_or_sections, 2, True))
register(np.hsplit)(
    lambda ary, indices_or_sections: _split(
        ary, indices_or_sections, 1 if _t(ary).ndim > 1 else 0, True
    )
)


@register(np.repeat)
def _repeat(a, repeats, axis=None):
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis = _axis1(axis, t.ndim, "repeat")
    return _take_axis(t, np.repeat(np.arange(t.shape[axis]), data_of(repeats)), axis)


@register(np.tile)
def _tile(A, reps):
    t = _t(A)
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    d = max(len(reps), t.ndim)
    shape = (1,) * (d - t.ndim) + t.shape
    reps = (1,) * (d - len(reps)) + reps
    inter = tuple(x for s in shape for x in (1, s))
    big = tuple(x for r, s in zip(reps, shape, strict=True) for x in (r, s))
    return _broadcast_to(t.reshape(inter), big).reshape(
        tuple(r * s for r, s in zip(reps, shape, strict=True))
    )


@register(np.roll)
def _roll(a, shift, axis=None):
    t = _t(a)
    if axis is None:
        return _roll(t.reshape(-1), shift, 0).reshape(t.shape)
    shifts = np.broadcast_to(shift, np.broadcast_shapes(np.shape(shift), np.shape(axis)))
    axes = np.broadcast_to(axis, shifts.shape)
    for s, ax in zip(np.ravel(shifts), np.ravel(axes), strict=True):
        ax = _axis1(int(ax), t.ndim, "roll")
        n = t.shape[ax]
        if n:
            t = _take_axis(t, (np.arange(n) - int(s)) % n, ax)
    return t


@register(np.flip)
def _flip(m, axis=None):
    t = _t(m)
    axes = range(t.ndim) if axis is None else normalize_axis(axis, t.ndim, "flip")
    index = [slice(None)] * t.ndim
    for ax in axes:
        index[ax] = slice(None, None, -1)
    return t[tuple(index)]


register(np.fliplr)(lambda m: _flip(m, 1))
register(np.flipud)(lambda m: _flip(m, 0))


@register(np.rot90)
def _rot90(m, k=1, axes=(0, 1)):
    t = _t(m)
    a0, a1 = normalize_axis_seq(axes, t.ndim, "rot90")
    if a0 == a1:
        raise ValueError("Axes must be different.")
    k %= 4
    if k == 0:
        return t * 1.0
    if k == 2:
        return _flip(_flip(t, a0), a1)
    perm = list(range(t.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return _flip(t, a1).transpose(tuple(perm))
    return _flip(t.transpose(tuple(perm)), a1)


@register(np.pad)
def _pad(array, pad_width, mode="constant", **kwargs):
    t = _t(array)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (t.ndim, 2))
    if mode == "constant":
        for key in kwargs:
            if key != "constant_values":
                raise _refuse("numpy.pad", key, kwargs[key])
        values = kwargs.get("constant_values", 0)
        new_shape = tuple(int(n + b + a) for n, (b, a) in zip(t.shape, widths, strict=True))
        inside = tuple(slice(int(b), int(b) + n) for n, (b, _) in zip(t.shape, widths, strict=True))
        filled = apply(ops.ScatterAdd, t, inside, new_shape)
        fill = np.pad(np.zeros(t.shape, t.dtype), widths, mode="constant", constant_values=values)
        return filled + fill
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise _refuse("numpy.pad", "mode", mode)
    for key in kwargs:
        raise _refuse("numpy.pad", key, kwargs[key])
    for ax, (b, a) in enumerate(widths):
        if b or a:
            index = np.pad(np.arange(t.shape[ax]), (int(b), int(a)), mode=mode)
            t = _take_axis(t, index, ax)
    return t


@register(np.append)
def _append(arr, values, axis=None):
    if axis is None:
        return concatenate([_t(arr).reshape(-1), _t(values).reshape(-1)], 0)
    return concatenate([arr, values], axis)


@register(np.take)
def _take(a, indices, axis=None, mode="raise"):
    if mode != "raise":
        raise _refuse("numpy.take", "mode", mode)
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), 0
    return _take_axis(t, np.asarray(data_of(indices)), _axis1(axis, t.ndim, "take"))


@register(np.take_along_axis)
def _take_along_axis(arr, indices, axis=-1):
    t = _t(arr)
    idx = np.asarray(data_of(indices))
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis = _axis1(axis, t.ndim, "take_along_axis")
    if idx.ndim != t.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    shape = np.broadcast_shapes(
        tuple(n for i, n in enumerate(t.shape) if i != axis),
        tuple(n for i, n in enumerate(idx.shape) if i != axis),
    )
    full = list(shape)
    full.insert(axis, idx.shape[axis])
    idx = np.broadcast_to(idx, full)
    index = tuple(
        idx
        if d == axis
        else np.arange(full[d]).reshape([-1 if i == d else 1 for i in range(t.ndim)])
        for d in range(t.ndim)
    )
    return t[index]


def _sort_last(x):
    order = np.argsort(x.data, axis=-1, kind="stable")
    return _take_along_axis(x, order, -1)


@register(np.sort)
def _sort(a, axis=-1, kind=None, *, stable=None):
    # the values do not depend on the algorithm; ties are resolved by a stable argsort
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis = _axis1(axis, t.ndim, "sort")
    order = np.argsort(t.data, axis=axis, kind="stable")
    return _take_along_axis(t, order, axis)


@register(np.select)
def _select(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist):
        raise ValueError("list of cases must be same length as list of conditions")
    out = default
    for cond, choice in reversed(list(zip(condlist, choicelist, strict=True))):
        out = _where(cond, choice, out)
    return _t(out)


def _diagonal(t, offset=0, axis1=0, axis2=1):
    t = _moveaxis(t, (axis1, axis2), (-2, -1))
    n1, n2 = t.shape[-2:]
    if offset >= 0:
        rows = np.arange(max(0, min(n1, n2 - offset)))
        cols = rows + offset
    else:
        cols = np.arange(max(0, min(n2, n1 + offset)))
        rows = cols - offset
    return t[..., rows, cols]


register(np.diagonal)(lambda a, offset=0, axis1=0, axis2=1: _diagonal(_t(a), offset, axis1, axis2))
register(np.trace)(
    lambda a, offset=0, axis1=0, axis2=1, dtype=None: _float(
        _diagonal(_t(a), offset, axis1, axis2), dtype, "numpy.trace"
    ).sum(-1)
)


@register(np.diag)
def _diag(v, k=0):
    t = _t(v)
    if t.ndim == 2:
        return _diagonal(t, k)
    if t.ndim != 1:
        raise ValueError("Input must be 1- or 2-d.")
    n = t.shape[0] + abs(k)
    i = np.arange(t.shape[0])
    rows, cols = (i, i + k) if k >= 0 else (i - k, i)
    return apply(ops.ScatterAdd, t, (rows, cols), (n, n))


def _triangle(m, k, lower):
    t = _t(m)
    if t.ndim < 2:
        raise TypeError("triu/tril on Tensors: need at least 2 dimensions")
    n, p = t.shape[-2:]
    mask = np.tri(n, p, k, dtype=bool) if lower else ~np.tri(n, p, k - 1, dtype=bool)
    return _where(mask, t, 0.0)


register(np.tril)(lambda m, k=0: _triangle(m, k, True))
register(np.triu)(lambda m, k=0: _triangle(m, k, False))


@register(np.round, np.around)
def _round(a, decimals=0):
    # piecewise constant: zero gradient (a Tensor, as np.floor)
    return wrap(np.round(_t(a).data, decimals))


@register(np.sinc)
def _sinc(x):
    return unary(ops.Sinc, _t(x))


# Tensors are real: the real part is the tensor itself (a differentiable copy), the imaginary 0
register(np.real)(lambda val: _t(val) * 1.0)
register(np.real_if_close)(lambda a, tol=100: _t(a) * 1.0)


register(np.imag)(lambda val: wrap(np.zeros(_t(val).shape, dtype=_t(val).dtype)))
register(np.angle)(lambda z, deg=False: wrap(np.angle(_t(z).data, deg)))


@register(np.linspace)
def _linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from start to stop, differentiable in both ends."""
    start, stop = _t(start), _t(stop)
    if axis != 0 or dtype is not None:
        raise _refuse(
            "numpy.linspace", "axis" if axis != 0 else "dtype", axis if axis != 0 else dtype
        )
    num = int(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    div = (num - 1) if endpoint else num
    shape = np.broadcast_shapes(start.shape, stop.shape)
    dtype = np.result_type(start.dtype, stop.dtype, float(num))
    steps = np.arange(num, dtype=dtype).reshape((-1,) + (1,) * len(shape))
    delta = stop - start
    step = delta / div if div > 0 else delta * np.nan
    y = steps * step + start if div > 0 else steps * delta + start
    if endpoint and num > 1:
        y = concatenate([y[:-1], _broadcast_to(stop, shape).reshape((1,) + shape)], 0)
    return (y, step) if retstep else y


@register(np.nan_to_num)
def _nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    t = _t(x)
    fixed = np.nan_to_num(t.data, nan=nan, posinf=posinf, neginf=neginf)
    return _where(np.isfinite(t.data), t, fixed)  # replaced entries are constants


@register(np.rollaxis)
def _rollaxis(a, axis, start=0):
    t = _t(a)
    n = t.ndim
    axis = _axis1(axis, n, "rollaxis")
    if start < 0:
        start += n
    if not 0 <= start <= n:
        raise ValueError(f"rollaxis: start is out of range for {n} dimensions")
    if axis < start:
        start -= 1
    if axis == start:
        return t * 1.0
    order = [i for i in range(n) if i != axis]
    order.insert(start, axis)
    return t.transpose(tuple(order))


@register(np.partition)
def _partition(a, kth, axis=-1):
    t = _t(a)
    if axis is None:
        t, axis = t.reshape(-1), 0
    axis = _axis1(axis, t.ndim, "partition")
    order = np.argpartition(t.data, data_of(kth), axis=axis)
    return _take_along_axis(t, order, axis)


@register(np.gradient)
def _gradient(f, *varargs, axis=None, edge_order=1):
    """Second-order central differences inside, one-sided at the edges, as ``np.gradient``;
    spacings may be scalars (coordinate arrays are not supported)."""
    t = _t(f)
    axes = range(t.ndim) if axis is None else normalize_axis_seq(axis, t.ndim, "gradient")
    axes = list(axes)
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1:
        spacing = [varargs[0]] * len(axes)
    else:
        spacing = list(varargs)
    if len(spacing) != len(axes) or any(np.ndim(data_of(h)) != 0 for h in spacing):
        raise TypeError("numpy.gradient on Tensors: give one scalar spacing per axis")
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    out = []
    for ax, h in zip(axes, spacing, strict=True):
        n = t.shape[ax]
        if n < edge_order + 1:
            raise ValueError(
                "Shape of array too small to calculate a numerical gradient, at least "
                "(edge_order + 1) elements are required."
            )

        def sl(start, stop, ax=ax):
            return _slice_axis(t, start, stop, ax)

        inner = (sl(2, None) - sl(None, -2)) / (2.0 * h)
        if edge_order == 1:
            first = (sl(1, 2) - sl(0, 1)) / h
            last = (sl(n - 1, n) - sl(n - 2, n - 1)) / h
        else:
            first = (-1.5 * sl(0, 1) + 2.0 * sl(1, 2) - 0.5 * sl(2, 3)) / h
            last = (0.5 * sl(n - 3, n - 2) - 2.0 * sl(n - 2, n - 1) + 1.5 * sl(n - 1, n)) / h
        out.append(concatenate([first, inner, last], ax))
    return out[0] if len(out) == 1 else tuple(out)


# ---------------------------------------------------------------------------------------------
# products


_LETTERS = ops._LETTERS


def _einsum_expand(subscripts, shapes):
    """Explicit subscripts ``'ab,bc->ac'`` from NumPy's forms (spaces, ellipsis, implicit output)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(
            f"einsum: {len(inputs)} operand subscripts for {len(shapes)} operands in {subscripts!r}"
        )
    free = [c for c in _LETTERS if c not in subscripts]
    ell_ndim = 0
    for s, shape in zip(inputs, shapes, strict=True):
        if "..." in s:
            ell_ndim = max(ell_ndim, len(shape) - (len(s) - 3))
    ell = "".join(free[:ell_ndim])
    expanded = []
    for s, shape in zip(inputs, shapes, strict=True):
        if "..." in s:
            k = len(shape) - (len(s) - 3)
            s = s.replace("...", ell[ell_ndim - k :])
        if len(s) != len(shape):
            raise ValueError(f"einsum: subscripts {s!r} for an operand of shape {shape}")
        expanded.append(s)
    if output is None:
        joined = "".join(expanded)
        output = ell + "".join(
            sorted(c for c in set(joined) if joined.count(c) == 1 and c not in ell)
        )
    elif ell_ndim and "..." not in output:
        # NumPy's rule: axes under an ellipsis are never summed away silently
        raise ValueError(
            f"einsum: {subscripts!r}: the ellipsis stands for {ell_ndim} axes but the output has "
            f"no '...' to keep them (NumPy refuses this too)"
        )
    else:
        output = output.replace("...", ell)
    return ",".join(expanded) + "->" + output


def _einsum_interleaved(operands):
    """einsum(op0, sublist0, op1, sublist1, ..., [sublistout]) as a subscripts string."""

    def letters(sub):
        return "".join("..." if s is Ellipsis else _LETTERS[int(s)] for s in sub)

    operands = list(operands)
    out = operands.pop() if len(operands) % 2 else None
    arrays, subs = operands[0::2], operands[1::2]
    spec = ",".join(letters(s) for s in subs) + ("" if out is None else "->" + letters(out))
    return spec, arrays


@register(np.einsum)
def einsum(*operands, optimize=False):
    """``np.einsum`` on Tensors: subscripts as a string or interleaved, ellipsis, implicit
    output, repeated indices; rule in :class:`tinygrad_opt.ops.Einsum`."""
    if isinstance(operands[0], str):
        spec, arrays = operands[0], list(operands[1:])
    else:
        spec, arrays = _einsum_interleaved(operands)
    arrays = [_t(a) for a in arrays]
    return apply(ops.Einsum, _einsum_expand(spec, [a.shape for a in arrays]), *arrays)


def _letters(n, start=0):
    return _LETTERS[start : start + n]


@register(np.tensordot)
def _tensordot(a, b, axes=2):
    a, b = _t(a), _t(b)
    if np.ndim(axes) == 0:
        n = int(axes)
        ax_a, ax_b = list(range(a.ndim - n, a.ndim)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if np.ndim(ax_a) == 0 else list(ax_a)
        ax_b = [ax_b] if np.ndim(ax_b) == 0 else list(ax_b)
    ax_a = [int(x) % a.ndim for x in ax_a]
    ax_b = [int(x) % b.ndim for x in ax_b]
    la = list(_letters(a.ndim))
    lb = list(_letters(b.ndim, a.ndim))
    for i, j in zip(ax_a, ax_b, strict=True):
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in ax_a] + [
        c for j, c in enumerate(lb) if j not in ax_b
    ]
    return apply(ops.Einsum, "".join(la) + "," + "".join(lb) + "->" + "".join(out), a, b)


@register(np.inner)
def _inner(a, b):
    """NumPy's inner: a sum over the last axes, the result of shape a.shape[:-1] + b.shape[:-1]."""
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    la, lb = _letters(a.ndim - 1), _letters(b.ndim - 1, a.ndim)
    k = _LETTERS[-1]
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"inner: shapes {a.shape} and {b.shape} not aligned (last dimensions differ)"
        )
    return apply(ops.Einsum, f"{la}{k},{lb}{k}->{la}{lb}", a, b)


@register(np.dot)
def _dot(a, b):
    """NumPy's dot: scalars multiply; otherwise a sum over a's last axis and b's second-to-last."""
    a, b = _t(a), _t(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if a.ndim <= 2 and b.ndim <= 2:
        return a @ b
    la = _letters(a.ndim - 1)
    k = _LETTERS[-1]
    if b.ndim == 1:
        return apply(ops.Einsum, f"{la}{k},{k}->{la}", a, b)
    lb = _letters(b.ndim - 2, a.ndim)
    j = _LETTERS[-2]
    return apply(ops.Einsum, f"{la}{k},{lb}{k}{j}->{la}{lb}{j}", a, b)


register(np.vdot)(lambda a, b: (_t(a).reshape(-1) * _t(b).reshape(-1)).sum())
register(np.outer)(lambda a, b: _t(a).reshape(-1, 1) * _t(b).reshape(1, -1))


@register(np.kron)
def _kron(a, b):
    a, b = _t(a), _t(b)
    d = max(a.ndim, b.ndim)
    sa = (1,) * (d - a.ndim) + a.shape
    sb = (1,) * (d - b.ndim) + b.shape
    ra = a.reshape(tuple(x for n in sa for x in (n, 1)))
    rb = b.reshape(tuple(x for n in sb for x in (1, n)))
    return (ra * rb).reshape(tuple(x * y for x, y in zip(sa, sb, strict=True)))


@register(np.cross)
def _cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    a = _moveaxis(_t(a), axisa, -1)
    b = _moveaxis(_t(b), axisb, -1)
    if a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ValueError(
            f"numpy.cross on Tensors: only 3-vectors are supported, got shapes {a.shape} and {b.shape}"
        )
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    parts = [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0]
    shape = np.broadcast_shapes(*[p.shape for p in parts])
    c = stack([_broadcast_to(p, shape) for p in parts], axis=-1)
    return _moveaxis(c, -1, axisc)


# ---------------------------------------------------------------------------------------------
# linear algebra


register(np.linalg.inv)(lambda a: unary(Inv, _t(a)))
register(np.linalg.det)(lambda a: unary(Det, _t(a)))
register(np.linalg.solve)(lambda a, b: apply(Solve, _t(a), _t(b)))
register(np.linalg.cholesky)(lambda a: unary(Cholesky, _t(a)))


@register(np.linalg.slogdet)
def _slogdet(a):
    t = _t(a)
    sign = np.linalg.slogdet(t.data)[0]
    return type(np.linalg.slogdet(np.eye(1)))(wrap(sign), unary(LogAbsDet, t))


def _eigh_parts(a, UPLO):
    t = _t(a)
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    n = t.shape[-1]
    return unpack(unary(Eigh, t, UPLO), [(n,), (n, n)])


@register(np.linalg.eigh)
def _eigh(a, UPLO="L"):
    w, v = _eigh_parts(a, UPLO)
    return type(np.linalg.eigh(np.eye(1)))(w, v)


register(np.linalg.eigvalsh)(lambda a, UPLO="L": _eigh_parts(a, UPLO)[0])


def _svd_parts(t):
    m, n = t.shape[-2:]
    k = min(m, n)
    return unpack(unary(Svd, t), [(m, k), (k,), (k, n)])


@register(np.linalg.svd)
def _svd(a, full_matrices=True, compute_uv=True):
    t = _t(a)
    m, n = t.shape[-2:]
    u, s, vh = _svd_parts(t)
    if not compute_uv:
        return s
    if full_matrices and m != n:
        raise TypeError(
            f"numpy.linalg.svd: full_matrices=True on a {m}x{n} matrix is not supported for "
            f"Tensors (the extra singular vectors are not unique): pass full_matrices=False"
        )
    return type(np.linalg.svd(np.eye(1)))(u, s, vh)


register(np.linalg.svdvals)(lambda x: _svd_parts(_t(x))[1])


@register(np.linalg.qr)
def _qr(a, mode="reduced"):
    t = _t(a)
    m, n = t.shape[-2:]
    if mode not in ("reduced", "r", "complete") or (mode == "complete" and m > n):
        raise _refuse("numpy.linalg.qr", "mode", mode)
    k = min(m, n)
    q, r = unpack(unary(Qr, t), [(m, k), (k, n)])
    return r if mode == "r" else type(np.linalg.qr(np.eye(1)))(q, r)


register(np.linalg.pinv)(lambda a, rcond=None: unary(Pinv, _t(a), rcond))


@register(np.linalg.matrix_power)
def _matrix_power(a, n):
    t = _t(a)
    n = int(n)
    if n == 0:
        return wrap(np.broadcast_to(np.eye(t.shape[-1], dtype=t.dtype), t.shape))
    if n < 0:
        t, n = unary(Inv, t), -n
    result, base = None, t
    while n:
        if n & 1:
            result = base if result is None else result @ base
        n >>= 1
        if n:
            base = base @ base
    return result


@register(np.linalg.multi_dot)
def _multi_dot(arrays):
    out = arrays[0]
    for x in arrays[1:]:
        out = _dot(out, x)
    return out


def _vector_norm(t, ord, axis, keepdims):
    """NumPy's vector norms over one axis (a tuple of one) or all axes (axis None)."""
    if ord is None or ord == 2:
        return unary(ops.VectorNorm, t, 2, axis, keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return abs(t).max(axis, keepdims)
    if ord == -np.inf:
        return abs(t).min(axis, keepdims)
    if ord == 0:  # the number of non-zeros: a count, no gradient
        return wrap(np.sum(t.data != 0, axis=axis, keepdims=keepdims).astype(t.dtype))
    if ord == 1:
        return abs(t).sum(axis, keepdims)
    if ord > 0:
        return unary(ops.VectorNorm, t, float(ord), axis, keepdims)
    return (abs(t) ** ord).sum(axis, keepdims) ** (1.0 / ord)


@register(np.linalg.norm)
def _norm(x, ord=None, axis=None, keepdims=False):
    """Every ``ord`` and ``axis`` of ``np.linalg.norm`` (vector and matrix norms)."""
    t = _t(x)
    nd = t.ndim
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd == 2) or (ord == 2 and nd == 1):
            return unary(ops.VectorNorm, t, 2, None, keepdims)
        if nd == 1:
            axis = (0,)
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError("Improper number of dimensions to norm.")
    axes = normalize_axis_seq(axis, nd, "norm")
    if len(axes) == 1:
        return _vector_norm(t, ord, axes, keepdims)
    if len(axes) != 2:
        raise ValueError("Improper number of dimensions to norm.")
    row, col = axes
    if ord is None or ord in ("f", "fro"):
        return unary(ops.VectorNorm, t, 2, tuple(sorted(axes)), keepdims)
    if ord in (2, -2, "nuc"):
        s = _svd_parts(_moveaxis(t, (row, col), (-2, -1)))[1]
        out = s.max(-1) if ord == 2 else s.min(-1) if ord == -2 else s.sum(-1)
    elif ord in (1, -1, np.inf, -np.inf):
        if ord in (np.inf, -np.inf):
            row, col = col, row
        sums = abs(t).sum(row)
        col2 = col - 1 if col > row else col
        out = sums.max(col2) if ord > 0 else sums.min(col2)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(t.shape)
        shape[axes[0]] = shape[axes[1]] = 1
        out = out.reshape(tuple(shape))
    return out


# the array-API names of NumPy 2 (np.linalg.vector_norm, matrix_norm, ...)


@register(np.linalg.vector_norm)
def _vector_norm_api(x, axis=None, keepdims=False, ord=2):
    t = _t(x)
    axes = normalize_axis(axis, t.ndim, "vector_norm")
    if axes is None and keepdims is False:
        return _vector_norm(t.reshape(-1), ord, None, False)
    return _vector_norm(t, ord, axes, keepdims)


register(np.linalg.matrix_norm)(
    lambda x, keepdims=False, ord="fro": _norm(x, ord, (-2, -1), keepdims)
)


def _matrix_transpose(x):
    t = _t(x)
    if t.ndim < 2:
        raise ValueError("matrix_transpose: input must be at least 2-dimensional")
    return t.swapaxes(-1, -2)


register(np.matrix_transpose, np.linalg.matrix_transpose)(_matrix_transpose)
register(np.linalg.diagonal)(lambda x, offset=0: _diagonal(_t(x), offset, -2, -1))
register(np.linalg.trace)(
    lambda x, offset=0, dtype=None: _float(
        _diagonal(_t(x), offset, -2, -1), dtype, "numpy.linalg.trace"
    ).sum(-1)
)
register(np.linalg.outer)(lambda x1, x2: _t(x1).reshape(-1, 1) * _t(x2).reshape(1, -1))
register(np.linalg.cross)(lambda x1, x2, axis=-1: _cross(x1, x2, axis=axis))
register(np.linalg.vecdot)(lambda x1, x2, axis=-1: (_t(x1) * _t(x2)).sum(axis))
register(np.linalg.tensordot)(lambda x1, x2, axes=2: _tensordot(x1, x2, axes))
register(np.linalg.matmul)(lambda x1, x2: _t(x1) @ x2)
