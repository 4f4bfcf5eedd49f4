"""Every NumPy dispatch entry, checked against NumPy itself: value, first and second derivative.

The cases are keyed by the dispatch tables (``numpy_dispatch.FUNCTIONS``, the ufunc tables and
``NO_GRADIENT``) and must cover them exactly, so a new entry fails here until it has a case. Each
differentiable case is checked for

- the value: the same shape, dtype and numbers as NumPy's own function on the arrays;
- the first derivative: the directional derivative of a random weighting of the outputs against
  central differences of NumPy's own function;
- the second derivative: the gradient of that directional derivative (double backward through
  ``backward(create_graph=True)``) against central differences of the first derivative.

Hypothesis draws the shapes (0-d, length-1 and empty axes where NumPy allows them, broadcasting,
batches of matrices for ``np.linalg``) and the options.
"""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tinygrad_opt as tg
from tinygrad_opt import numpy_dispatch as nd

SEEDS = st.integers(0, 2**32 - 1)
FAST = settings(max_examples=int(os.environ.get("NUMPY_TABLE_EXAMPLES", "10")))


def _shape(draw, min_dims=0, max_dims=3, min_side=0, max_side=3):
    return tuple(
        draw(st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims))
    )


def _normal(rng, shape):
    return rng.normal(size=shape)


def _away(rng, shape, low=0.3, high=2.0):
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def _positive(rng, shape):
    return rng.uniform(0.3, 2.0, shape)


def _distinct(rng, shape):
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * 0.3 + rng.uniform(0, 0.01)).reshape(shape)


def _axis_or_none(draw, ndim, allow_tuple=True):
    if ndim == 0:
        return None
    single = st.integers(-ndim, ndim - 1)
    options = [st.none(), single]
    if allow_tuple:
        options.append(st.sets(st.integers(0, ndim - 1), min_size=1).map(tuple))
    return draw(st.one_of(*options))


# A case is (fn, args, diff): fn applied to args (arrays at the positions in diff become Tensors
# that require grad), compared with fn on the arrays themselves.


def unary(fn, values=_normal, min_side=0):
    def case(draw, rng):
        return fn, [values(rng, _shape(draw, min_side=min_side))], [0]

    return case


def binary(fn, a_values=_normal, b_values=_normal):
    def case(draw, rng):
        sa, sb = draw(
            mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3)
        ).input_shapes
        return fn, [a_values(rng, sa), b_values(rng, sb)], [0, 1]

    return case


def reduction(fn, values=_normal, min_side=0, extra=None):
    """fn(a, axis=..., keepdims=...) with axis None, an int or a tuple; ``extra`` more kwargs."""

    def case(draw, rng):
        shape = _shape(draw, min_side=min_side)
        axis = _axis_or_none(draw, len(shape))
        keep = draw(st.booleans())
        kw = extra(draw, rng, shape) if extra else {}
        return (lambda a: fn(a, axis=axis, keepdims=keep, **kw)), [values(rng, shape)], [0]

    return case


def shaped(fn, shape_strategy, values=_normal, options=None):
    """fn(a, *options) on one array of a drawn shape."""

    def case(draw, rng):
        shape = shape_strategy(draw)
        opts = options(draw, shape) if options else ()
        return (lambda a: fn(a, *opts)), [values(rng, shape)], [0]

    return case


def some_shape(min_dims=0, max_dims=3, min_side=0):
    return lambda draw: _shape(draw, min_dims, max_dims, min_side)


def matrices(draw, square=True, batch=True, min_n=1):
    b = draw(st.sampled_from([(), (2,)])) if batch else ()
    n = draw(st.integers(min_n, 3))
    m = n if square else draw(st.integers(min_n, 3))
    return b + (n, m)


def well_conditioned(rng, shape):
    return rng.normal(size=shape) * 0.3 + 2 * np.eye(shape[-1])


