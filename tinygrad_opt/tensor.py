"""Tensor, Parameter, the grad mode (``no_grad``) and the reverse-mode engine (``backward``).

A Tensor wraps a NumPy value (``.data``). An operation on Tensors that require gradients records a
node: the primitive (:mod:`tinygrad_opt.ops`), its arguments, and which of them need a gradient.
``backward`` visits the recorded nodes from the output back to the leaves in reverse creation
order (a valid topological order, found without recursion) and applies each primitive's
vector-Jacobian product.
"""

from __future__ import annotations

import functools
import itertools
import threading
from heapq import heappop, heappush
from sys import getrefcount

import numpy as np

from . import ops

__all__ = ["Tensor", "Parameter", "no_grad", "enable_grad", "is_grad_enabled"]


# ---------------------------------------------------------------------------------------------
# grad mode


class _GradMode(threading.local):
    enabled = True
    trace = None  # the trace of a function being compiled in this thread (see compile.py)


_mode = _GradMode()


def is_grad_enabled():
    """True unless inside ``no_grad()`` (in this thread)."""
    return _mode.enabled


class _GradModeContext:
    """Sets the grad mode for a ``with`` block (or a decorated function), then restores it."""

    _value = True

    def __enter__(self):
        if not self._value and _mode.trace is not None:
            _mode.trace.escape("no_grad()")
        self._previous = _mode.enabled
        _mode.enabled = self._value

    def __exit__(self, *exc):
        _mode.enabled = self._previous
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager (or decorator) under which operations record no graph, as in PyTorch.

    The mode is thread-local: other threads keep their own.

    >>> with no_grad():
    ...     y = x * 2          # y.requires_grad is False
    """

    _value = False


class enable_grad(_GradModeContext):
    """Context manager (or decorator) that turns graph recording back on inside ``no_grad``."""

    _value = True


# ---------------------------------------------------------------------------------------------
# conversion of user data


_SCALARS = (float, int, bool)


def check_dtype(arr, who):
    kind = arr.dtype.kind
    if kind == "c":
        raise TypeError(f"{who}: complex values are not supported (got dtype {arr.dtype})")
    if kind not in "biuf":
        raise TypeError(
            f"{who}: expected numbers, got values of dtype {arr.dtype}"
            + (" (strings)" if kind in "US" else " (Python objects)" if kind == "O" else "")
        )


def to_array(data, who):
    """User data as a float array (Python numbers, lists and integer arrays become float64)."""
    if isinstance(data, Tensor):
        _check_trace(data, f"{who}(...)")
        return np.array(data.data)
    if isinstance(data, (np.ndarray, np.generic)):
        arr = np.array(data)
        check_dtype(arr, who)
        return arr if arr.dtype.kind in "fb" else arr.astype(np.float64)
    if isinstance(data, (str, bytes)):
        raise TypeError(f"{who}: expected numbers, got a string {data!r}")
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"{who}: could not make an array of the data ({exc})") from None
    check_dtype(arr, who)
    return arr.astype(np.float64)


def operand(x, who):
    """The NumPy value of an operand (a Tensor's data, a number, an array) for an operation."""
    if isinstance(x, Tensor):
        return x.data
    if type(x) in _SCALARS:
        return x
    if isinstance(x, (np.ndarray, np.generic)):
        if x.dtype.kind not in "biuf":
            check_dtype(np.asarray(x), who)  # raises, naming the dtype
        return x
    if isinstance(x, (list, tuple)):
        return to_array(x, who)
    raise TypeError(f"{who}: unsupported operand of type {type(x).__name__}")


# ---------------------------------------------------------------------------------------------
# Tensor


_seq = itertools.count()


def creation_number():
    """A number larger than that of every node made so far, smaller than any made later."""
    return next(_seq)


def wrap(value, requires_grad=False):
    """A Tensor around ``value`` with no history: the fast constructor used internally."""
    t = _new(Tensor)
    t.data = value
    t._grad = None
    t.requires_grad = requires_grad
    t._op = None
    t._pending = None
    t._version = 0
    return t


def _node(value, op, args, vals, needs, parents, versions):
    """A Tensor made by ``op``: ``args`` (Tensors and constants) and their NumPy ``vals``;
    ``needs[i]`` tells whether args[i] wants a gradient, and ``parents`` lists those
    (position, Tensor) pairs, so that backward visits only them. ``versions[i]`` is the version
    of args[i] when it was saved (None for a constant), checked again by backward."""
    t = _new(Tensor)
    t.data = value
    t._grad = None
    t.requires_grad = True
    t._op = op
    t._args = args
    t._vals = vals
    t._needs = needs
    t._parents = parents
    t._versions = versions
    t._seq = next(_seq)
    t._pending = None
    t._version = 0
    return t


_new = object.__new__
_FIRST_ONLY = [(True,) + (False,) * n for n in range(4)]  # needs of (tensor, *params)


def apply(op, *args):
    """Apply primitive ``op`` to ``args`` (Tensors and NumPy values); record a node if needed.

    Non-Tensor arguments are passed through unchanged (they may be parameters such as ``axis``);
    callers convert user data first.
    """
    vals = tuple([x.data if isinstance(x, Tensor) else x for x in args])
    try:
        out = op.forward(*vals)
    except ValueError as exc:
        shapes = " and ".join(str(v.shape) for v in vals if hasattr(v, "shape"))
        raise ValueError(f"{op.name}: invalid input shapes {shapes} ({exc})") from None
    if _mode.enabled:
        needs = tuple([isinstance(x, Tensor) and x.requires_grad for x in args])
        if True in needs:
            parents = tuple([(i, x) for i, x in enumerate(args) if needs[i]])
            versions = tuple([x._version if isinstance(x, Tensor) else None for x in args])
            return _node(out, op, args, vals, needs, parents, versions)
    return wrap(out)


def binary(op, a, b):
    """Fast path of apply for a Tensor ``a`` and any operand ``b``."""
    if isinstance(b, Tensor):
        bv = b.data
        b_req = b.requires_grad
    else:
        bv = b if type(b) in _SCALARS else operand(b, op.name)
        b_req = False
    try:
        out = op.forward(a.data, bv)
    except ValueError as exc:
        raise ValueError(
            f"{op.name}: shapes {a.shape} and {ops.shape_of(bv)} do not match ({exc})"
        ) from None
    if (a.requires_grad or b_req) and _mode.enabled:
        if not b_req:
            if isinstance(b, Tensor):  # a constant Tensor: kept, so that its version is checked
                return _node(
                    out,
                    op,
                    (a, b),
                    (a.data, bv),
                    _FIRST_ONLY[1],
                    ((0, a),),
                    (a._version, b._version),
                )
            # other operands are recorded as their NumPy value (a list becomes an array)
            return _node(
                out, op, (a, bv), (a.data, bv), _FIRST_ONLY[1], ((0, a),), (a._version, None)
            )
        versions = (a._version, b._version)
        if not a.requires_grad:
            return _node(out, op, (a, b), (a.data, bv), (False, True), ((1, b),), versions)
        return _node(out, op, (a, b), (a.data, bv), (True, True), ((0, a), (1, b)), versions)
    return wrap(out)


def rbinary(op, b, a):
    """``b op a`` where only ``a`` is a Tensor (the reflected operators)."""
    bv = b if type(b) in _SCALARS else operand(b, op.name)
    try:
        out = op.forward(bv, a.data)
    except ValueError as exc:
        raise ValueError(
            f"{op.name}: shapes {ops.shape_of(bv)} and {a.shape} do not match ({exc})"
        ) from None
    if a.requires_grad and _mode.enabled:
        return _node(out, op, (bv, a), (bv, a.data), (False, True), ((1, a),), (None, a._version))
    return wrap(out)


_NO_VERSIONS = [(None,) * n for n in range(4)]


def unary(op, a, *params):
    out = op.forward(a.data, *params)
    if a.requires_grad and _mode.enabled:
        n = len(params)
        return _node(
            out, op, (a, *params), (a.data, *params), _FIRST_ONLY[n], ((0, a),),
            (a._version, *_NO_VERSIONS[n]),
        )  # fmt: skip
    return wrap(out)


def constant(func, *args):
    """A result with no gradient (comparisons, sign, ...): computed on the data, never a node."""
    if _mode.trace is not None:  # a compiled function's trace records it (its value may vary)
        return _mode.trace.constant(func, args)
    return wrap(func(*[x.data if isinstance(x, Tensor) else x for x in args]))


def _check_trace(t, what):
    """Inside the trace of a compiled function, reading a traced value (``what``) abandons it."""
    trace = _mode.trace
    if trace is not None and t.requires_grad:
        trace.escape(what)


def normalize_axis(axis, ndim, who):
    """``axis`` as None or a sorted tuple of non-negative ints; errors name the op and the axis."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)):
        raise TypeError(f"{who}: axis must be an int or a tuple of ints, got {axis!r}")
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool):
            raise TypeError(f"{who}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -ndim <= ax < ndim:
            raise ValueError(
                f"{who}: axis {ax} is out of range for a tensor with {ndim} dimensions"
            )
        out.append(int(ax) % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise ValueError(f"{who}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def _index_value(index):
    """An index with Tensors replaced by their data and lists by arrays."""
    if isinstance(index, tuple):
        return tuple(_index_value(i) for i in index)
    if isinstance(index, Tensor):
        _check_trace(index, "an index computed from traced values")  # its result's shape varies
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


class Tensor:
    """An n-dimensional array of floats that records operations for reverse-mode differentiation.

    Parameters
    ----------
    data : array_like
        Python numbers and lists become float64; NumPy float arrays keep their dtype; integer
        arrays become float64. Complex numbers, strings and objects raise TypeError. The data is
        copied, as ``torch.tensor`` does.
    requires_grad : bool
        Whether operations on this tensor are recorded so that ``backward`` can reach it.

    Operators (``+ - * / ** @``, unary ``-``, ``abs``) and methods follow NumPy's names and
    broadcasting; NumPy functions (``np.exp(t)``, ``np.sum(t, axis=0)``) return Tensors too.
    """

    # _op, _args, _vals, _needs, _parents, _seq: the node that made this tensor (see _node);
    # _pending: the gradient being accumulated for it during a backward pass (so two threads
    # must not run backward through the same graph at the same time).
    # _version: bumped by every in-place change, so that backward can tell when a value it saved
    # was overwritten (_versions: the versions of the node's arguments when they were saved).
    __slots__ = ("data", "_grad", "requires_grad", "_op", "_args", "_vals", "_needs", "_parents",
                 "_versions", "_seq", "_pending", "_version", "__weakref__")  # fmt: skip

    def __init__(self, data, requires_grad=False):
        self.data = to_array(data, type(self).__name__)
        self._grad = None
        self._op = None
        self._pending = None
        self._version = 0
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require gradients, got dtype {self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)

    # the hook ops.call uses to build graph nodes from inside gradient rules
    @staticmethod
    def _apply_primitive(op, *args):
        return apply(op, *args)

    # -- attributes -----------------------------------------------------------------------------

    @property
    def shape(self):
        """The shape of the data, a tuple."""
        return self.data.shape

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.data.ndim

    @property
    def size(self):
        """The number of elements."""
        return self.data.size

    @property
    def dtype(self):
        """The NumPy dtype of the data."""
        return self.data.dtype

    @property
    def grad(self):
        """The accumulated gradient: a Tensor of this tensor's shape, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                value = wrap(to_array(value, "grad"))
            if value.shape != self.data.shape:
                raise ValueError(
                    f"grad: a gradient of shape {value.shape} for a tensor of shape {self.shape}"
                )
        self._grad = value

    @property
    def is_leaf(self):
        """True for tensors created by the user (not by a recorded operation)."""
        return self._op is None

    @property
    def grad_fn(self):
        """The name of the primitive that made this tensor, or None for a leaf."""
        return None if self._op is None else self._op.name

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def numpy(self):
        """The values as a NumPy array (no graph; shares memory with the tensor)."""
        _check_trace(self, "numpy()")
        return np.asarray(self.data)

    def item(self):
        """The value of a one-element tensor as a Python float."""
        _check_trace(self, "item()")
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a one-element tensor converts to a number, got shape {self.shape}"
            )
        return self.data.item()

    def detach(self):
        """A tensor with the same data and no history (``requires_grad=False``)."""
        if _mode.trace is not None and self.requires_grad:
            return _mode.trace.detach(self)
        return wrap(self.data)

    def astype(self, dtype):
        """A copy cast to ``dtype`` (differentiable)."""
        return unary(ops.AsType, self, np.dtype(dtype))

    def __repr__(self):
        body = np.array2string(np.asarray(self.data), separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._op is not None:
            extra += f", grad_fn={self._op.name}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"{type(self).__name__}({body}{extra})"

    def __array__(self, dtype=None, copy=None):
        _check_trace(self, "a conversion to a NumPy array")
        if self.requires_grad:
            raise TypeError(
                "a Tensor that requires grad cannot become a NumPy array implicitly (its gradient "
                "would be lost): use t.detach().numpy() for the values, or tg.stack([...]) / "
                "tg.concatenate([...]) to combine Tensors"
            )
        arr = np.asarray(self.data, dtype=dtype)
        return arr.copy() if copy else arr

    def __bool__(self):
        _check_trace(self, "bool() (an if or while on a Tensor)")
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data)

    def __float__(self):
        _check_trace(self, "float()")
        return float(self.item())

    def __int__(self):
        _check_trace(self, "int()")
        return int(self.item())

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self.data)))

    __hash__ = object.__hash__

    # -- backward -------------------------------------------------------------------------------

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad``.

        As in PyTorch, a leaf without a gradient gets a new one and a leaf that has one has the
        new gradient added into it in place. Raises RuntimeError when a value the graph saved
        for the gradient was changed in place since (``+=``, item assignment, an optimizer
        step): the version counters tell. ``tg.autograd.grad`` computes gradients without
        touching ``.grad``.

        Parameters
        ----------
        gradient : array_like or Tensor, optional
            dL/d(self), needed unless ``self`` has one element (then it is 1).
        retain_graph : bool, optional
            Keep the graph for another backward; defaults to ``create_graph``. Otherwise the
            graph is freed as backward walks it, and a second backward raises RuntimeError.
        create_graph : bool
            Record the backward pass itself, so the gradients are Tensors with a graph and can
            be differentiated again (Hessians by double backward).
        """
        if not create_graph:
            _check_trace(self, "backward()")
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: make a leaf with "
                "requires_grad=True (or a Parameter) and compute from it"
            )
        if retain_graph is None:
            retain_graph = create_graph
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward(): the gradient can be implied only for a one-element output, "
                    f"but the output has shape {self.shape}; pass gradient= of that shape"
                )
            g = (
                np.ones(self.data.shape, self.data.dtype)
                if self.data.ndim
                else self.data.dtype.type(1)
            )
        else:
            g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
            if g.shape != self.shape:
                raise ValueError(
                    f"backward(): gradient has shape {g.shape} but the output has shape "
                    f"{self.shape}"
                )
            check_dtype(np.asarray(g), "backward(gradient)")
            g = np.asarray(g, dtype=self.data.dtype)
        if create_graph:
            g = gradient if isinstance(gradient, Tensor) else wrap(g)
            with enable_grad():
                _run_backward((self,), (g,), retain_graph, True)
        else:
            _run_backward((self,), (g,), retain_graph, False)

    # -- operators ------------------------------------------------------------------------------

    def __add__(self, other):
        return binary(ops.Add, self, other)

    def __radd__(self, other):
        return rbinary(ops.Add, other, self)

    def __sub__(self, other):
        return binary(ops.Subtract, self, other)

    def __rsub__(self, other):
        return rbinary(ops.Subtract, other, self)

    def __mul__(self, other):
        return binary(ops.Multiply, self, other)

    def __rmul__(self, other):
        return rbinary(ops.Multiply, other, self)

    def __truediv__(self, other):
        return binary(ops.Divide, self, other)

    def __rtruediv__(self, other):
        return rbinary(ops.Divide, other, self)

    def __pow__(self, other):
        return binary(ops.Power, self, other)

    def __rpow__(self, other):
        return rbinary(ops.Power, other, self)

    def __mod__(self, other):
        """``self % other``, NumPy's remainder (sign of the divisor); ∂/∂self = 1."""
        return np.remainder(self, other)

    def __rmod__(self, other):
        return np.remainder(other, self)

    def __matmul__(self, other):
        return binary(ops.Matmul, self, other)

    def __rmatmul__(self, other):
        return rbinary(ops.Matmul, other, self)

    def __neg__(self):
        return unary(ops.Negative, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary(ops.Abs, self)

    # comparisons and logic: results carry no gradient
    def __lt__(self, other):
        return constant(np.less, self, other)

    def __le__(self, other):
        return constant(np.less_equal, self, other)

    def __gt__(self, other):
        return constant(np.greater, self, other)

    def __ge__(self, other):
        return constant(np.greater_equal, self, other)

    def __eq__(self, other):
        return constant(np.equal, self, other)

    def __ne__(self, other):
        return constant(np.not_equal, self, other)

    def __and__(self, other):
        return constant(np.logical_and, self, other)

    __rand__ = __and__

    def __or__(self, other):
        return constant(np.logical_or, self, other)

    __ror__ = __or__

    def __invert__(self):
        return constant(np.logical_not, self)

    # in place: for updates under no_grad(), as in PyTorch (``p -= lr * p.grad``)
    def _in_place(self, ufunc, other, symbol):
        _check_trace(self, f"{symbol}=")
        if isinstance(other, Tensor):
            _check_trace(other, f"{symbol}=")
        if self.requires_grad and _mode.enabled:
            raise RuntimeError(
                f"'{symbol}=' on a tensor that requires grad cannot be differentiated: update "
                f"parameters under tg.no_grad(), or write x = x {symbol} ... for a new tensor"
            )
        value = operand(other, f"{symbol}=")
        if isinstance(self.data, np.ndarray):
            ufunc(self.data, value, out=self.data, casting="same_kind")
        else:  # a NumPy scalar cannot change: give the tensor a new one
            self.data = ufunc(self.data, value)
        self._version += 1
        _last_change[0] = next(_seq)
        return self

    def _bump_version(self):
        """Record that ``self.data`` was changed in place (``p.data -= lr * g`` and the like).

        Code that writes into ``.data`` directly (optimizer steps) calls this, so that a backward
        through a graph that saved the old values raises instead of using the new ones, as
        PyTorch's version counters do. ``+=``, ``-=``, ``*=``, ``/=`` and item assignment on a
        Tensor call it themselves. It costs two integer increments.
        """
        self._version += 1
        _last_change[0] = next(_seq)

    def __iadd__(self, other):
        return self._in_place(np.add, other, "+")

    def __isub__(self, other):
        return self._in_place(np.subtract, other, "-")

    def __imul__(self, other):
        return self._in_place(np.multiply, other, "*")

    def __itruediv__(self, other):
        return self._in_place(np.divide, other, "/")

    # -- indexing -------------------------------------------------------------------------------

    def __getitem__(self, index):
        shape = self.data.shape
        if type(index) is int and shape and -shape[0] <= index < shape[0]:
            return unary(ops.GetItem, self, index)  # the common case, checked cheaply
        idx = _index_value(index)
        if isinstance(idx, np.ndarray) and idx.dtype.kind not in "biu":
            raise IndexError(f"tensor indices must be integers or booleans, got dtype {idx.dtype}")
        try:
            return unary(ops.GetItem, self, idx)
        except IndexError as exc:  # NumPy's reason, with the tensor's shape and the index
            raise IndexError(
                f"index {index!r} into a tensor of shape {self.shape}: {exc}"
            ) from None

    def __setitem__(self, index, value):
        _check_trace(self, "item assignment")
        if isinstance(value, Tensor):
            _check_trace(value, "item assignment")
        if self.requires_grad and _mode.enabled:
            raise RuntimeError(
                "in-place assignment into a tensor that requires grad is not differentiable: "
                "build the new value with tg.where or tg.concatenate, or assign under no_grad()"
            )
        self.data[_index_value(index)] = value.data if isinstance(value, Tensor) else value
        self._version += 1
        _last_change[0] = next(_seq)

    # -- elementwise functions ----------------------------------------------------------------

    def exp(self):
        """Elementwise eˣ; d/dx eˣ = eˣ."""
        return unary(ops.Exp, self)

    def log(self):
        """Elementwise natural logarithm; d/dx log x = 1/x."""
        return unary(ops.Log, self)

    def log1p(self):
        """Elementwise log(1 + x), accurate for small x; derivative 1/(1 + x)."""
        return unary(ops.Log1p, self)

    def expm1(self):
        """Elementwise eˣ − 1, accurate for small x; derivative eˣ."""
        return unary(ops.Expm1, self)

    def sqrt(self):
        """Elementwise √x; derivative 1/(2√x)."""
        return unary(ops.Sqrt, self)

    def sin(self):
        """Elementwise sine; derivative cos x."""
        return unary(ops.Sin, self)

    def cos(self):
        """Elementwise cosine; derivative −sin x."""
        return unary(ops.Cos, self)

    def tan(self):
        """Elementwise tangent; derivative 1 + tan² x."""
        return unary(ops.Tan, self)

    def tanh(self):
        """Elementwise hyperbolic tangent; derivative 1 − tanh² x."""
        return unary(ops.Tanh, self)

    def sigmoid(self):
        """Elementwise σ(x) = 1/(1 + e⁻ˣ), overflow-free; derivative σ(1 − σ)."""
        return unary(ops.Sigmoid, self)

    def softplus(self):
        """log(1 + eˣ), without overflow."""
        return unary(ops.Softplus, self)

    def relu(self):
        """Elementwise max(x, 0); the derivative at 0 is taken as 0."""
        return unary(ops.Relu, self)

    def abs(self):
        """Elementwise |x|; the derivative at 0 is taken as 0."""
        return unary(ops.Abs, self)

    def clip(self, lo=None, hi=None):
        """Values limited to [lo, hi]; either bound may be None."""
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of lo and hi")
        return unary(ops.Clip, self, _bound(lo), _bound(hi))

    # -- reductions -----------------------------------------------------------------------------

    def sum(self, axis=None, keepdims=False):
        """Sum over ``axis`` (None: all; an int or a tuple), as ``ndarray.sum``."""
        return unary(ops.Sum, self, normalize_axis(axis, self.ndim, "sum"), bool(keepdims))

    def mean(self, axis=None, keepdims=False):
        """Mean over ``axis`` (None: all; an int or a tuple), as ``ndarray.mean``."""
        axes = normalize_axis(axis, self.ndim, "mean")
        count = self.size if axes is None else int(np.prod([self.shape[i] for i in axes]))
        return unary(ops.Sum, self, axes, bool(keepdims)) / count

    def var(self, axis=None, keepdims=False, ddof=0):
        """Variance, NumPy's definition: Σ(x − mean)² / (N − ddof) (``ddof`` = delta degrees of
        freedom). The gradient 2(x − mean)/(N − ddof) is 0 at zero spread."""
        axes = normalize_axis(axis, self.ndim, "var")
        count = self.size if axes is None else int(np.prod([self.shape[i] for i in axes]))
        centred = self - self.mean(axes, keepdims=True)
        return (centred * centred).sum(axes, keepdims) / max(count - ddof, 0)  # NumPy's clamp

    def std(self, axis=None, keepdims=False, ddof=0):
        """Standard deviation √var, NumPy's definition (``ddof`` = delta degrees of freedom).

        Computed as ‖x − mean‖₂ / √(N − ddof), so at zero spread (a constant, or one element)
        the gradient is 0 as in PyTorch, not √'s infinite slope at 0.
        """
        axes = normalize_axis(axis, self.ndim, "std")
        count = self.size if axes is None else int(np.prod([self.shape[i] for i in axes]))
        centred = self - self.mean(axes, keepdims=True)
        scale = float(np.sqrt(max(count - ddof, 0)))  # a Python float keeps float32 float32
        return unary(ops.VectorNorm, centred, 2, axes, bool(keepdims)) / scale

    def max(self, axis=None, keepdims=False):
        """Maximum over ``axis``; tied maxima share the gradient equally."""
        return self._extremum(ops.Max, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over ``axis``; tied minima share the gradient equally."""
        return self._extremum(ops.Min, axis, keepdims)

    def _extremum(self, op, axis, keepdims):
        if self.size == 0:
            raise ValueError(f"{op.name}: the tensor is empty (it has no {op.name}imum)")
        return unary(op, self, normalize_axis(axis, self.ndim, op.name), bool(keepdims))

    def argmax(self, axis=None):
        """Index of the maximum (a NumPy integer or array; no gradient)."""
        _check_trace(self, "argmax()")
        return np.argmax(self.data, axis=axis)

    def argmin(self, axis=None):
        """Index of the minimum (a NumPy integer or array; no gradient)."""
        _check_trace(self, "argmin()")
        return np.argmin(self.data, axis=axis)

    def argsort(self, axis=-1, kind=None, order=None):
        """Indices that sort the values (an ndarray; no gradient), as ``ndarray.argsort``."""
        return np.argsort(self.data, axis=axis, kind=kind, order=order)

    def any(self, axis=None, keepdims=False):
        """Whether any value is non-zero (NumPy's result; no gradient)."""
        return np.any(self.data, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        """Whether every value is non-zero (NumPy's result; no gradient)."""
        return np.all(self.data, axis=axis, keepdims=keepdims)

    def nonzero(self):
        """Indices of the non-zero values (a tuple of ndarrays; no gradient)."""
        return np.nonzero(self.data)

    def tolist(self):
        """The values as nested Python lists (no graph)."""
        return self.data.tolist()

    def prod(self, axis=None, keepdims=False):
        """Product over ``axis``, exact with zeros in the input (see ``np.prod``)."""
        return np.prod(self, axis=axis, keepdims=keepdims)

    def cumsum(self, axis=None):
        """Running sum along ``axis`` (flattened when None), as ``ndarray.cumsum``."""
        return np.cumsum(self, axis=axis)

    def cumprod(self, axis=None):
        """Running product along ``axis`` (flattened when None), exact with zeros."""
        return np.cumprod(self, axis=axis)

    def trace(self, offset=0, axis1=0, axis2=1):
        """Sum along a diagonal, as ``ndarray.trace``."""
        return np.trace(self, offset, axis1, axis2)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        """A diagonal (last axis of the result), as ``ndarray.diagonal``."""
        return np.diagonal(self, offset, axis1, axis2)

    def repeat(self, repeats, axis=None):
        """Each element repeated, as ``ndarray.repeat``."""
        return np.repeat(self, repeats, axis)

    def take(self, indices, axis=None):
        """Elements at ``indices`` (along ``axis``, or of the flattened tensor), as ``ndarray.take``."""
        return np.take(self, indices, axis)

    def round(self, decimals=0):
        """Values rounded to ``decimals`` (zero gradient, as ``np.round``)."""
        return np.round(self, decimals)

    def copy(self):
        """A copy that stays in the graph (its gradient flows back to this tensor)."""
        return self * 1.0

    # -- shape ----------------------------------------------------------------------------------

    def reshape(self, *shape):
        """The same values in a new shape (one entry may be -1), as ``ndarray.reshape``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return unary(ops.Reshape, self, _reshape_target(self.shape, shape))

    def flatten(self):
        """The values as a 1-D tensor."""
        return self.reshape(-1)

    def ravel(self):
        """The values as a 1-D tensor, as ``ndarray.ravel`` (differentiable)."""
        return self.reshape(-1)

    def transpose(self, *axes):
        """The axes permuted (reversed when none are given), as ``ndarray.transpose``."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        axes = None if not axes else tuple(int(a) % self.ndim for a in axes)
        if axes is not None and sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation for shape {self.shape}")
        return unary(ops.Transpose, self, axes)

    @property
    def T(self):
        """The transpose: axes reversed."""
        return unary(ops.Transpose, self, None)

    def swapaxes(self, axis1, axis2):
        """``axis1`` and ``axis2`` interchanged, as ``ndarray.swapaxes``."""
        perm = list(range(self.ndim))
        perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
        return unary(ops.Transpose, self, tuple(perm))

    def squeeze(self, axis=None):
        """Drop axes of length 1 (all of them, or those in ``axis``)."""
        axes = normalize_axis(axis, self.ndim, "squeeze")
        if axes is None:
            axes = tuple(i for i, n in enumerate(self.shape) if n == 1)
        for i in axes:
            if self.shape[i] != 1:
                raise ValueError(f"squeeze: axis {i} has length {self.shape[i]}, not 1")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def dot(self, other):
        """``np.dot(self, other)``: a scalar product or the matrix product of 1-D and 2-D operands."""
        return _functional.dot(self, other)

    # -- NumPy dispatch -------------------------------------------------------------------------

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _numpy_dispatch.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _numpy_dispatch.array_function(func, args, kwargs)


def _reshape_target(old, shape):
    """``shape`` with a -1 resolved, checked against ``old``; ValueError names both shapes."""
    try:
        shape = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"reshape: the shape must be ints, got {shape!r}") from None
    size = int(np.prod(old))
    free = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1]))
    ok = len(free) <= 1 and all(n >= -1 for n in shape)
    if ok and free:
        ok = known > 0 and size % known == 0
        if ok:
            shape = shape[: free[0]] + (size // known,) + shape[free[0] + 1 :]
    elif ok:
        ok = known == size
    if not ok:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {old} into {shape}")
    return shape


def _bound(v):
    return v.data if isinstance(v, Tensor) else v


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True``: what optimizers update.

    Integer input becomes float64 (``Parameter(np.array([0, 0]))`` starts the post's runs);
    complex, string and object input raise TypeError.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=False)
        if self.data.dtype.kind != "f":
            self.data = self.data.astype(np.float64)
        self.requires_grad = bool(requires_grad)


# ---------------------------------------------------------------------------------------------
# the backward engine


_FREED = (
    "backward through a graph that was already freed: pass retain_graph=True to the first "
    "backward() if you need to go through the graph twice"
)

# Primitives whose gradient rule reads only the shapes of its inputs and output, never their
# values: an in-place change to a value they saved cannot make their gradient wrong.
_SHAPE_ONLY_NAMES = ("Add", "Subtract", "Negative", "Sum", "Reshape", "Transpose", "BroadcastTo",
                     "GetItem", "ScatterAdd", "Concatenate")  # fmt: skip
_SHAPE_ONLY = frozenset(getattr(ops, name) for name in _SHAPE_ONLY_NAMES if hasattr(ops, name))


def _modified(node, x, expected):
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: the tensor of shape {x.shape} that {node._op.name} saved is at version "
        f"{x._version}, expected {expected}; recompute it after the in-place change (or clone it "
        f"before)"
    )


