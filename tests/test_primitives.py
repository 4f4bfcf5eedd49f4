"""Every primitive's gradient rule against central differences, first and second order.

The cases are keyed by primitive and the table must cover ``ops.PRIMITIVES`` exactly, so a new
primitive fails here until it has a case — it is gradient-checked by default.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from tinygrad_opt import ops, ops_linalg
from tinygrad_opt.tensor import Tensor, apply

SEEDS = st.integers(0, 2**32 - 1)
SHAPES = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)
ONE_SHAPE = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


def _away(rng, shape, low=0.3, high=2.0):
    """Values with |v| in [low, high], random sign: away from kinks at 0."""
    return rng.uniform(low, high, shape) * rng.choice([-1.0, 1.0], shape)


def _distinct(rng, shape):
    """Values whose pairwise gaps are at least 0.1, so max/min have no near-ties."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.1 + rng.uniform(0, 0.01)).reshape(shape) - 0.1 * n / 2


# Each case draws (args, differentiable positions). Non-differentiable arguments (axis,
# shape, index, condition) are passed through as they are.
def _binary(a_values=None, b_values=None):
    def case(draw, rng):
        shapes = draw(SHAPES).input_shapes
        a = rng.normal(size=shapes[0]) if a_values is None else a_values(rng, shapes[0])
        b = rng.normal(size=shapes[1]) if b_values is None else b_values(rng, shapes[1])
        return [np.asarray(a, float), np.asarray(b, float)], [0, 1]

    return case


def _unary(values=None):
    def case(draw, rng):
        shape = draw(ONE_SHAPE)
        x = rng.normal(size=shape) if values is None else values(rng, shape)
        return [np.asarray(x, float)], [0]

    return case


def _positive(rng, shape):
    return rng.uniform(0.3, 2.0, shape)


def _power(draw, rng):
    shapes = draw(SHAPES).input_shapes
    return [rng.uniform(0.5, 2.0, shapes[0]), rng.uniform(-2.0, 2.0, shapes[1])], [0, 1]


def _extremum(draw, rng):
    shapes = draw(SHAPES).input_shapes
    # distinct values 0.2 apart within a, and b offset by 0.1: a and b never tie
    a = rng.permutation(int(np.prod(shapes[0]))).reshape(shapes[0]) * 0.2
    b = rng.permutation(int(np.prod(shapes[1]))).reshape(shapes[1]) * 0.2 + 0.1
    return [a.astype(float), b.astype(float)], [0, 1]


def _matmul(draw, rng):
    m, k, n = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,)]))
    kind = draw(st.sampled_from(["mm", "vm", "mv", "vv", "batched"]))
    a_shape = {"mm": (m, k), "vm": (k,), "mv": (m, k), "vv": (k,), "batched": batch + (m, k)}[kind]
    b_shape = {"mm": (k, n), "vm": (k, n), "mv": (k,), "vv": (k,), "batched": (k, n)}[kind]
    return [rng.normal(size=a_shape), rng.normal(size=b_shape)], [0, 1]


def _linear(draw, rng):
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(), (2,), (2, 3)]))
    bias = rng.normal(size=n_out) if draw(st.booleans()) else None
    args = [rng.normal(size=(*lead, n_in)), rng.normal(size=(n_out, n_in)), bias]
    return args, [0, 1, 2] if bias is not None else [0, 1]


def _where(draw, rng):
    shapes = draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)).input_shapes
    cond = rng.random(shapes[0]) > 0.5
    return [cond, rng.normal(size=shapes[1]), rng.normal(size=shapes[2])], [1, 2]


def _clip(draw, rng):
    shape = draw(ONE_SHAPE)
    x = _away(rng, shape, 0.2, 2.0)
    lo, hi = draw(st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None)]))
    x = np.where(np.abs(np.abs(x) - 1.0) < 0.1, x * 0.5, x)  # away from the bounds
    x = np.where(np.abs(x - 0.5) < 0.1, x + 0.3, x)
    x = np.where(np.abs(x + 0.5) < 0.1, x - 0.3, x)
    return [x, lo, hi], [0]