def spd(rng, shape):
    b = rng.normal(size=shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def orthogonal(rng, batch, n):
    return np.linalg.qr(rng.normal(size=batch + (n, n)))[0]


def symmetric_distinct(rng, shape):
    n = shape[-1]
    q = orthogonal(rng, shape[:-2], n)
    w = rng.permutation(n) * 0.7 + rng.uniform(-0.2, 0.2, shape[:-1])
    return q @ (w[..., :, None] * np.swapaxes(q, -1, -2))


def distinct_singular(rng, shape):
    m, n = shape[-2:]
    k = min(m, n)
    s = np.sort(rng.permutation(k) * 0.6 + 0.8)[::-1]
    u = orthogonal(rng, shape[:-2], m)[..., :k]
    v = orthogonal(rng, shape[:-2], n)[..., :k]
    return u @ (s[:, None] * np.swapaxes(v, -1, -2))


def linalg(fn, values, square=True, batch=True):
    def case(draw, rng):
        return fn, [values(rng, matrices(draw, square, batch))], [0]

    return case


def _var_case(fn):
    def case(draw, rng):
        shape = _shape(draw, min_side=1)
        axis = _axis_or_none(draw, len(shape))
        n = (
            int(np.prod(shape))
            if axis is None
            else int(np.prod([shape[a] for a in ((axis,) if isinstance(axis, int) else axis)]))
        )
        ddof = draw(st.integers(0, max(0, n - 1)))
        style = draw(st.sampled_from(["positional", "keyword", "correction"]))
        keep = draw(st.booleans())

        def call(a):
            if style == "positional":  # NumPy's order: a, axis, dtype, out, ddof, keepdims
                return fn(a, axis, None, None, ddof, keep)
            if style == "keyword":
                return fn(a, axis=axis, ddof=ddof, keepdims=keep)
            return fn(a, axis=axis, correction=ddof, keepdims=keep)

        return call, [_normal(rng, shape)], [0]

    return case


def _sum_where(draw, rng, shape):
    return draw(st.sampled_from([{}, {"where": rng.random(shape) > 0.3}, {"initial": 0.5}]))


def _extremum_where(draw, rng, shape):
    return draw(
        st.sampled_from(
            [{}, {"initial": 0.05}, {"where": rng.random(shape) > 0.3, "initial": -9.0}]
        )
    )


def _scan(fn, values=_normal):
    def case(draw, rng):
        shape = _shape(draw, min_dims=1)
        axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
        return (lambda a: fn(a, axis=axis)), [values(rng, shape)], [0]

    return case


def _diff_case(draw, rng):
    shape = _shape(draw, min_dims=1)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = draw(st.integers(0, 2))
    pre = draw(st.sampled_from([None, 1.5, "array"]))
    args = [_normal(rng, shape)]
    if pre == "array":
        s = list(shape)
        s[axis] = 1
        args.append(_normal(rng, tuple(s)))
        return (lambda a, p: np.diff(a, n, axis, prepend=p)), args, [0, 1]
    if pre is None:
        return (lambda a: np.diff(a, n, axis)), args, [0]
    return (lambda a: np.diff(a, n, axis, prepend=pre)), args, [0]


def _average_case(draw, rng):
    shape = _shape(draw, min_dims=1, min_side=1)
    axis = draw(st.integers(0, len(shape) - 1))
    kind = draw(st.sampled_from(["none", "full", "1d", "returned"]))
    x = _normal(rng, shape)
    if kind == "none":
        return (lambda a: np.average(a, axis=axis)), [x], [0]
    w = _positive(rng, shape if kind != "1d" else (shape[axis],))
    if kind == "returned":
        return (lambda a, w: np.average(a, axis, w, True)), [x, w], [0, 1]
    return (lambda a, w: np.average(a, axis=axis, weights=w)), [x, w], [0, 1]


def _prod_case(draw, rng):
    shape = _shape(draw)
    axis = _axis_or_none(draw, len(shape))
    x = _normal(rng, shape)
    if x.size and draw(st.booleans()):  # exact zeros: one or two of them
        flat = x.reshape(-1)
        flat[rng.integers(0, x.size, size=draw(st.integers(1, 2)))] = 0.0
    keep = draw(st.booleans())
    return (lambda a: np.prod(a, axis=axis, keepdims=keep)), [x], [0]


def _cumprod_case(draw, rng):
    shape = _shape(draw, min_dims=1)
    axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    x = _normal(rng, shape)
    if x.size and draw(st.booleans()):
        x.reshape(-1)[rng.integers(0, x.size)] = 0.0
    return (lambda a: np.cumprod(a, axis=axis)), [x], [0]


def _median_case(draw, rng):
    shape = _shape(draw, min_side=1)
    axis = _axis_or_none(draw, len(shape))
    keep = draw(st.booleans())
    return (lambda a: np.median(a, axis=axis, keepdims=keep)), [_distinct(rng, shape)], [0]


def _nan_case(fn):
    def case(draw, rng):
        shape = _shape(draw, min_dims=1, min_side=1)
        x = _normal(rng, shape)
        x.reshape(-1)[0] = np.nan  # the NaN position has no gradient; the others get NumPy's
        axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
        return (lambda a: fn(a, axis=axis)), [x], [0]

    return case


def _reshape_case(draw, rng):
    shape = _shape(draw)
    size = int(np.prod(shape))
    new = draw(st.sampled_from([(size,), (-1,), (1, size), (size, 1, 1)]))
    order = draw(st.sampled_from(["C", "F", "A"]))
    return (lambda a: np.reshape(a, new, order=order)), [_normal(rng, shape)], [0]


def _ravel_case(draw, rng):
    order = draw(st.sampled_from(["C", "F", "A", "K"]))
    return (lambda a: np.ravel(a, order)), [_normal(rng, _shape(draw))], [0]


def _permute_case(draw, rng):
    shape = _shape(draw)
    axes = draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return (lambda a: np.transpose(a, axes)), [_normal(rng, shape)], [0]


def _two_axes(fn):
    def case(draw, rng):
        shape = _shape(draw, min_dims=1)
        i = draw(st.integers(-len(shape), len(shape) - 1))
        j = draw(st.integers(-len(shape), len(shape) - 1))
        return (lambda a: fn(a, i, j)), [_normal(rng, shape)], [0]

    return case


def _squeeze_case(draw, rng):
    shape = _shape(draw, min_side=1, max_side=2)
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = draw(st.one_of(st.none(), st.sampled_from(ones) if ones else st.none()))
    return (lambda a: np.squeeze(a, axis)), [_normal(rng, shape)], [0]


def _broadcast_to_case(draw, rng):
    shapes = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3))
    target = shapes.result_shape
    return (lambda a: np.broadcast_to(a, target)), [_normal(rng, shapes.input_shapes[0])], [0]


def _join_case(fn, new_axis):
    def case(draw, rng):
        shape = _shape(draw, min_dims=0 if new_axis else 1)
        k = draw(st.integers(1, 3))
        axis = (
            draw(st.integers(-len(shape) - new_axis, len(shape) - 1 + new_axis))
            if shape or new_axis
            else 0
        )
        shapes = []
        for _ in range(k):
            s = list(shape)
            if not new_axis:
                s[axis] = draw(st.integers(0, 2))
            shapes.append(tuple(s))
        args = [_normal(rng, s) for s in shapes]
        return (lambda *xs: fn(list(xs), axis=axis)), args, list(range(k))

    return case


def _clip_case(draw, rng):
    shape = _shape(draw)
    x = _away(rng, shape, 0.2, 2.0)
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.1, x * 0.5, x)
    style = draw(st.sampled_from(["positional", "numpy2", "one", "tensor bounds"]))
    if style == "tensor bounds":  # bounds that need a gradient too
        lo = np.full(shape[-1:], -1.0) + rng.uniform(-0.05, 0.05, shape[-1:])
        return (lambda a, lo: np.clip(a, lo, 1.0)), [x, lo], [0, 1]
    if style == "positional":
        return (lambda a: np.clip(a, -1.0, 1.0)), [x], [0]
    if style == "numpy2":
        return (lambda a: np.clip(a, min=-1.0, max=1.0)), [x], [0]
    return (lambda a: np.clip(a, None, 1.0)), [x], [0]


def _expand_dims_case(draw, rng):
    shape = _shape(draw)
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return (lambda a: np.expand_dims(a, axis)), [_normal(rng, shape)], [0]


def _broadcast_arrays_case(draw, rng):
    sa, sb = draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    return (lambda a, b: np.broadcast_arrays(a, b)), [_normal(rng, sa), _normal(rng, sb)], [0, 1]