def _check_versions(node):
    """Raise if a value ``node`` saved for its gradient rule was changed in place since."""
    if node._op in _SHAPE_ONLY:
        return
    if node._version:
        raise _modified(node, node, 0)
    for x, v in zip(node._args, node._versions, strict=True):
        if v is not None and x._version != v:
            raise _modified(node, x, v)


def _reaching(roots, inputs):
    """The ids of the tensors, from ``roots`` back, through which some tensor of ``inputs`` is
    reached (inputs included): backward for ``inputs`` needs to visit only these.

    Also returns whether an already freed node was met (it may have hidden an input)."""
    wanted = {id(t) for t in inputs}
    seen = set()
    found = []
    stack = list(roots)
    freed = False
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        found.append(t)
        if t._op is not None:
            if t._parents is None:
                freed = True
            else:
                stack.extend([x for _, x in t._parents])
    # inputs before the nodes made from them: leaves first, then nodes by creation number
    found.sort(key=lambda t: -1 if t._op is None else t._seq)
    reach = set()
    for t in found:
        if id(t) in wanted or (
            t._op is not None
            and t._parents is not None
            and any(id(x) in reach for _, x in t._parents)
        ):
            reach.add(id(t))
    return reach, freed


def _run_backward(roots, seeds, retain_graph, create_graph, inputs=None, floor=None):
    """Propagate the gradients ``seeds[k] = dL/d(roots[k])`` back through the graph.

    With ``inputs=None`` every leaf reached gets its gradient added into ``.grad`` (``backward``).
    Otherwise nothing's ``.grad`` is touched, only the nodes leading to ``inputs`` are visited,
    and the gradient of each input (None where none arrived) is returned (``autograd.grad``).
    Those nodes are found by a walk over the graph, or, when the caller knows that every input
    was created after creation number ``floor``, are those created since (no walk: a node made
    before an input cannot depend on it).

    Nodes are visited newest first (a max-heap on creation number): every node is created after
    its inputs, so when a node is visited all of its consumers are done and its gradient, summed
    in its ``_pending`` slot, is complete. No recursion, so graphs of any depth work; each
    gradient is dropped as soon as it has been used.
    """
    reach = wanted = found = None
    freed = False
    if inputs is not None:
        wanted = {id(t) for t in inputs}
        wanted_nodes = {id(t) for t in inputs if t._op is not None}
        found = {}
        if floor is None:
            reach, freed = _reaching(roots, inputs)
    # Nodes made after the last in-place change saved values that are still current: only older
    # ones need their versions checked. Heap keys are minus creation numbers, so those are the
    # nodes whose key exceeds ``stale``.
    stale = -_last_change[0]
    heap = []
    leaves = []
    try:
        for root, g in zip(roots, seeds, strict=True):
            if wanted is not None and not _visits(root, reach, wanted, floor):
                continue  # no input is reached from this output
            prev = root._pending
            if prev is not None:  # the same output given twice
                root._pending = prev + g
                continue
            root._pending = g
            if root._op is None:
                leaves.append(root)
            elif root._args is None:
                raise RuntimeError(_FREED)
            else:
                heappush(heap, (-root._seq, root))
        if wanted is not None:
            _propagate_to_inputs(heap, leaves, retain_graph, create_graph, stale, reach,
                                 wanted_nodes, found, floor)  # fmt: skip
        while heap:  # the whole graph, for backward(): the hot loop, kept lean
            key, node = heappop(heap)
            g = node._pending
            node._pending = None
            if key > stale:
                _check_versions(node)
            if create_graph:
                parts = node._op.vjp(g, node, node._needs, *node._args)
            else:
                parts = node._op.vjp(g, node.data, node._needs, *node._vals)
            for i, x in node._parents:
                gx = parts[i]
                prev = x._pending
                if prev is None:
                    x._pending = gx
                    if x._op is None:
                        leaves.append(x)
                    elif x._args is None:
                        raise RuntimeError(_FREED)
                    else:
                        heappush(heap, (-x._seq, x))
                else:
                    x._pending = prev + gx
            if not retain_graph:
                node._args = node._vals = node._parents = None
        if wanted is None:
            parts = gx = g = prev = None  # drop the loop's references: ownership is told below
            for leaf in leaves:
                g = leaf._pending
                leaf._pending = None
                owned = owned_alone(g)  # then it can become the leaf's .grad without a copy
                _accumulate_leaf(leaf, g, create_graph, owned)
            return None
        for leaf in leaves:
            if id(leaf) in wanted:
                found[id(leaf)] = leaf._pending
        if freed and len(found) < len(wanted):
            raise RuntimeError(_FREED)
        return [found.get(id(t)) for t in inputs]
    finally:  # after an error too, no partial gradient may linger into the next backward
        for _, node in heap:
            node._pending = None
        for leaf in leaves:
            leaf._pending = None


