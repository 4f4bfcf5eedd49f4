"""The primitive table: every differentiable operation, its forward and its gradient rule together.

A primitive is a small class with two static methods:

``forward(*inputs)``
    computes the result from plain NumPy values (arrays, NumPy scalars, Python numbers, and
    non-differentiable parameters such as ``axis``).

``vjp(g, out, needs, *inputs)``
    the vector-Jacobian product: given ``g = dL/d(out)`` it returns one entry per input,
    ``dL/d(input)``, or ``None`` where ``needs[i]`` is false (nobody wants that gradient, so it
    is never computed).

The rules are written with operators and NumPy functions only, so the same code runs on plain
arrays (a fast backward pass, no graph) and on Tensors (``backward(create_graph=True)``: NumPy
dispatch turns ``np.cos(a)`` into a Tensor op and the gradient itself gets a graph, which is how
higher derivatives come for free). Structural operations NumPy has no dispatchable name for go
through :func:`call`.

Every other operation of the library (``mean``, ``softmax``, ``stack``, ...) is derived from
these, so it needs no rule of its own. ``PRIMITIVES`` lists them all; the test suite checks each
one's rule against central differences, so a new primitive is checked by default.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PRIMITIVES", "Primitive", "call", "unbroadcast", "shape_of"]


def shape_of(x):
    """The shape of an array, Tensor, NumPy scalar or Python number (``()`` for numbers)."""
    return getattr(x, "shape", ())


def unbroadcast(g, like):
    """Sum ``g`` down to the shape of ``like``: the adjoint of NumPy broadcasting.

    Broadcasting copies a value along new leading axes and along axes of length 1, so the
    gradient of the copy is the sum over those axes. ``like`` is an input that needs a gradient,
    so it is an array, a NumPy scalar or a Tensor: it has a shape.
    """
    shape = like.shape
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and gshape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def call(op, *inputs):
    """Apply primitive ``op``: directly on NumPy values, or as a graph node if an input is a Tensor.

    Tensors announce themselves with an ``_apply_primitive`` attribute (the same idea as NumPy's
    ``__array_function__`` protocol), which keeps this module free of any Tensor import.
    """
    for x in inputs:
        apply = getattr(x, "_apply_primitive", None)
        if apply is not None:
            return apply(op, *inputs)
    return op.forward(*inputs)


def _keep_shape(shape, axis):
    """The shape of a reduction over ``axis`` (normalized tuple or None) with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


def _swap_last(x):
    return x.swapaxes(-1, -2)


class Primitive:
    """Base class: ``name`` (used in error messages) and the two static methods above."""

    name = "primitive"

    @staticmethod
    def forward(*inputs):  # pragma: no cover - every primitive overrides it
        raise NotImplementedError

    @staticmethod
    def vjp(g, out, needs, *inputs):  # pragma: no cover - every primitive overrides it
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# elementwise binary: the result broadcasts, so each gradient is summed back (unbroadcast)


class Add(Primitive):
    name = "add"

    @staticmethod
    def forward(a, b):
        return a + b

    @staticmethod
    def vjp(g, out, needs, a, b):
        return (unbroadcast(g, a) if needs[0] else None, unbroadcast(g, b) if needs[1] else None)


class Subtract(Primitive):
    name = "subtract"

    @staticmethod
    def forward(a, b):
        return a - b

    @staticmethod
    def vjp(g, out, needs, a, b):
        return (unbroadcast(g, a) if needs[0] else None, unbroadcast(-g, b) if needs[1] else None)


class Multiply(Primitive):
    name = "multiply"

    @staticmethod
    def forward(a, b):
        return a * b

    @staticmethod
    def vjp(g, out, needs, a, b):
        return (
            unbroadcast(g * b, a) if needs[0] else None,
            unbroadcast(g * a, b) if needs[1] else None,
        )


class Divide(Primitive):
    """out = a / b;  d/da = 1/b,  d/db = -a/b² = -out/b."""

    name = "divide"

    @staticmethod
    def forward(a, b):
        return a / b

    @staticmethod
    def vjp(g, out, needs, a, b):
        return (
            unbroadcast(g / b, a) if needs[0] else None,
            unbroadcast(-g * out / b, b) if needs[1] else None,
        )