def _where_case(draw, rng):
    shapes = draw(
        mutually_broadcastable_shapes(num_shapes=3, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    cond = rng.random(shapes[0]) > 0.5
    return (
        (lambda a, b: np.where(cond, a, b)),
        [_normal(rng, shapes[1]), _normal(rng, shapes[2])],
        [0, 1],
    )


def _atleast_case(fn):
    def case(draw, rng):
        k = draw(st.integers(1, 2))
        shapes = [_shape(draw, max_dims=3) for _ in range(k)]
        return (lambda *xs: fn(*xs)), [_normal(rng, s) for s in shapes], list(range(k))

    return case


def _stack_family(fn, kind):
    def case(draw, rng):
        k = draw(st.integers(1, 3))
        nd = draw(st.integers(0, 3))
        base = list(_shape(draw, min_dims=nd, max_dims=nd, min_side=1))
        shapes = []
        for _ in range(k):
            s = list(base)
            if kind == "v" and len(s) >= 2:
                s[0] = draw(st.integers(1, 3))
            if kind == "h" and len(s) >= 2:
                s[1] = draw(st.integers(1, 3))
            if kind == "h" and len(s) == 1:
                s[0] = draw(st.integers(1, 3))
            if kind == "d" and len(s) >= 3:
                s[2] = draw(st.integers(1, 3))
            shapes.append(tuple(s))
        if kind == "column":
            shapes = [
                tuple(base[:1]) if len(base) == 1 else tuple(base[:2]) if len(base) >= 2 else (2,)
            ] * k
        return (lambda *xs: fn(list(xs))), [_normal(rng, s) for s in shapes], list(range(k))

    return case


def _split_case(fn, axis_of):
    def case(draw, rng):
        shape = list(_shape(draw, min_dims=3, max_dims=3, min_side=1))
        axis = axis_of(draw, len(shape))
        sections = draw(st.integers(1, 3))
        if fn is not np.array_split and draw(st.booleans()):
            shape[axis] = sections * draw(st.integers(1, 2))
            how = sections
        else:
            how = (
                sections
                if fn is np.array_split
                else sorted(draw(st.lists(st.integers(0, shape[axis]), max_size=2)))
            )
        if fn in (np.vsplit, np.hsplit, np.dsplit):
            if isinstance(how, int) and shape[axis] % how:
                how = [1]
            return (lambda a: fn(a, how)), [_normal(rng, tuple(shape))], [0]
        return (lambda a: fn(a, how, axis)), [_normal(rng, tuple(shape))], [0]

    return case


def _repeat_case(draw, rng):
    shape = _shape(draw)
    axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1))) if shape else None
    n = int(np.prod(shape)) if axis is None else shape[axis]
    repeats = draw(
        st.one_of(st.integers(0, 3), st.lists(st.integers(0, 3), min_size=n, max_size=n))
    )
    return (lambda a: np.repeat(a, repeats, axis)), [_normal(rng, shape)], [0]


def _tile_case(draw, rng):
    shape = _shape(draw)
    reps = draw(st.one_of(st.integers(0, 3), st.lists(st.integers(1, 3), max_size=4).map(tuple)))
    return (lambda a: np.tile(a, reps)), [_normal(rng, shape)], [0]


def _roll_case(draw, rng):
    shape = _shape(draw, min_dims=1)
    if draw(st.booleans()):
        shift, axis = draw(st.integers(-4, 4)), None
    else:
        k = draw(st.integers(1, len(shape)))
        axis = tuple(draw(st.lists(st.integers(0, len(shape) - 1), min_size=k, max_size=k)))
        shift = tuple(draw(st.lists(st.integers(-4, 4), min_size=k, max_size=k)))
    return (lambda a: np.roll(a, shift, axis)), [_normal(rng, shape)], [0]


def _flip_case(draw, rng):
    shape = _shape(draw)
    axis = _axis_or_none(draw, len(shape))
    return (lambda a: np.flip(a, axis)), [_normal(rng, shape)], [0]


def _rot90_case(draw, rng):
    shape = _shape(draw, min_dims=2)
    k = draw(st.integers(-2, 5))
    axes = tuple(draw(st.permutations(range(len(shape))))[:2])
    return (lambda a: np.rot90(a, k, axes)), [_normal(rng, shape)], [0]


def _pad_case(draw, rng):
    shape = _shape(draw, min_dims=1, min_side=1)
    mode = draw(st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap"]))
    width = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 3))))
    if mode == "constant":
        value = draw(st.sampled_from([0.0, 1.5]))
        return (lambda a: np.pad(a, width, constant_values=value)), [_normal(rng, shape)], [0]
    return (lambda a: np.pad(a, width, mode)), [_normal(rng, shape)], [0]


def _append_case(draw, rng):
    shape = _shape(draw, min_dims=1)
    axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    other = list(shape)
    if axis is not None:
        other[axis] = draw(st.integers(0, 2))
    else:
        other = _shape(draw)
    return (
        (lambda a, b: np.append(a, b, axis)),
        [_normal(rng, shape), _normal(rng, tuple(other))],
        [0, 1],
    )


def _take_case(draw, rng):
    shape = _shape(draw, min_dims=1, min_side=1)
    axis = draw(st.one_of(st.none(), st.integers(0, len(shape) - 1)))
    n = int(np.prod(shape)) if axis is None else shape[axis]
    idx = rng.integers(-n, n, size=_shape(draw, max_dims=2))
    return (lambda a: np.take(a, idx, axis)), [_normal(rng, shape)], [0]


def _take_along_case(draw, rng):
    shape = _shape(draw, min_dims=1, min_side=1)
    axis = draw(st.integers(0, len(shape) - 1))
    ishape = list(shape)
    ishape[axis] = draw(st.integers(0, 4))
    idx = rng.integers(0, shape[axis], size=ishape)
    return (lambda a: np.take_along_axis(a, idx, axis)), [_normal(rng, shape)], [0]


def _sort_case(draw, rng):
    shape = _shape(draw)
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape else None
    return (lambda a: np.sort(a, axis)), [_distinct(rng, shape)], [0]


def _select_case(draw, rng):
    shape = _shape(draw)
    conds = [rng.random(shape) > 0.5, rng.random(shape) > 0.5]
    return (
        (lambda a, b: np.select(conds, [a, b], 0.5)),
        [_normal(rng, shape), _normal(rng, shape)],
        [0, 1],
    )


def _diagonal_case(fn):
    def case(draw, rng):
        shape = _shape(draw, min_dims=2)
        a1, a2 = tuple(draw(st.permutations(range(len(shape))))[:2])
        offset = draw(st.integers(-2, 2))
        return (lambda a: fn(a, offset, a1, a2)), [_normal(rng, shape)], [0]

    return case


def _diag_case(draw, rng):
    shape = _shape(draw, min_dims=1, max_dims=2)
    k = draw(st.integers(-2, 2))
    return (lambda a: np.diag(a, k)), [_normal(rng, shape)], [0]