def _propagate_to_inputs(heap, leaves, retain_graph, create_graph, stale, reach, wanted_nodes,
                         found, floor):  # fmt: skip
    """The loop of :func:`_run_backward` for given inputs: it records the gradient of each
    input node as it is reached, and goes only where an input may be found (the ids in
    ``reach``, or the nodes made since ``floor``)."""
    while heap:
        key, node = heappop(heap)
        g = node._pending
        node._pending = None
        if key > stale:
            _check_versions(node)
        if wanted_nodes and id(node) in wanted_nodes:
            found[id(node)] = g
        parents = node._parents
        needs = node._needs
        if reach is not None:  # compute only the gradients that lead to an input
            parents = tuple([p for p in parents if id(p[1]) in reach])
            if len(parents) != len(node._parents):
                if not parents:
                    continue
                keep = {i for i, _ in parents}
                needs = tuple([i in keep for i in range(len(needs))])
        if create_graph:
            parts = node._op.vjp(g, node, needs, *node._args)
        else:
            parts = node._op.vjp(g, node.data, needs, *node._vals)
        for i, x in parents:
            gx = parts[i]
            prev = x._pending
            if prev is None:
                if x._op is None:
                    leaves.append(x)
                elif floor is not None and x._seq < floor:
                    continue  # made before the inputs, so it cannot lead to them
                elif x._args is None:
                    raise RuntimeError(_FREED)
                else:
                    heappush(heap, (-x._seq, x))
                x._pending = gx
            else:
                x._pending = prev + gx
        if not retain_graph:
            node._args = node._vals = node._parents = None


