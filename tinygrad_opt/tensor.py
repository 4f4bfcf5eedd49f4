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


def wrap(value, requires_grad=False):
    """A Tensor around ``value`` with no history: the fast constructor used internally."""
    t = _new(Tensor)
    t.data = value
    t._grad = None
    t.requires_grad = requires_grad
    t._op = None
    t._pending = None
    return t


def _node(value, op, args, vals, needs, parents):
    """A Tensor made by ``op``: ``args`` (Tensors and constants) and their NumPy ``vals``;
    ``needs[i]`` tells whether args[i] wants a gradient, and ``parents`` lists those
    (position, Tensor) pairs, so that backward visits only them."""
    t = _new(Tensor)
    t.data = value
    t._grad = None
    t.requires_grad = True
    t._op = op
    t._args = args
    t._vals = vals
    t._needs = needs
    t._parents = parents
    t._seq = next(_seq)
    t._pending = None
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
            return _node(out, op, args, vals, needs, parents)
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
        if not b_req:  # b is recorded as its NumPy value (a list operand becomes an array)
            return _node(out, op, (a, bv), (a.data, bv), _FIRST_ONLY[1], ((0, a),))
        if not a.requires_grad:
            return _node(out, op, (a, b), (a.data, bv), (False, True), ((1, b),))
        return _node(out, op, (a, b), (a.data, bv), (True, True), ((0, a), (1, b)))
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
        return _node(out, op, (bv, a), (bv, a.data), (False, True), ((1, a),))
    return wrap(out)


def unary(op, a, *params):
    out = op.forward(a.data, *params)
    if a.requires_grad and _mode.enabled:
        return _node(out, op, (a, *params), (a.data, *params), _FIRST_ONLY[len(params)], ((0, a),))
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
            raise ValueError(f"{who}: axis {ax} is out of range for a tensor with {ndim} dimensions")
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
    __slots__ = ("data", "_grad", "requires_grad", "_op", "_args", "_vals", "_needs", "_parents",
                 "_seq", "_pending", "__weakref__")  # fmt: skip

    def __init__(self, data, requires_grad=False):
        self.data = to_array(data, type(self).__name__)
        self._grad = None
        self._op = None
        self._pending = None
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
            g = np.ones(self.data.shape, self.data.dtype) if self.data.ndim else self.data.dtype.type(1)
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
                _run_backward(self, g, retain_graph, True)
        else:
            _run_backward(self, g, retain_graph, False)

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
        return self

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
            raise IndexError(f"index {index!r} into a tensor of shape {self.shape}: {exc}") from None

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
        """Variance, NumPy's definition (``ddof`` = delta degrees of freedom)."""
        axes = normalize_axis(axis, self.ndim, "var")
        count = self.size if axes is None else int(np.prod([self.shape[i] for i in axes]))
        centred = self - self.mean(axes, keepdims=True)
        return (centred * centred).sum(axes, keepdims) / (count - ddof)

    def std(self, axis=None, keepdims=False, ddof=0):
        """Standard deviation, √var, NumPy's definition (``ddof`` = delta degrees of freedom)."""
        return self.var(axis, keepdims, ddof).sqrt()

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

    # -- shape ----------------------------------------------------------------------------------

    def reshape(self, *shape):
        """The same values in a new shape (one entry may be -1), as ``ndarray.reshape``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return unary(ops.Reshape, self, _reshape_target(self.shape, shape))

    def flatten(self):
        """The values as a 1-D tensor."""
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


def _run_backward(root, g, retain_graph, create_graph):
    """Propagate ``g = dL/d(root)`` to the leaves.

    Nodes are visited newest first (a max-heap on creation number): every node is created after
    its inputs, so when a node is visited all of its consumers are done and its gradient, summed
    in its ``_pending`` slot, is complete. No recursion, so graphs of any depth work; each
    gradient is dropped as soon as it has been used.
    """
    if root._op is None:  # a leaf: its gradient is the seed itself
        _accumulate_leaf(root, g, create_graph)
        return
    if root._args is None:
        raise RuntimeError(_FREED)
    root._pending = g
    heap = [(-root._seq, root)]
    leaves = []
    try:
        while heap:
            node = heappop(heap)[1]
            g = node._pending
            node._pending = None
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
        for leaf in leaves:
            _accumulate_leaf(leaf, leaf._pending, create_graph)
    finally:  # after an error too, no partial gradient may linger into the next backward
        for _, node in heap:
            node._pending = None
        for leaf in leaves:
            leaf._pending = None


def _accumulate_leaf(leaf, g, create_graph):
    if g.shape != leaf.data.shape:  # a wrong rule must fail loudly, never broadcast silently
        raise RuntimeError(
            f"internal error: gradient of shape {g.shape} for a leaf of shape {leaf.shape}"
        )
    if create_graph:
        if g.dtype != leaf.data.dtype:
            g = g.astype(leaf.data.dtype)
        leaf._grad = g if leaf._grad is None else leaf._grad + g
    else:
        # A copy: the same array may be the gradient of several tensors, and optimizers and
        # clipping update .grad in place. It takes the parameter's memory layout: a transposed
        # gradient (that of W in x @ W.T) would otherwise stay transposed, and elementwise
        # updates that mix layouts run several times slower.
        out = np.empty_like(leaf.data)
        out[...] = g
        g = out
        leaf._grad = wrap(g) if leaf._grad is None else wrap(leaf._grad.data + g)


# functional and numpy_dispatch build on the names above; imported last so that the modules can
# refer to each other
from . import functional as _functional  # noqa: E402
from . import numpy_dispatch as _numpy_dispatch  # noqa: E402