def _triangle_case(fn):
    def case(draw, rng):
        shape = _shape(draw, min_dims=2)
        k = draw(st.integers(-2, 2))
        return (lambda a: fn(a, k)), [_normal(rng, shape)], [0]

    return case


def _round_case(fn):
    def case(draw, rng):
        decimals = draw(st.integers(0, 2))
        return (lambda a: fn(a, decimals)), [_normal(rng, _shape(draw))], [0]

    return case


def _nan_to_num_case(draw, rng):
    x = _normal(rng, _shape(draw, min_dims=1, min_side=1))
    x.reshape(-1)[0] = draw(st.sampled_from([np.nan, np.inf, -np.inf, 0.5]))
    return (lambda a: np.nan_to_num(a, nan=1.5, posinf=9.0, neginf=-9.0)), [x], [0]


def _rollaxis_case(draw, rng):
    shape = _shape(draw, min_dims=1)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    start = draw(st.integers(-len(shape), len(shape)))
    return (lambda a: np.rollaxis(a, axis, start)), [_normal(rng, shape)], [0]


def _partition_case(draw, rng):
    shape = _shape(draw, min_dims=1, min_side=1)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    kth = draw(st.integers(0, shape[axis] - 1))
    return (lambda a: np.partition(a, kth, axis)), [_distinct(rng, shape)], [0]


def _gradient_case(draw, rng):
    edge = draw(st.integers(1, 2))
    shape = _shape(draw, min_dims=1, min_side=edge + 1, max_side=4)
    axis = _axis_or_none(draw, len(shape))
    h = draw(st.sampled_from([(), (0.5,)]))
    return (lambda a: np.gradient(a, *h, axis=axis, edge_order=edge)), [_normal(rng, shape)], [0]


def _linspace_case(draw, rng):
    num = draw(st.integers(0, 5))
    endpoint = draw(st.booleans())
    shape = _shape(draw, max_dims=1, min_side=1)
    return (
        (lambda a, b: np.linspace(a, b, num, endpoint)),
        [_normal(rng, shape), _normal(rng, shape)],
        [0, 1],
    )


def _einsum_case(draw, rng):
    spec, shapes = draw(st.sampled_from([
        ("ij,jk->ik", [(2, 3), (3, 2)]), ("ij,jk", [(2, 3), (3, 2)]), ("ii", [(3, 3)]),
        ("ii->i", [(2, 2)]), ("i,i", [(3,), (3,)]), ("...ij,...jk->...ik", [(2, 2, 3), (3, 1)]),
        ("...i,...i->...", [(2, 3), (1, 3)]), ("ba", [(2, 3)]), ("ij,ij,ij->i", [(2, 3)] * 3),
        ("iij,k->jk", [(2, 2, 3), (2,)]), ("i,j", [(2,), (3,)]), ("", [()]), (",->", [(), ()]),
        ("ij->", [(0, 2)]), ("interleaved", [(2, 3), (3,)]),
    ]))  # fmt: skip
    args = [_normal(rng, s) for s in shapes]
    if spec == "interleaved":
        return (lambda a, b: np.einsum(a, [0, 1], b, [1], [0])), args, [0, 1]
    return (lambda *xs: np.einsum(spec, *xs)), args, list(range(len(shapes)))


def _tensordot_case(draw, rng):
    kind = draw(st.sampled_from([0, 1, 2, "pairs"]))
    if kind == "pairs":
        return (
            (lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0]))),
            [_normal(rng, (2, 3, 2)), _normal(rng, (2, 2, 1))],
            [0, 1],
        )
    a = _normal(rng, (2, 3, 2)[:3])
    b = _normal(rng, ((3, 2, 2) if kind == 2 else (2, 2) if kind == 1 else (2,)))
    if kind == 2:
        b = _normal(rng, (3, 2, 2))
    return (lambda x, y: np.tensordot(x, y, kind)), [a, b], [0, 1]


def _products(fn):
    def case(draw, rng):
        na, nb = draw(st.integers(0, 3)), draw(st.integers(0, 3))
        k = draw(st.integers(1, 3))
        if fn is np.inner:
            sa = _shape(draw, na, na, 1)[:-1] + (k,) if na else ()
            sb = _shape(draw, nb, nb, 1)[:-1] + (k,) if nb else ()
        elif fn is np.dot:
            sa = _shape(draw, na, na, 1)[:-1] + (k,) if na else ()
            sb = (
                _shape(draw, nb - 2, nb - 2, 1) + (k, draw(st.integers(1, 3)))
                if nb >= 2
                else (k,)
                if nb == 1
                else ()
            )
        elif fn is np.vdot:
            sa = sb = _shape(draw, 1, 3, 1)
        else:  # outer, kron
            sa, sb = _shape(draw, max_dims=2, min_side=1), _shape(draw, max_dims=2, min_side=1)
        return fn, [_normal(rng, sa), _normal(rng, sb)], [0, 1]

    return case


def _cross_case(draw, rng):
    batch = _shape(draw, max_dims=1, min_side=1)
    if draw(st.booleans()):
        return np.cross, [_normal(rng, batch + (3,)), _normal(rng, (3,))], [0, 1]
    return (
        (lambda a, b: np.cross(a, b, axisa=0, axisb=0, axisc=0)),
        [_normal(rng, (3,) + batch), _normal(rng, (3,) + batch)],
        [0, 1],
    )


def _solve_case(draw, rng):
    shape = matrices(draw)
    n = shape[-1]
    b_shape = draw(st.sampled_from([(n,), (n, 2), shape[:-2] + (n, 1)]))
    return np.linalg.solve, [well_conditioned(rng, shape), _normal(rng, b_shape)], [0, 1]


def _svd_case(draw, rng):
    shape = matrices(draw, square=False)
    if shape[-1] != shape[-2] and draw(st.booleans()):
        return (
            (lambda a: np.linalg.svd(a, full_matrices=False)),
            [distinct_singular(rng, shape)],
            [0],
        )
    if draw(st.booleans()):
        return (lambda a: np.linalg.svd(a, compute_uv=False)), [distinct_singular(rng, shape)], [0]
    shape = shape[:-1] + (shape[-2],)
    return np.linalg.svd, [distinct_singular(rng, shape)], [0]


def _qr_case(draw, rng):
    shape = matrices(draw, square=False)
    mode = draw(
        st.sampled_from(["reduced", "r"] + (["complete"] if shape[-2] <= shape[-1] else []))
    )
    return (lambda a: np.linalg.qr(a, mode)), [distinct_singular(rng, shape)], [0]