def _visits(x, reach, wanted, floor):
    """Whether a backward for the inputs with ids ``wanted`` goes through tensor ``x``."""
    if reach is not None:
        return id(x) in reach
    return id(x) in wanted if x._op is None else x._seq >= floor


# the creation number at the last in-place change of any tensor (see _check_versions)
_last_change = [-1]


def owned_alone(g):
    """Whether array ``g``, held by one local variable of the caller, is referred to by nothing
    else (not another gradient, not a saved value, no view of it), or is a full view (a
    reshape) of an array that nothing else refers to.

    Such an array can be handed on (to ``.grad``, to the caller) without a copy: nobody else can
    see it change. Reference counts tell, as PyTorch's use counts do; call it as a statement of
    its own (``owned = owned_alone(g)``), so that no temporary reference is counted.
    """
    if type(g) is not np.ndarray or not g.flags.writeable or getrefcount(g) > _SOLE_OWNER:
        return False
    base = g.base
    return base is None or (
        type(base) is np.ndarray
        and base.base is None
        and base.size == g.size
        and getrefcount(base) <= _SOLE_BASE
    )


def _reference_counts(g):
    base = g.base
    return getrefcount(g), getrefcount(base)


def _calibrate():
    g = np.empty(2).reshape(1, 2)
    return _reference_counts(g)