class Power(Primitive):
    """out = a ** b;  d/da = b a^(b-1) (0 where b = 0, even at a = 0),  d/db = out log a (taken
    as 0 where a = 0); both as PyTorch does."""

    name = "power"

    @staticmethod
    def forward(a, b):
        return a**b

    @staticmethod
    def vjp(g, out, needs, a, b):
        ga = gb = None
        if needs[0]:
            if (b != 0) if type(b) in (int, float) else np.all(b != 0):
                ga = unbroadcast(g * b * a ** (b - 1), a)
            else:  # d/da a^0 = 0, also at a = 0 where b a^(b-1) would be 0 * inf (PyTorch: 0)
                zero = b == 0
                ga = unbroadcast(g * np.where(zero, 0.0, b * a ** np.where(zero, 1.0, b - 1)), a)
        if needs[1]:
            zero = a == 0
            gb = unbroadcast(g * np.where(zero, 0.0, out * np.log(np.where(zero, 1.0, a))), b)
        return ga, gb


class Maximum(Primitive):
    """Elementwise maximum; where a == b the gradient is shared equally (as in PyTorch)."""

    name = "maximum"

    @staticmethod
    def forward(a, b):
        return np.maximum(a, b)

    @staticmethod
    def vjp(g, out, needs, a, b):
        return _select_vjp(g, needs, a, b, a > b, b > a)


class Minimum(Primitive):
    """Elementwise minimum; where a == b the gradient is shared equally (as in PyTorch)."""

    name = "minimum"

    @staticmethod
    def forward(a, b):
        return np.minimum(a, b)

    @staticmethod
    def vjp(g, out, needs, a, b):
        return _select_vjp(g, needs, a, b, a < b, b < a)


def _select_vjp(g, needs, a, b, a_wins, b_wins):
    tie = a == b
    half = g * 0.5
    ga = unbroadcast(np.where(tie, half, g * a_wins), a) if needs[0] else None
    gb = unbroadcast(np.where(tie, half, g * b_wins), b) if needs[1] else None
    return ga, gb


class Matmul(Primitive):
    """NumPy's matmul, 1-D and batched operands included.

    For 2-D operands: d/da = g bᵀ, d/db = aᵀ g. A 1-D operand is promoted to a matrix (a row on
    the left, a column on the right) and the gradient is reshaped back; batch axes are unbroadcast.
    """

    name = "matmul"

    @staticmethod
    def forward(a, b):
        return np.matmul(a, b)

    @staticmethod
    def vjp(g, out, needs, a, b):
        a_nd, b_nd = len(shape_of(a)), len(shape_of(b))
        if a_nd == 1 and b_nd == 1:
            return (g * b if needs[0] else None, g * a if needs[1] else None)
        a2 = a.reshape(1, -1) if a_nd == 1 else a
        b2 = b.reshape(-1, 1) if b_nd == 1 else b
        g2 = g
        if a_nd == 1:
            g2 = g2.reshape(g2.shape[:-1] + (1,) + g2.shape[-1:])
        if b_nd == 1:
            g2 = g2.reshape(g2.shape + (1,))
        ga = gb = None
        if needs[0]:
            ga = unbroadcast(g2 @ _swap_last(b2), a2).reshape(a.shape)
        if needs[1]:
            gb = unbroadcast(_swap_last(a2) @ g2, b2).reshape(b.shape)
        return ga, gb


class Linear(Primitive):
    """x Wᵀ + b with W of shape (out, in) and b optional (None), as ``torch.nn.functional.linear``.

    d/dx = g W,  d/dW = gᵀ x,  d/db = Σ g over the leading axes. One node instead of three
    (transpose, matmul, add), and dW comes out in W's own layout.
    """

    name = "linear"

    @staticmethod
    def forward(x, w, b):
        y = np.matmul(x, w.T)
        if b is not None:
            y += b  # y is a new array: adding in place saves a temporary
        return y

    @staticmethod
    def vjp(g, out, needs, x, w, b):
        out_features, in_features = shape_of(w)
        g2 = g.reshape(-1, out_features)
        return (
            g @ w if needs[0] else None,
            g2.T @ x.reshape(-1, in_features) if needs[1] else None,
            g2.sum(axis=0) if needs[2] else None,
        )