def _matrix_power_case(draw, rng):
    n = draw(st.integers(-2, 3))
    return (lambda a: np.linalg.matrix_power(a, n)), [well_conditioned(rng, matrices(draw))], [0]


def _multi_dot_case(draw, rng):
    dims = draw(st.lists(st.integers(1, 3), min_size=3, max_size=5))
    shapes = [(dims[i], dims[i + 1]) for i in range(len(dims) - 1)]
    if draw(st.booleans()):
        shapes[0] = shapes[0][1:]
    args = [_normal(rng, s) for s in shapes]
    return (lambda *xs: np.linalg.multi_dot(list(xs))), args, list(range(len(args)))


def _norm_case(draw, rng):
    kind = draw(st.sampled_from(["vector", "matrix", "none"]))
    keep = draw(st.booleans())
    if kind == "none":
        shape = _shape(draw, min_side=1)
        return (lambda a: np.linalg.norm(a, keepdims=keep)), [_away(rng, shape)], [0]
    if kind == "vector":
        shape = _shape(draw, min_dims=1, min_side=1)
        axis = (
            draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
            if len(shape) == 1
            else (draw(st.integers(-len(shape), len(shape) - 1)))
        )
        ord_ = draw(st.sampled_from([None, 0, 1, 2, 3, 0.5, -1, -2.5, np.inf, -np.inf]))
        return (lambda a: np.linalg.norm(a, ord_, axis, keep)), [_distinct(rng, shape) + 0.05], [0]
    shape = matrices(draw, square=False)
    ndim = len(shape)
    axis = (
        tuple(draw(st.permutations(range(ndim)))[:2]) if ndim > 2 or draw(st.booleans()) else None
    )
    ord_ = draw(st.sampled_from([None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]))
    x = (
        distinct_singular(rng, shape) if ord_ in (2, -2, "nuc") else _away(rng, shape)
    )  # continuous: row and column sums never tie
    if axis is None and ndim > 2:
        axis = (ndim - 2, ndim - 1)
    return (lambda a: np.linalg.norm(a, ord_, axis, keep)), [x], [0]


def _vector_norm_api_case(draw, rng):
    shape = _shape(draw, min_dims=1, min_side=1)
    axis = _axis_or_none(draw, len(shape))
    ord_ = draw(st.sampled_from([2, 1, 0, 3, np.inf, -np.inf]))
    keep = draw(st.booleans())
    return (
        (lambda a: np.linalg.vector_norm(a, axis=axis, keepdims=keep, ord=ord_)),
        [_distinct(rng, shape) + 0.05],
        [0],
    )


def _matrix_norm_api_case(draw, rng):
    shape = matrices(draw, square=False)
    ord_ = draw(st.sampled_from(["fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf]))
    keep = draw(st.booleans())
    x = (
        distinct_singular(rng, shape) if ord_ in (2, -2, "nuc") else _away(rng, shape)
    )  # continuous: row and column sums never tie
    return (lambda a: np.linalg.matrix_norm(a, keepdims=keep, ord=ord_)), [x], [0]


def _api_offset(fn):
    def case(draw, rng):
        offset = draw(st.integers(-2, 2))
        return (lambda a: fn(a, offset=offset)), [_normal(rng, _shape(draw, min_dims=2))], [0]

    return case


def _vecdot_case(fn):
    def case(draw, rng):
        shapes = draw(
            mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=3)
        )
        sa, sb = shapes.input_shapes
        k = draw(st.integers(1, 3))
        return fn, [_normal(rng, sa[:-1] + (k,)), _normal(rng, sb[:-1] + (k,))], [0, 1]

    return case


def _ufunc_method_case(ufunc, method):
    def case(draw, rng):
        if method == "outer":
            sa, sb = _shape(draw, max_dims=2), _shape(draw, max_dims=2)
            b_values = _away if ufunc is np.divide else _normal
            return getattr(ufunc, method), [_normal(rng, sa), b_values(rng, sb)], [0, 1]
        shape = _shape(draw, min_dims=1, min_side=1 if ufunc in (np.maximum, np.minimum) else 0)
        axis = draw(st.integers(0, len(shape) - 1))
        values = _distinct if ufunc in (np.maximum, np.minimum) else _normal
        return (lambda a: getattr(ufunc, method)(a, axis=axis)), [values(rng, shape)], [0]

    return case


def _unit(rng, shape):
    return rng.uniform(-0.8, 0.8, shape)


def _above_one(rng, shape):
    return rng.uniform(1.3, 3.0, shape)


def _no_ties_pair(rng, shape_a, shape_b):
    return _distinct(rng, shape_a), _distinct(rng, shape_b) + 0.1


def _maxmin(fn):
    def case(draw, rng):
        sa, sb = draw(
            mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3)
        ).input_shapes
        a, b = _no_ties_pair(rng, sa, sb)
        return fn, [a, b], [0, 1]

    return case


def _mod_case(fn):
    def case(draw, rng):
        sa, sb = draw(
            mutually_broadcastable_shapes(num_shapes=2, max_dims=2, min_side=0, max_side=3)
        ).input_shapes
        a, b = rng.uniform(-5, 5, sa), _away(rng, sb, 0.7, 2.0)
        # keep a / b away from integers, where the result jumps
        q = (
            a / np.broadcast_to(b, np.broadcast_shapes(sa, sb))
            if sa == np.broadcast_shapes(sa, sb)
            else None
        )
        if q is not None:
            a = np.where(np.abs(q - np.round(q)) < 0.1, a + 0.3 * np.broadcast_to(b, q.shape), a)
        return fn, [a, b], [0, 1] if sa == np.broadcast_shapes(sa, sb) else [1]

    return case


def _power_case(draw, rng):
    sa, sb = draw(
        mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3)
    ).input_shapes
    return np.power, [_positive(rng, sa), rng.uniform(-2, 2, sb)], [0, 1]