# the counts owned_alone sees when nothing else refers to the array (measured: they depend on
# the interpreter)
_SOLE_OWNER, _SOLE_BASE = _calibrate()


def _accumulate_leaf(leaf, g, create_graph, owned=False):
    """Add gradient ``g`` into ``leaf.grad``, as PyTorch does.

    Without create_graph, a first gradient becomes ``.grad`` as it is when the engine owns the
    array alone and it has the leaf's dtype and memory layout (else a copy), and a gradient for
    a leaf that has one already is added into it in place (``zero_grad(set_to_none=False)``
    keeps reusing the same buffer). With create_graph the sum is a new recorded Tensor.
    """
    if g.shape != leaf.data.shape:  # a wrong rule must fail loudly, never broadcast silently
        raise RuntimeError(
            f"internal error: gradient of shape {g.shape} for a leaf of shape {leaf.shape}"
        )
    grad = leaf._grad
    if create_graph:
        if g.dtype != leaf.data.dtype:
            g = g.astype(leaf.data.dtype)
        leaf._grad = g if grad is None else grad + g
    elif grad is None:
        if not (owned and g.dtype == leaf.data.dtype and g.strides == leaf.data.strides):
            g = _fresh_copy(g, leaf)
        leaf._grad = wrap(g)
    elif not grad.requires_grad and type(grad.data) is np.ndarray and grad.data.flags.writeable:
        np.add(grad.data, g, out=grad.data, casting="same_kind")
        grad._bump_version()
    else:
        leaf._grad = wrap(grad.data + g)


def _fresh_copy(g, like):
    """``g`` copied into a new array of ``like``'s dtype and memory layout.

    A copy: the same array may be the gradient of several tensors, and optimizers and clipping
    update .grad in place. It takes the parameter's memory layout: a transposed gradient (that
    of W in x @ W.T) would otherwise stay transposed, and elementwise updates that mix layouts
    run several times slower.
    """
    out = np.empty_like(like.data)
    out[...] = g
    return out


# functional and numpy_dispatch build on the names above; imported last so that the modules can
# refer to each other
from . import functional as _functional  # noqa: E402
from . import numpy_dispatch as _numpy_dispatch  # noqa: E402
