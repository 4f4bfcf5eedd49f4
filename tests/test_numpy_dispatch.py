"""NumPy functions on Tensors return Tensors with gradients; functions without a rule refuse."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_opt as tg

from .post_code import fx, gfx

FLOATS = st.floats(-5, 5, allow_nan=False)


def test_the_posts_fx_runs_on_tensors_unchanged():
    x = tg.Parameter([0.3, 1.2])
    y = fx(x)
    assert isinstance(y, tg.Tensor) and y.requires_grad
    assert y.item() == pytest.approx(fx(np.array([0.3, 1.2])), rel=1e-15)


@pytest.mark.parametrize(
    "func, expected",
    [
        (lambda t: np.exp(t).sum(), lambda x: np.exp(x)),
        (lambda t: np.sum(t**2, axis=0).sum(), lambda x: 2 * x),
        (lambda t: np.mean(np.sin(t)), lambda x: np.cos(x) / x.size),
        (lambda t: np.sqrt(t * t + 1).sum(), lambda x: x / np.sqrt(x * x + 1)),
        (lambda t: np.dot(t, np.arange(3.0)), lambda x: np.arange(3.0)),
        (lambda t: np.matmul(t, t), lambda x: 2 * x),
        (lambda t: np.maximum(t, 0.0).sum(), lambda x: (x > 0).astype(float)),
        (lambda t: np.square(t).sum(), lambda x: 2 * x),
        (lambda t: np.tanh(t).sum(), lambda x: 1 - np.tanh(x) ** 2),
        (lambda t: np.linalg.norm(t), lambda x: x / np.linalg.norm(x)),
        (lambda t: np.max(t), lambda x: (x == x.max()).astype(float)),
        (lambda t: np.where(t > 0, t, 2 * t).sum(), lambda x: np.where(x > 0, 1.0, 2.0)),
        (lambda t: np.concatenate([t, t]).sum(), lambda x: np.full_like(x, 2.0)),
        (lambda t: np.stack([t, 2 * t], axis=1).sum(), lambda x: np.full_like(x, 3.0)),
        (lambda t: np.clip(t, -1, 1).sum(), lambda x: ((x > -1) & (x < 1)).astype(float)),
        (lambda t: np.abs(t).sum(), lambda x: np.sign(x)),
        (lambda t: np.log(np.exp(t)).sum(), lambda x: np.ones_like(x)),
        (lambda t: np.logaddexp(t, 0.0).sum(), lambda x: 1 / (1 + np.exp(-x))),
        (lambda t: np.reshape(t, (3, 1)).T.sum(), lambda x: np.ones_like(x)),
    ],
)
def test_numpy_functions_differentiate(func, expected):
    x = np.array([0.5, -1.5, 2.0])
    p = tg.Parameter(x)
    y = func(p)
    assert isinstance(y, tg.Tensor)
    y.backward()
    np.testing.assert_allclose(p.grad.numpy(), expected(x), rtol=1e-12, atol=1e-12)


def test_ndarray_on_the_left_dispatches_to_tensors():
    p = tg.Parameter([1.0, 2.0])
    y = np.array([3.0, 4.0]) * p + np.float64(2.0) - np.ones(2) / p
    assert isinstance(y, tg.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [3 + 1.0, 4 + 0.25])


def test_a_numpy_function_without_a_rule_raises_naming_it():
    p = tg.Parameter([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numpy.convolve"):
        np.convolve(p, p)
    with pytest.raises(TypeError, match=r"numpy.frexp"):
        np.frexp(p)
    with pytest.raises(TypeError, match=r"numpy.add.reduceat"):
        np.add.reduceat(p, [0])
    special = pytest.importorskip("scipy.special")
    with pytest.raises(TypeError, match=r"scipy\.special\.expit has no gradient rule"):
        special.expit(p)


def test_functions_without_a_rule_run_on_tensors_that_need_no_gradient():
    t = tg.Tensor([1.0, 2.0])
    np.testing.assert_array_equal(np.convolve(t, t), [1.0, 4.0, 4.0])
    assert np.allclose(t, [1.0, 2.0])


def test_unsupported_options_are_refused_not_ignored():
    p = tg.Parameter([1.0, 2.0])
    with pytest.raises(TypeError, match="out="):
        np.exp(p, out=np.zeros(2))
    with pytest.raises(TypeError, match=r"numpy.var: the argument where=True is not supported"):
        np.var(p, where=True)
    with pytest.raises(TypeError, match=r"numpy.linalg.svd: the argument hermitian=True"):
        np.linalg.svd(p.reshape(1, 2), hermitian=True)
    with pytest.raises(TypeError, match=r"numpy.sum: the argument out="):
        np.sum(p, None, None, np.zeros(()))


def test_piecewise_constant_ufuncs_give_constants():
    p = tg.Parameter([1.0, -2.0])
    for r in (np.sign(p), np.floor(p), np.round(p)):  # float results: Tensors, zero gradient
        assert isinstance(r, tg.Tensor) and not r.requires_grad
    for r in (np.greater(p, 0), np.isfinite(p)):  # boolean results: what NumPy returns
        assert type(r) is np.ndarray and r.dtype == bool


def test_shape_queries():
    t = tg.Tensor(np.zeros((2, 3)))
    assert np.shape(t) == (2, 3) and np.ndim(t) == 2 and np.size(t) == 6


def test_shape_mismatch_names_the_op_and_both_shapes():
    a = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"add.*\(2, 3\) and \(4,\)"):
        a + np.ones(4)
    with pytest.raises(ValueError, match=r"multiply.*\(4,\) and \(2, 3\)"):
        np.ones(4) * a
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\) and \(2, 3\)"):
        a @ a
    with pytest.raises(ValueError, match=r"concatenate.*\(2, 3\).*\(2,\)"):
        tg.concatenate([a, tg.Tensor(np.ones(2))])
    with pytest.raises(ValueError, match=r"stack.*\(2, 3\) and \(3, 2\)"):
        tg.stack([a, a.T])
    with pytest.raises(ValueError, match=r"where.*\(4,\) and \(2, 3\)"):
        tg.where(np.ones(4, bool), a, 0.0)


def test_bad_operands_raise_type_error():
    p = tg.Parameter([1.0])
    with pytest.raises(TypeError):
        p + "a"
    with pytest.raises(TypeError, match="complex"):
        p * np.array([1j])
    with pytest.raises(TypeError, match="object"):
        p * np.array([object()])


def test_bad_axis_is_a_clear_error():
    t = tg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        t.sum(axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        t.sum(axis=1.5)


@given(st.lists(st.floats(-1000, 1000), min_size=1, max_size=6))
def test_logsumexp_softmax_log_softmax_are_stable(values):
    x = np.array(values)
    t = tg.Tensor(x)
    lse = tg.logsumexp(t).item()
    m = x.max()
    assert np.isfinite(lse)
    assert lse == pytest.approx(m + np.log(np.sum(np.exp(x - m))), rel=1e-12, abs=1e-12)
    sm = tg.softmax(t).numpy()
    assert np.all(np.isfinite(sm)) and sm.sum() == pytest.approx(1.0)
    assert np.all(np.isfinite(tg.log_softmax(t).numpy()))


def test_softmax_of_extremes_and_its_gradient_are_finite():
    p = tg.Parameter([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]])
    y = tg.log_softmax(p, axis=1)
    np.testing.assert_allclose(tg.softmax(p.detach(), axis=1).numpy()[1], [1 / 3] * 3)
    (y[:, 0]).sum().backward()
    assert np.all(np.isfinite(p.grad.numpy()))


@given(st.lists(FLOATS, min_size=2, max_size=5))
def test_logsumexp_gradient_is_softmax(values):
    p = tg.Parameter(values)
    tg.logsumexp(p).backward()
    np.testing.assert_allclose(
        p.grad.numpy(), tg.softmax(p.detach()).numpy(), rtol=1e-12, atol=1e-15
    )


def test_tied_maxima_share_the_gradient():
    p = tg.Parameter([3.0, 1.0, 3.0])
    p.max().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [0.5, 0.0, 0.5])
    q = tg.Parameter([2.0, 2.0])
    tg.maximum(q[0], q[1]).backward()
    np.testing.assert_array_equal(q.grad.numpy(), [0.5, 0.5])


def test_hand_written_gradient_and_dispatch_agree_for_gfx_helpers():
    x = np.array([0.3, -0.7])
    np.testing.assert_allclose(tg.grad(fx)(x), gfx(x), rtol=1e-12)