CASES = {
    # ufuncs with a primitive
    np.add: binary(np.add), np.subtract: binary(np.subtract), np.multiply: binary(np.multiply),
    np.divide: binary(np.divide, b_values=_away), np.power: _power_case,
    np.float_power: binary(np.float_power, _positive), np.matmul: lambda d, r: (
        np.matmul, [_normal(r, (2, 3)), _normal(r, (3,))], [0, 1]),
    np.maximum: _maxmin(np.maximum), np.minimum: _maxmin(np.minimum),
    np.negative: unary(np.negative), np.exp: unary(np.exp), np.log: unary(np.log, _positive),
    np.log1p: unary(np.log1p, _positive), np.expm1: unary(np.expm1), np.sqrt: unary(np.sqrt, _positive),
    np.sin: unary(np.sin), np.cos: unary(np.cos), np.tan: unary(np.tan, _unit), np.tanh: unary(np.tanh),
    np.absolute: unary(np.absolute, _away), np.fabs: unary(np.fabs, _away),
    np.arcsin: unary(np.arcsin, _unit), np.arccos: unary(np.arccos, _unit), np.arctan: unary(np.arctan),
    np.arcsinh: unary(np.arcsinh), np.arccosh: unary(np.arccosh, _above_one),
    np.arctanh: unary(np.arctanh, _unit), np.sinh: unary(np.sinh), np.cosh: unary(np.cosh),
    np.cbrt: unary(np.cbrt, _away), np.arctan2: binary(np.arctan2, b_values=_away),
    np.hypot: binary(np.hypot, b_values=_away),
    # derived ufuncs
    np.positive: unary(np.positive), np.conjugate: unary(np.conjugate), np.square: unary(np.square),
    np.reciprocal: unary(np.reciprocal, _away), np.exp2: unary(np.exp2),
    np.log2: unary(np.log2, _positive), np.log10: unary(np.log10, _positive),
    np.logaddexp: binary(np.logaddexp), np.logaddexp2: binary(np.logaddexp2),
    np.remainder: _mod_case(np.remainder), np.fmod: _mod_case(np.fmod),
    np.deg2rad: unary(np.deg2rad), np.radians: unary(np.radians), np.rad2deg: unary(np.rad2deg),
    np.degrees: unary(np.degrees), np.fmax: _maxmin(np.fmax), np.fmin: _maxmin(np.fmin),
    # reductions and scans
    np.sum: reduction(np.sum, extra=_sum_where), np.mean: reduction(np.mean),
    np.var: _var_case(np.var), np.std: _var_case(np.std),
    np.max: reduction(np.max, _distinct, 1, _extremum_where), np.amax: reduction(np.amax, _distinct, 1),
    np.min: reduction(np.min, _distinct, 1, _extremum_where), np.amin: reduction(np.amin, _distinct, 1),
    np.ptp: reduction(np.ptp, _distinct, 1), np.prod: _prod_case,
    np.cumsum: _scan(np.cumsum), np.cumprod: _cumprod_case, np.diff: _diff_case,
    np.average: _average_case, np.median: _median_case,
    np.nansum: _nan_case(np.nansum), np.nanmean: _nan_case(np.nanmean),
    # shape and assembly
    np.reshape: _reshape_case, np.ravel: unary(np.ravel), np.transpose: _permute_case,
    np.swapaxes: _two_axes(np.swapaxes), np.moveaxis: _two_axes(np.moveaxis),
    np.squeeze: _squeeze_case, np.broadcast_to: _broadcast_to_case, np.copy: unary(np.copy),
    np.concatenate: _join_case(np.concatenate, 0), np.stack: _join_case(np.stack, 1),
    np.clip: _clip_case, np.expand_dims: _expand_dims_case,
    np.broadcast_arrays: _broadcast_arrays_case, np.where: _where_case,
    np.atleast_1d: _atleast_case(np.atleast_1d), np.atleast_2d: _atleast_case(np.atleast_2d),
    np.atleast_3d: _atleast_case(np.atleast_3d),
    np.vstack: _stack_family(np.vstack, "v"), np.hstack: _stack_family(np.hstack, "h"),
    np.dstack: _stack_family(np.dstack, "d"), np.column_stack: _stack_family(np.column_stack, "column"),
    np.split: _split_case(np.split, lambda d, n: d(st.integers(0, n - 1))),
    np.array_split: _split_case(np.array_split, lambda d, n: d(st.integers(0, n - 1))),
    np.vsplit: _split_case(np.vsplit, lambda d, n: 0), np.hsplit: _split_case(np.hsplit, lambda d, n: 1),
    np.dsplit: _split_case(np.dsplit, lambda d, n: 2),
    np.repeat: _repeat_case, np.tile: _tile_case, np.roll: _roll_case, np.flip: _flip_case,
    np.fliplr: shaped(np.fliplr, some_shape(2)), np.flipud: shaped(np.flipud, some_shape(1)),
    np.rot90: _rot90_case, np.pad: _pad_case, np.append: _append_case, np.take: _take_case,
    np.take_along_axis: _take_along_case, np.sort: _sort_case, np.select: _select_case,
    np.diagonal: _diagonal_case(np.diagonal), np.trace: _diagonal_case(np.trace), np.diag: _diag_case,
    np.tril: _triangle_case(np.tril), np.triu: _triangle_case(np.triu),
    np.round: _round_case(np.round), np.around: _round_case(np.around), np.sinc: unary(np.sinc, _away),
    np.real: unary(np.real), np.real_if_close: unary(np.real_if_close), np.imag: unary(np.imag),
    np.angle: unary(np.angle, _away), np.nan_to_num: _nan_to_num_case, np.rollaxis: _rollaxis_case,
    np.partition: _partition_case, np.gradient: _gradient_case, np.linspace: _linspace_case, np.row_stack: _stack_family(np.vstack, "v"),
    # products
    np.einsum: _einsum_case, np.tensordot: _tensordot_case, np.inner: _products(np.inner),
    np.dot: _products(np.dot), np.vdot: _products(np.vdot), np.outer: _products(np.outer),
    np.kron: _products(np.kron), np.cross: _cross_case,
    # linear algebra
    np.linalg.inv: linalg(np.linalg.inv, well_conditioned), np.linalg.det: linalg(np.linalg.det, well_conditioned),
    np.linalg.slogdet: linalg(np.linalg.slogdet, well_conditioned), np.linalg.solve: _solve_case,
    np.linalg.cholesky: linalg(np.linalg.cholesky, spd),
    np.linalg.eigh: linalg(np.linalg.eigh, symmetric_distinct),
    np.linalg.eigvalsh: linalg(np.linalg.eigvalsh, symmetric_distinct),
    np.linalg.svd: _svd_case, np.linalg.svdvals: linalg(np.linalg.svdvals, distinct_singular, square=False),
    np.linalg.qr: _qr_case, np.linalg.pinv: linalg(np.linalg.pinv, distinct_singular, square=False),
    np.linalg.matrix_power: _matrix_power_case, np.linalg.multi_dot: _multi_dot_case,
    np.linalg.norm: _norm_case,
    np.linalg.vector_norm: _vector_norm_api_case, np.linalg.matrix_norm: _matrix_norm_api_case,
    np.matrix_transpose: shaped(np.matrix_transpose, some_shape(2)),
    np.linalg.matrix_transpose: shaped(np.linalg.matrix_transpose, some_shape(2)),
    np.linalg.diagonal: _api_offset(np.linalg.diagonal), np.linalg.trace: _api_offset(np.linalg.trace),
    np.linalg.outer: lambda d, r: (np.linalg.outer, [_normal(r, _shape(d, 1, 1)), _normal(r, _shape(d, 1, 1))], [0, 1]),
    np.linalg.cross: lambda d, r: (np.linalg.cross, [_normal(r, (2, 3)), _normal(r, (3,))], [0, 1]),
    np.linalg.vecdot: _vecdot_case(np.linalg.vecdot), np.vecdot: _vecdot_case(np.vecdot),
    np.linalg.tensordot: lambda d, r: (np.linalg.tensordot, [_normal(r, (2, 3)), _normal(r, (2, 3))], [0, 1]),
    np.linalg.matmul: lambda d, r: (np.linalg.matmul, [_normal(r, (2, 2, 3)), _normal(r, (3, 1))], [0, 1]),
}  # fmt: skip
METHOD_CASES = {key: _ufunc_method_case(*key) for key in nd.UFUNC_METHODS}