class Where(Primitive):
    """np.where(cond, a, b): the gradient goes to a where cond holds, to b elsewhere."""

    name = "where"

    @staticmethod
    def forward(cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def vjp(g, out, needs, cond, a, b):
        return (
            None,
            unbroadcast(np.where(cond, g, 0), a) if needs[1] else None,
            unbroadcast(np.where(cond, 0, g), b) if needs[2] else None,
        )


# ---------------------------------------------------------------------------------------------
# elementwise unary


class Negative(Primitive):
    name = "negative"

    @staticmethod
    def forward(a):
        return -a

    @staticmethod
    def vjp(g, out, needs, a):
        return (-g,)


class Exp(Primitive):
    """d/da exp(a) = exp(a), which is the output itself."""

    name = "exp"

    @staticmethod
    def forward(a):
        return np.exp(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * out,)


class Log(Primitive):
    name = "log"

    @staticmethod
    def forward(a):
        return np.log(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g / a,)


class Log1p(Primitive):
    """log(1 + a), accurate for small a."""

    name = "log1p"

    @staticmethod
    def forward(a):
        return np.log1p(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g / (1 + a),)


class Expm1(Primitive):
    """exp(a) - 1, accurate for small a; its derivative is exp(a) = out + 1."""

    name = "expm1"

    @staticmethod
    def forward(a):
        return np.expm1(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * (out + 1),)


class Sqrt(Primitive):
    """d/da √a = 1 / (2√a)."""

    name = "sqrt"

    @staticmethod
    def forward(a):
        return np.sqrt(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * 0.5 / out,)


class Sin(Primitive):
    name = "sin"

    @staticmethod
    def forward(a):
        return np.sin(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * np.cos(a),)


class Cos(Primitive):
    name = "cos"

    @staticmethod
    def forward(a):
        return np.cos(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (-g * np.sin(a),)


class Tan(Primitive):
    """d/da tan(a) = 1 + tan²(a)."""

    name = "tan"

    @staticmethod
    def forward(a):
        return np.tan(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * (1 + out * out),)


class Tanh(Primitive):
    """d/da tanh(a) = 1 - tanh²(a)."""

    name = "tanh"

    @staticmethod
    def forward(a):
        return np.tanh(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * (1 - out * out),)


class Sigmoid(Primitive):
    """σ(a) = 1 / (1 + e^{-a}), computed without overflow; σ' = σ (1 - σ)."""

    name = "sigmoid"

    @staticmethod
    def forward(a):
        e = np.exp(-np.abs(a))  # in (0, 1]: never overflows
        return np.where(a >= 0, 1 / (1 + e), e / (1 + e))

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * out * (1 - out),)


class Softplus(Primitive):
    """log(1 + eˣ), computed without overflow; its derivative is σ(x), smooth everywhere."""

    name = "softplus"

    @staticmethod
    def forward(a):
        return np.logaddexp(0, a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * call(Sigmoid, a),)


class Relu(Primitive):
    """max(a, 0); the gradient at 0 is taken as 0 (PyTorch's choice)."""

    name = "relu"

    @staticmethod
    def forward(a):
        return np.maximum(a, 0)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * (a > 0),)