def _axis(draw, ndim):
    if ndim == 0:
        return None
    return draw(st.one_of(st.none(), st.sets(st.integers(0, ndim - 1), min_size=1).map(tuple)))


def _reduction(values):
    def case(draw, rng):
        shape = draw(ONE_SHAPE)
        x = values(rng, shape) if shape else np.asarray(rng.normal())
        return [np.asarray(x, float), _axis(draw, len(shape)), draw(st.booleans())], [0]

    return case


def _reshape(draw, rng):
    shape = draw(ONE_SHAPE)
    size = int(np.prod(shape))
    new = draw(st.sampled_from([(size,), (1, size), (size, 1), ()])) if size == 1 else (size,)
    return [rng.normal(size=shape), new], [0]


def _transpose(draw, rng):
    shape = draw(ONE_SHAPE)
    axes = draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return [rng.normal(size=shape), axes], [0]


def _broadcast_to(draw, rng):
    shapes = draw(mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
    return [rng.normal(size=shapes.input_shapes[0]), shapes.result_shape], [0]


def _index(draw, rng, shape):
    kind = draw(st.sampled_from(["int", "slice", "repeated", "mask", "tuple"]))
    n = shape[0]
    if kind == "int":
        return int(draw(st.integers(-n, n - 1)))
    if kind == "slice":
        return slice(draw(st.integers(0, n)), None, draw(st.sampled_from([1, 2, -1])))
    if kind == "repeated":
        return rng.integers(0, n, size=draw(st.integers(1, 5)))
    if kind == "mask":
        return rng.random(shape) > 0.4
    return (slice(None), rng.integers(0, shape[1], size=3)) if len(shape) > 1 else (0,)


def _getitem(draw, rng):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    return [rng.normal(size=shape), _index(draw, rng, shape)], [0]


def _scatter_add(draw, rng):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    index = _index(draw, rng, shape)
    g_shape = np.zeros(shape)[index].shape
    return [rng.normal(size=g_shape), index, shape], [0]


def _concatenate(draw, rng):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    axis = draw(st.integers(0, len(shape) - 1))
    pieces = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(shape)
        s[axis] = draw(st.integers(1, 3))
        pieces.append(rng.normal(size=s))
    return [axis, *pieces], list(range(1, len(pieces) + 1))


def _cross_entropy(draw, rng):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return [rng.normal(size=(n, c)) * 3, rng.integers(0, c, size=n)], [0]


def _astype(draw, rng):
    return [rng.normal(size=draw(ONE_SHAPE)), np.dtype(np.float64)], [0]


def _unit(rng, shape):
    return rng.uniform(-0.8, 0.8, shape)


def _above_one(rng, shape):
    return rng.uniform(1.3, 3.0, shape)


def _cumsum(draw, rng):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    return [rng.normal(size=shape), draw(st.integers(0, len(shape) - 1))], [0]


def _vector_norm(draw, rng):
    shape = draw(ONE_SHAPE)
    ord_ = draw(st.sampled_from([2, 3.0, 1.5]))
    x = _away(rng, shape) if shape else np.asarray(_away(rng, ()))
    return [np.asarray(x, float), ord_, _axis(draw, len(shape)), draw(st.booleans())], [0]


def _einsum(draw, rng):
    spec, shapes = draw(st.sampled_from([
        ("ij,jk->ik", [(2, 3), (3, 2)]), ("ii->", [(3, 3)]), ("ii->i", [(2, 2)]),
        ("ij->", [(2, 3)]), ("i,i->", [(3,), (3,)]), ("ij,j->i", [(2, 3), (3,)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]), ("ij,ij,ij->i", [(2, 3)] * 3),
        ("iij,k->jk", [(2, 2, 3), (2,)]), ("ab,b->ab", [(2, 1), (3,)]),
    ]))  # fmt: skip
    return [spec, *[rng.normal(size=s) for s in shapes]], list(range(1, len(shapes) + 1))


def _batch(draw):
    return draw(st.sampled_from([(), (2,)]))


def _well_conditioned(draw, rng):
    n = draw(st.integers(1, 3))
    return rng.normal(size=_batch(draw) + (n, n)) * 0.3 + 2 * np.eye(n)


def _square(draw, rng):
    return [_well_conditioned(draw, rng)], [0]


def _solve(draw, rng):
    a = _well_conditioned(draw, rng)
    n = a.shape[-1]
    b_shape = draw(st.sampled_from([(n,), (n, 2), a.shape[:-2] + (n, 1)]))
    return [a, rng.normal(size=b_shape)], [0, 1]


def _spd(draw, rng):
    n = draw(st.integers(1, 3))
    b = rng.normal(size=_batch(draw) + (n, n))
    return [b @ np.swapaxes(b, -1, -2) + n * np.eye(n)], [0]


def _orthogonal(rng, batch, n):
    q, _ = np.linalg.qr(rng.normal(size=batch + (n, n)))
    return q


def _eigh(draw, rng):
    n = draw(st.integers(1, 3))
    batch = _batch(draw)
    q = _orthogonal(rng, batch, n)
    w = rng.permutation(n) * 0.7 + rng.uniform(-1, 1, batch + (n,))
    a = q @ (w[..., :, None] * np.swapaxes(q, -1, -2))
    return [a, draw(st.sampled_from(["L", "U"]))], [0]


def _rectangular(draw, rng):
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    batch = _batch(draw)
    k = min(m, n)
    s = np.sort(rng.permutation(k) * 0.6 + 0.8)[::-1]
    u = _orthogonal(rng, batch, m)[..., :k]
    v = _orthogonal(rng, batch, n)[..., :k]
    return u @ (s[:, None] * np.swapaxes(v, -1, -2))


def _svd(draw, rng):
    return [_rectangular(draw, rng)], [0]


def _pinv(draw, rng):
    return [_rectangular(draw, rng), None], [0]


CASES = {
    ops.Add: _binary(), ops.Subtract: _binary(), ops.Multiply: _binary(),
    ops.Divide: _binary(b_values=_away), ops.Power: _power,
    ops.Maximum: _extremum, ops.Minimum: _extremum, ops.Matmul: _matmul, ops.Linear: _linear, ops.Where: _where,
    ops.Negative: _unary(), ops.Exp: _unary(), ops.Log: _unary(_positive),
    ops.Log1p: _unary(_positive), ops.Expm1: _unary(), ops.Sqrt: _unary(_positive),
    ops.Sin: _unary(), ops.Cos: _unary(), ops.Tan: _unary(lambda r, s: r.uniform(-1.2, 1.2, s)),
    ops.Tanh: _unary(), ops.Sigmoid: _unary(), ops.Softplus: _unary(), ops.Relu: _unary(_away), ops.Abs: _unary(_away),
    ops.Clip: _clip, ops.AsType: _astype,
    ops.Sum: _reduction(lambda r, s: r.normal(size=s)), ops.Max: _reduction(_distinct),
    ops.Min: _reduction(_distinct),
    ops.Reshape: _reshape, ops.Transpose: _transpose, ops.BroadcastTo: _broadcast_to,
    ops.GetItem: _getitem, ops.ScatterAdd: _scatter_add, ops.Concatenate: _concatenate,
    ops.CrossEntropy: _cross_entropy,
    ops.Arcsin: _unary(_unit), ops.Arccos: _unary(_unit), ops.Arctan: _unary(),
    ops.Arcsinh: _unary(), ops.Arccosh: _unary(_above_one), ops.Arctanh: _unary(_unit),
    ops.Sinh: _unary(), ops.Cosh: _unary(), ops.Cbrt: _unary(_away), ops.Sinc: _unary(_away),
    ops.Arctan2: _binary(b_values=_away), ops.Hypot: _binary(b_values=_away),
    ops.Cumsum: _cumsum, ops.VectorNorm: _vector_norm, ops.Einsum: _einsum,
    ops_linalg.Inv: _square, ops_linalg.Det: _square, ops_linalg.LogAbsDet: _square,
    ops_linalg.Solve: _solve, ops_linalg.Cholesky: _spd, ops_linalg.Eigh: _eigh,
    ops_linalg.Svd: _svd, ops_linalg.Qr: _svd, ops_linalg.Pinv: _pinv,
}  # fmt: skip


def test_every_primitive_has_a_case():
    assert set(CASES) == set(ops.PRIMITIVES)


def _loss(op, args, diff, weights):
    """L = Σ w · op(args) with Tensors at the differentiable positions; returns (L, leaves)."""
    leaves = {i: Tensor(args[i], requires_grad=True) for i in diff}
    call_args = [leaves.get(i, a) for i, a in enumerate(args)]
    out = apply(op, *call_args)
    return (out * weights).sum(), leaves


def _numerical_grad(op, args, i, weights, eps=1e-6):
    base = np.asarray(args[i], float)
    grad = np.zeros_like(base)
    for j in range(base.size):
        shifted = []
        for sign in (1, -1):
            x = base.copy()
            x.flat[j] += sign * eps
            a = list(args)
            a[i] = x
            shifted.append(float(np.sum(np.asarray(op.forward(*a)) * weights)))
        grad.flat[j] = (shifted[0] - shifted[1]) / (2 * eps)
    return grad


@pytest.mark.parametrize("op", ops.PRIMITIVES, ids=lambda op: op.name)
@given(data=st.data(), seed=SEEDS)
def test_gradient_matches_central_differences(op, data, seed):
    rng = np.random.default_rng(seed)
    args, diff = CASES[op](data.draw, rng)
    out_shape = np.shape(op.forward(*args))
    weights = rng.normal(size=out_shape)
    loss, leaves = _loss(op, args, diff, weights)
    loss.backward()
    for i in diff:
        expected = _numerical_grad(op, args, i, weights)
        assert leaves[i].grad.shape == np.shape(args[i])
        np.testing.assert_allclose(leaves[i].grad.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ops.PRIMITIVES, ids=lambda op: op.name)
@given(data=st.data(), seed=SEEDS)
def test_rule_on_tensors_matches_rule_on_arrays_and_second_derivative(op, data, seed):
    """create_graph=True runs each rule on Tensors: same first derivative, and its own
    derivative (a Hessian-vector product) matches central differences of the first."""
    rng = np.random.default_rng(seed)
    args, diff = CASES[op](data.draw, rng)
    weights = rng.normal(size=np.shape(op.forward(*args)))

    loss, leaves = _loss(op, args, diff, weights)
    loss.backward()
    plain = {i: leaves[i].grad.numpy().copy() for i in diff}

    loss, leaves = _loss(op, args, diff, weights)
    loss.backward(create_graph=True)
    directions = {i: rng.normal(size=np.shape(args[i])) for i in diff}
    hvp_loss = 0.0
    for i in diff:
        np.testing.assert_allclose(leaves[i].grad.numpy(), plain[i], rtol=1e-12, atol=1e-12)
        hvp_loss = hvp_loss + (leaves[i].grad * directions[i]).sum()
    if not isinstance(hvp_loss, Tensor) or not hvp_loss.requires_grad:
        return  # the first derivative is constant (linear op): nothing more to check
    for leaf in leaves.values():
        leaf.grad = None
    hvp_loss.backward()

    eps = 1e-5

    def first_grads(shift):
        shifted = [
            np.asarray(a, float) + shift * directions[i] if i in diff else a
            for i, a in enumerate(args)
        ]
        loss, leaves = _loss(op, shifted, diff, weights)
        loss.backward()
        return {i: leaves[i].grad.numpy() for i in diff}

    up, down = first_grads(eps), first_grads(-eps)
    for i in diff:
        expected = (up[i] - down[i]) / (2 * eps)
        got = leaves[i].grad.numpy() if leaves[i].grad is not None else np.zeros_like(expected)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