def test_every_dispatch_entry_has_a_case():
    differentiable = set(nd.FUNCTIONS) | set(nd.UFUNC_PRIMITIVES) | set(nd.UFUNC_DERIVED)
    assert set(CASES) == differentiable
    assert set(METHOD_CASES) == set(nd.UFUNC_METHODS)
    assert set(CONSTANT_CASES) == set(nd.UFUNC_CONSTANT)
    assert set(NO_GRADIENT_CASES) == set(nd.NO_GRADIENT)


@pytest.mark.parametrize("func", list(nd.FUNCTIONS), ids=nd.qualified_name)
def test_handlers_take_numpys_parameter_names_and_defaults(func):
    """A handler's parameters are NumPy's own (same names, same defaults), so binding by NumPy's
    signature reaches them, and everything else NumPy accepts is refused by name."""
    import inspect

    numpy_params = inspect.signature(func).parameters
    for name, p in inspect.signature(nd.FUNCTIONS[func]).parameters.items():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            assert any(q.kind is p.kind for q in numpy_params.values())
            continue
        assert name in numpy_params, f"{name} is not a parameter of {nd.qualified_name(func)}"
        default = numpy_params[name].default
        if p.default is not p.empty and default not in (inspect.Parameter.empty, np._NoValue):
            assert p.default == default, (name, p.default, default)


def _parts(out):
    if isinstance(out, (tuple, list)):
        return [p for o in out for p in _parts(o)]
    return [out]


def _loss_np(fn, args, weights):
    return sum(
        float(np.sum(np.asarray(p) * w)) for p, w in zip(_parts(fn(*args)), weights, strict=True)
    )


def _run(fn, args, diff, weights, create_graph):
    leaves = {i: tg.Tensor(args[i], requires_grad=True) for i in diff}
    out = fn(*[leaves.get(i, a) for i, a in enumerate(args)])
    loss = 0.0
    for p, w in zip(_parts(out), weights, strict=True):
        assert isinstance(p, tg.Tensor), f"got {type(p).__name__}, not a Tensor"
        loss = loss + (p * w).sum()
    if isinstance(loss, tg.Tensor) and loss.requires_grad:
        loss.backward(create_graph=create_graph)
    grads = {
        i: (
            leaves[i].grad if leaves[i].grad is not None else tg.Tensor(np.zeros(np.shape(args[i])))
        )
        for i in diff
    }
    return out, grads, leaves


def check_case(fn, args, diff, rng):
    args = [np.asarray(a, float) if isinstance(a, np.ndarray) else a for a in args]
    expected = _parts(fn(*args))
    weights = [rng.normal(size=np.shape(e)) for e in expected]
    out, grads, leaves = _run(fn, args, diff, weights, create_graph=True)
    got = _parts(out)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.shape == np.shape(e) and g.dtype == np.asarray(e).dtype, (
            g.shape,
            np.shape(e),
            g.dtype,
        )
        np.testing.assert_allclose(g.numpy(), e, rtol=1e-10, atol=1e-12)
    if not all(np.all(np.isfinite(e)) for e in expected):
        return  # NumPy's own value is nan or inf (a mean over an empty axis): nothing to differentiate

    # first order: directional derivative against central differences of NumPy's own function
    directions = {i: rng.normal(size=np.shape(args[i])) for i in diff}
    analytic = sum(float(np.sum(grads[i].numpy() * directions[i])) for i in diff)
    eps = 1e-6

    def shifted(step):
        return [a + step * directions[i] if i in diff else a for i, a in enumerate(args)]

    numeric = (_loss_np(fn, shifted(eps), weights) - _loss_np(fn, shifted(-eps), weights)) / (
        2 * eps
    )
    scale = 1 + sum(float(np.sum(np.abs(grads[i].numpy() * directions[i]))) for i in diff)
    assert abs(analytic - numeric) <= 1e-6 * scale, (analytic, numeric)

    # second order: the gradient of the directional derivative (a Hessian-vector product)
    hvp = {i: np.zeros(np.shape(args[i])) for i in diff}
    h = sum((grads[i] * directions[i]).sum() for i in diff)
    if isinstance(h, tg.Tensor) and h.requires_grad:
        for leaf in leaves.values():
            leaf.grad = None
        h.backward()
        hvp = {i: leaves[i].grad.numpy() if leaves[i].grad is not None else hvp[i] for i in diff}
    eps = 1e-5
    up = _run(fn, shifted(eps), diff, weights, create_graph=False)[1]
    down = _run(fn, shifted(-eps), diff, weights, create_graph=False)[1]
    for i in diff:
        expected_hvp = (up[i].numpy() - down[i].numpy()) / (2 * eps)
        tol = 1e-5 * (1 + np.max(np.abs(expected_hvp), initial=0.0))
        np.testing.assert_allclose(hvp[i], expected_hvp, rtol=1e-4, atol=tol)


def _id(key):
    if isinstance(key, tuple):
        return f"{key[0].__name__}.{key[1]}"
    return nd.qualified_name(key)