class Abs(Primitive):
    """|a|; the gradient is sign(a), 0 at 0 (PyTorch's choice)."""

    name = "abs"

    @staticmethod
    def forward(a):
        return np.abs(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return (g * np.sign(a),)


class Clip(Primitive):
    """np.clip(a, lo, hi): the gradient passes where lo <= a <= hi (either bound may be None)."""

    name = "clip"

    @staticmethod
    def forward(a, lo, hi):
        return np.clip(a, lo, hi)

    @staticmethod
    def vjp(g, out, needs, a, lo, hi):
        if lo is not None:
            g = g * (a >= lo)
        if hi is not None:
            g = g * (a <= hi)
        return (g, None, None)


class AsType(Primitive):
    """A dtype cast; the gradient is cast back to the input's dtype."""

    name = "astype"

    @staticmethod
    def forward(a, dtype):
        return a.astype(dtype)

    @staticmethod
    def vjp(g, out, needs, a, dtype):
        return (g.astype(a.dtype), None)


# ---------------------------------------------------------------------------------------------
# reductions; ``axis`` arrives normalized (None or a tuple of non-negative ints)


class Sum(Primitive):
    """The gradient of a sum is g copied back over the summed axes."""

    name = "sum"

    @staticmethod
    def forward(a, axis, keepdims):
        return np.sum(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def vjp(g, out, needs, a, axis, keepdims):
        shape = shape_of(a)
        if not keepdims:
            g = g.reshape(_keep_shape(shape, axis))
        return (np.broadcast_to(g, shape), None, None)


def _extremum_vjp(g, out, a, axis, keepdims):
    # The gradient is shared equally between tied extrema, like NumPy-style amax in PyTorch.
    if not keepdims:
        shape = _keep_shape(shape_of(a), axis)
        g = g.reshape(shape)
        out = out.reshape(shape)
    hit = a == out
    return (g * hit / hit.sum(axis=axis, keepdims=True), None, None)


class Max(Primitive):
    name = "max"

    @staticmethod
    def forward(a, axis, keepdims):
        return np.max(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def vjp(g, out, needs, a, axis, keepdims):
        return _extremum_vjp(g, out, a, axis, keepdims)


class Min(Primitive):
    name = "min"

    @staticmethod
    def forward(a, axis, keepdims):
        return np.min(a, axis=axis, keepdims=keepdims)

    @staticmethod
    def vjp(g, out, needs, a, axis, keepdims):
        return _extremum_vjp(g, out, a, axis, keepdims)


# ---------------------------------------------------------------------------------------------
# shape and indexing


class Reshape(Primitive):
    name = "reshape"

    @staticmethod
    def forward(a, shape):
        return np.reshape(a, shape)

    @staticmethod
    def vjp(g, out, needs, a, shape):
        return (g.reshape(shape_of(a)), None)


class Transpose(Primitive):
    """Permute axes (``axes=None`` reverses them); the gradient applies the inverse permutation."""

    name = "transpose"

    @staticmethod
    def forward(a, axes):
        return np.transpose(a, axes)

    @staticmethod
    def vjp(g, out, needs, a, axes):
        inverse = None if axes is None else tuple(int(i) for i in np.argsort(axes))
        return (g.transpose(inverse), None)


class BroadcastTo(Primitive):
    name = "broadcast_to"

    @staticmethod
    def forward(a, shape):
        return np.broadcast_to(a, shape)

    @staticmethod
    def vjp(g, out, needs, a, shape):
        return (unbroadcast(g, a), None)


def _is_basic_index(index):
    """True when no position can be selected twice (ints, slices, None, Ellipsis, boolean masks)."""
    items = index if isinstance(index, tuple) else (index,)
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype != bool:
            return False
    return True


class GetItem(Primitive):
    """a[index]; the gradient scatters g back into zeros of a's shape (see ScatterAdd)."""

    name = "getitem"

    @staticmethod
    def forward(a, index):
        return a[index]

    @staticmethod
    def vjp(g, out, needs, a, index):
        return (call(ScatterAdd, g, index, shape_of(a)), None)


class ScatterAdd(Primitive):
    """zeros(shape) with g added at ``index``; a repeated integer index accumulates.

    The adjoint of GetItem; its own gradient is GetItem again, so indexing has derivatives of any
    order.
    """

    name = "scatter_add"

    @staticmethod
    def forward(g, index, shape):
        out = np.zeros(shape, dtype=g.dtype)
        if type(index) is int or _is_basic_index(index):
            out[index] = g
        else:
            np.add.at(out, index, g)
        return out

    @staticmethod
    def vjp(gg, out, needs, g, index, shape):
        return (call(GetItem, gg, index), None, None)


class Concatenate(Primitive):
    """np.concatenate along ``axis``; the gradient is g cut back into the pieces."""

    name = "concatenate"

    @staticmethod
    def forward(axis, *arrays):
        return np.concatenate(arrays, axis=axis)

    @staticmethod
    def vjp(g, out, needs, axis, *arrays):
        grads = [None]
        start = 0
        lead = (slice(None),) * axis
        for x, need in zip(arrays, needs[1:], strict=True):
            stop = start + shape_of(x)[axis]
            grads.append(g[lead + (slice(start, stop),)] if need else None)
            start = stop
        return tuple(grads)


# ---------------------------------------------------------------------------------------------
# fused losses


class CrossEntropy(Primitive):
    """Mean cross-entropy of rows of logits against integer labels, fused for speed.

    out = (1/N) Σᵢ [log Σⱼ exp(zᵢⱼ) − zᵢ,yᵢ];  d/dz = (softmax(z) − onehot(y)) / N.
    One node instead of the dozen a composition of log_softmax and indexing would record.
    """

    name = "cross_entropy"

    @staticmethod
    def forward(logits, labels):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(shifted).sum(axis=1))
        return (log_norm - shifted[np.arange(len(labels)), labels]).mean()

    @staticmethod
    def vjp(g, out, needs, logits, labels):
        shape = shape_of(logits)
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        onehot = np.zeros(shape, dtype=logits.dtype)
        onehot[np.arange(shape[0]), labels] = 1
        return ((e / e.sum(axis=1, keepdims=True) - onehot) * (g / shape[0]), None)


# ---------------------------------------------------------------------------------------------
# more elementwise functions (NumPy's ufuncs of the same names)


def _unary_primitive(name, numpy_func, rule, doc):
    """A unary primitive class: ``forward = numpy_func``, ``vjp = (rule(g, out, a),)``."""

    def forward(a):
        return numpy_func(a)

    def vjp(g, out, needs, a):
        return (rule(g, out, a),)

    return type(
        name.capitalize(),
        (Primitive,),
        {
            "name": name,
            "__doc__": doc,
            "forward": staticmethod(forward),
            "vjp": staticmethod(vjp),
            "__module__": __name__,
        },
    )


Arcsin = _unary_primitive(
    "arcsin", np.arcsin, lambda g, out, a: g / np.sqrt(1 - a * a), "d/da arcsin a = 1 / √(1 − a²)."
)
Arccos = _unary_primitive(
    "arccos",
    np.arccos,
    lambda g, out, a: -g / np.sqrt(1 - a * a),
    "d/da arccos a = −1 / √(1 − a²).",
)
Arctan = _unary_primitive(
    "arctan", np.arctan, lambda g, out, a: g / (1 + a * a), "d/da arctan a = 1 / (1 + a²)."
)
Arcsinh = _unary_primitive(
    "arcsinh",
    np.arcsinh,
    lambda g, out, a: g / np.sqrt(a * a + 1),
    "d/da arsinh a = 1 / √(a² + 1).",
)
Arccosh = _unary_primitive(
    "arccosh",
    np.arccosh,
    lambda g, out, a: g / np.sqrt(a * a - 1),
    "d/da arcosh a = 1 / √(a² − 1), a > 1.",
)
Arctanh = _unary_primitive(
    "arctanh", np.arctanh, lambda g, out, a: g / (1 - a * a), "d/da artanh a = 1 / (1 − a²)."
)
Sinh = _unary_primitive("sinh", np.sinh, lambda g, out, a: g * np.cosh(a), "d/da sinh a = cosh a.")
Cosh = _unary_primitive("cosh", np.cosh, lambda g, out, a: g * np.sinh(a), "d/da cosh a = sinh a.")
Cbrt = _unary_primitive(
    "cbrt",
    np.cbrt,
    lambda g, out, a: g / (3 * out * out),
    "d/da ∛a = 1 / (3 ∛a²) (inf at 0, like √ at 0).",
)


def _sinc_rule(g, out, a):
    # sinc'(x) = (cos πx − sinc x) / x, and 0 at x = 0 (sinc is even); safe x avoids 0/0
    zero = a == 0
    safe = np.where(zero, 1.0, a)
    return g * np.where(zero, 0.0, (np.cos(np.pi * safe) - np.sinc(safe)) / safe)


Sinc = _unary_primitive(
    "sinc", np.sinc, _sinc_rule, "sin(πa) / (πa), 1 at 0; d/da = (cos πa − sinc a) / a, 0 at a = 0."
)


class Arctan2(Primitive):
    """θ = arctan2(y, x);  ∂θ/∂y = x / (x² + y²),  ∂θ/∂x = −y / (x² + y²)."""

    name = "arctan2"

    @staticmethod
    def forward(y, x):
        return np.arctan2(y, x)

    @staticmethod
    def vjp(g, out, needs, y, x):
        r2 = x * x + y * y
        return (
            unbroadcast(g * x / r2, y) if needs[0] else None,
            unbroadcast(-g * y / r2, x) if needs[1] else None,
        )


class Hypot(Primitive):
    """r = √(a² + b²) without overflow;  ∂r/∂a = a / r, ∂r/∂b = b / r (0 at r = 0, as a norm)."""

    name = "hypot"

    @staticmethod
    def forward(a, b):
        return np.hypot(a, b)

    @staticmethod
    def vjp(g, out, needs, a, b):
        g = g / np.where(out == 0, 1.0, out)
        return (
            unbroadcast(g * a, a) if needs[0] else None,
            unbroadcast(g * b, b) if needs[1] else None,
        )


# ---------------------------------------------------------------------------------------------
# scans, norms and products


def _reversed(x, axis):
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


class Cumsum(Primitive):
    """Running sum along one axis; its adjoint is the running sum taken from the other end."""

    name = "cumsum"

    @staticmethod
    def forward(a, axis):
        return np.cumsum(a, axis=axis)

    @staticmethod
    def vjp(g, out, needs, a, axis):
        return (_reversed(call(Cumsum, _reversed(g, axis), axis), axis), None)


class VectorNorm(Primitive):
    r"""The vector p-norm $(\sum |a|^p)^{1/p}$ over ``axis`` for a finite ``ord`` = p > 0, p ≠ 1.

    $\partial/\partial a = \mathrm{sign}(a) |a|^{p-1} / \|a\|^{p-1}$ (for p = 2 simply
    $a / \|a\|$). Where the norm is 0 the gradient is taken as 0, PyTorch's choice: it is the
    subgradient of least norm, and it keeps ``std`` of a constant finite.
    """

    name = "vector_norm"

    @staticmethod
    def forward(a, ord, axis, keepdims):
        if ord == 2:
            return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
        return np.sum(np.abs(a) ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)

    @staticmethod
    def vjp(g, out, needs, a, ord, axis, keepdims):
        if not keepdims:
            shape = _keep_shape(shape_of(a), axis)
            g = g.reshape(shape)
            out = out.reshape(shape)
        safe = np.where(out == 0, 1.0, out)
        if ord == 2:
            return (g * a / safe, None, None, None)
        absa = np.abs(a)
        zero = absa == 0
        ratio = np.where(zero, 1.0, absa) / safe
        return (g * np.where(zero, 0.0, np.sign(a) * ratio ** (ord - 1)), None, None, None)


class Einsum(Primitive):
    """``np.einsum`` with explicit subscripts (no ellipsis: see numpy_dispatch, which expands it).

    The gradient for an operand is again an einsum: the output gradient contracted with the
    other operands onto that operand's indices. An index repeated within the operand (a
    diagonal, as in ``'ii->'``) gets a fresh letter tied to the first by an identity matrix, and
    an index found nowhere else (summed over within the operand alone) by a vector of ones; an
    axis the operand broadcast (length 1) is summed back.
    """

    name = "einsum"

    @staticmethod
    def forward(subscripts, *operands):
        return np.einsum(subscripts, *operands, optimize=len(operands) > 2)

    @staticmethod
    def vjp(g, out, needs, subscripts, *operands):
        inputs, output = subscripts.split("->")
        inputs = inputs.split(",")
        sizes = {}
        for sub, x in zip(inputs, operands, strict=True):
            for c, n in zip(sub, shape_of(x), strict=True):
                sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
        spare = (c for c in _LETTERS if c not in subscripts)
        grads = [None]
        for k, need in enumerate(needs[1:]):
            if not need:
                grads.append(None)
                continue
            terms = [output] + [s for j, s in enumerate(inputs) if j != k]
            args = [g] + [x for j, x in enumerate(operands) if j != k]
            available = set("".join(terms))
            target = ""
            for c in inputs[k]:
                if c in target:
                    fresh = next(spare)
                    terms.append(c + fresh)
                    args.append(np.eye(sizes[c]))
                    target += fresh
                    continue
                if c not in available:
                    terms.append(c)
                    args.append(np.ones(sizes[c]))
                target += c
            r = call(Einsum, ",".join(terms) + "->" + target, *args)
            shape = shape_of(operands[k])
            axes = tuple(i for i, (n, m) in enumerate(zip(shape, r.shape, strict=True)) if n != m)
            grads.append(r.sum(axis=axes, keepdims=True) if axes else r)
        return tuple(grads)


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


PRIMITIVES: tuple[type[Primitive], ...] = (
    Add, Subtract, Multiply, Divide, Power, Maximum, Minimum, Matmul, Linear, Where,
    Negative, Exp, Log, Log1p, Expm1, Sqrt, Sin, Cos, Tan, Tanh, Sigmoid, Softplus, Relu, Abs,
    Clip, AsType,
    Sum, Max, Min,
    Reshape, Transpose, BroadcastTo, GetItem, ScatterAdd, Concatenate,
    CrossEntropy,
    Arcsin, Arccos, Arctan, Arcsinh, Arccosh, Arctanh, Sinh, Cosh, Cbrt, Sinc, Arctan2, Hypot,
    Cumsum, VectorNorm, Einsum,
)  # fmt: skip

# linear algebra lives in its own module; it builds on Primitive and call above
from .ops_linalg import LINALG_PRIMITIVES  # noqa: E402

PRIMITIVES = PRIMITIVES + LINALG_PRIMITIVES