@pytest.mark.parametrize("key", list(CASES) + list(METHOD_CASES), ids=_id)
@FAST
@given(data=st.data(), seed=SEEDS)
def test_value_first_and_second_derivative_match_numpy(key, data, seed):
    rng = np.random.default_rng(seed)
    table = METHOD_CASES if isinstance(key, tuple) else CASES
    fn, args, diff = table[key](data.draw, rng)
    check_case(fn, args, diff, rng)


# ---------------------------------------------------------------------------------------------
# piecewise-constant ufuncs and functions without a gradient


def _constant_case(ufunc):
    def case(draw, rng):
        if ufunc.nin == 1:
            return [_normal(rng, _shape(draw)) * 3]
        sa, sb = draw(
            mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0, max_side=3)
        ).input_shapes
        return [_normal(rng, sa) * 3, _away(rng, sb)]

    return case


CONSTANT_CASES = {u: _constant_case(u) for u in nd.UFUNC_CONSTANT}


@pytest.mark.parametrize(
    "ufunc", sorted(CONSTANT_CASES, key=lambda u: u.__name__), ids=lambda u: u.__name__
)
@FAST
@given(data=st.data(), seed=SEEDS)
def test_piecewise_constant_ufuncs(ufunc, data, seed):
    """A float result is a Tensor with zero gradient; a boolean one is NumPy's own array."""
    rng = np.random.default_rng(seed)
    args = CONSTANT_CASES[ufunc](data.draw, rng)
    expected = ufunc(*args)
    got = ufunc(*[tg.Tensor(a, requires_grad=True) for a in args])
    if expected.dtype.kind == "f":
        assert isinstance(got, tg.Tensor) and not got.requires_grad
        got = got.numpy()
    else:
        assert type(got) is type(expected)  # an ndarray, or a NumPy bool for 0-d operands
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def _vec(rng, n=5):
    return np.round(rng.normal(size=n), 1)


NO_GRADIENT_CASES = {
    np.argmax: lambda r: (np.argmax, [_vec(r)]), np.argmin: lambda r: (np.argmin, [_vec(r)]),
    np.argsort: lambda r: (np.argsort, [_vec(r)]), np.any: lambda r: (np.any, [_vec(r)]),
    np.all: lambda r: (np.all, [_vec(r)]), np.allclose: lambda r: (np.allclose, [_vec(r), _vec(r)]),
    np.isclose: lambda r: (np.isclose, [_vec(r), _vec(r)]),
    np.unique: lambda r: (lambda a: np.unique(a, return_counts=True), [_vec(r, 8)]),
    np.nonzero: lambda r: (np.nonzero, [_vec(r)]), np.flatnonzero: lambda r: (np.flatnonzero, [_vec(r)]),
    np.count_nonzero: lambda r: (np.count_nonzero, [_vec(r)]),
    np.searchsorted: lambda r: (np.searchsorted, [np.sort(_vec(r)), _vec(r)]),
    np.bincount: lambda r: (lambda w: np.bincount(np.array([0, 1, 1, 3, 2]), w), [_vec(r)]),
    np.shape: lambda r: (np.shape, [_vec(r)]), np.ndim: lambda r: (np.ndim, [_vec(r)]),
    np.size: lambda r: (np.size, [_vec(r)]), np.result_type: lambda r: (np.result_type, [_vec(r)]),
    np.zeros_like: lambda r: (np.zeros_like, [_vec(r)]), np.ones_like: lambda r: (np.ones_like, [_vec(r)]),
    np.full_like: lambda r: (lambda a: np.full_like(a, 2.5), [_vec(r)]),
    np.empty_like: lambda r: (lambda a: np.empty_like(a).shape, [_vec(r)]),
    np.array_equal: lambda r: (np.array_equal, [_vec(r), _vec(r)]),
    np.array_equiv: lambda r: (np.array_equiv, [_vec(r), _vec(r)]),
    np.argwhere: lambda r: (np.argwhere, [_vec(r)]), np.nanargmax: lambda r: (np.nanargmax, [_vec(r)]),
    np.nanargmin: lambda r: (np.nanargmin, [_vec(r)]), np.isin: lambda r: (np.isin, [_vec(r), _vec(r)]),
    np.iscomplexobj: lambda r: (np.iscomplexobj, [_vec(r)]), np.isrealobj: lambda r: (np.isrealobj, [_vec(r)]),
    np.digitize: lambda r: (np.digitize, [_vec(r), np.sort(_vec(r))]),
    np.histogram: lambda r: (lambda a: np.histogram(a, 3), [_vec(r, 10)]),
    np.lexsort: lambda r: (lambda a, b: np.lexsort((a, b)), [_vec(r), _vec(r)]),
    np.shares_memory: lambda r: (np.shares_memory, [_vec(r), _vec(r)]),
    np.may_share_memory: lambda r: (np.may_share_memory, [_vec(r), _vec(r)]),
    np.isreal: lambda r: (np.isreal, [_vec(r)]), np.iscomplex: lambda r: (np.iscomplex, [_vec(r)]),
}  # fmt: skip


def _same(got, expected):
    assert type(got) is type(expected), (type(got), type(expected))
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected, strict=True):
            _same(g, e)
    elif isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    else:
        assert got == expected


@pytest.mark.parametrize(
    "func", sorted(NO_GRADIENT_CASES, key=lambda f: f.__name__), ids=lambda f: f.__name__
)
def test_no_gradient_functions_return_what_numpy_returns(func):
    """Even on Tensors that require grad: they run on the values and return NumPy's result."""
    fn, args = NO_GRADIENT_CASES[func](np.random.default_rng(0))
    _same(fn(*[tg.Tensor(a, requires_grad=True) for a in args]), fn(*args))


@pytest.mark.parametrize("key", list(CASES) + list(METHOD_CASES), ids=_id)
@settings(max_examples=2)
@given(data=st.data(), seed=SEEDS)
def test_float32_inputs_give_numpys_dtype(key, data, seed):
    """float32 stays float32 where NumPy keeps it (no float64 constant sneaks in), and the values
    agree to float32 precision."""
    rng = np.random.default_rng(seed)
    table = METHOD_CASES if isinstance(key, tuple) else CASES
    fn, args, diff = table[key](data.draw, rng)
    args = [
        a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype == np.float64 else a
        for a in args
    ]
    with np.errstate(all="ignore"):
        expected = _parts(fn(*args))
        got = _parts(
            fn(*[tg.Tensor(a, requires_grad=True) if i in diff else a for i, a in enumerate(args)])
        )
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == np.asarray(e).dtype and g.shape == np.shape(e)
        np.testing.assert_allclose(g.numpy(), e, rtol=2e-5, atol=2e-5)
