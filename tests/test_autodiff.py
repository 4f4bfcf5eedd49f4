"""grad, value_and_grad, hessian and gradcheck, checked against the post's hand-written gfx."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import ops

from .post_code import fx, gfx

COORD = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
POINTS = st.tuples(COORD, COORD).map(np.array)


def hessian_fx(x):
    """The post's fx has Hessian [[e^{x1/5}/25 + 10, -2], [-2, 6]]."""
    return np.array([[np.exp(x[0] / 5) / 25 + 10, -2.0], [-2.0, 6.0]])


@given(POINTS)
def test_grad_of_fx_equals_the_posts_gfx(x):
    np.testing.assert_allclose(tg.grad(fx)(x), gfx(x), rtol=1e-12, atol=1e-12)


@given(POINTS)
def test_value_and_grad_of_fx(x):
    value, g = tg.value_and_grad(fx)(x)
    assert value == pytest.approx(fx(x), rel=1e-15, abs=1e-15)
    np.testing.assert_allclose(g, gfx(x), rtol=1e-12, atol=1e-12)


@given(POINTS)
def test_hessian_of_fx_by_double_backward(x):
    np.testing.assert_allclose(tg.hessian(fx)(x), hessian_fx(x), rtol=1e-12, atol=1e-12)


def test_grad_of_integer_start_returns_floats():
    g = tg.grad(fx)(np.array([0, 0]))
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, [-6.8, -8.0])


def test_grad_with_argnum_and_extra_arguments():
    def f(a, x, scale=1.0):
        return scale * (a * x**2).sum()

    g = tg.grad(f, argnum=1)(np.array([1.0, 2.0]), np.array([3.0, 4.0]), scale=2.0)
    np.testing.assert_allclose(g, 2.0 * 2 * np.array([1.0, 2.0]) * np.array([3.0, 4.0]))
    with pytest.raises(ValueError, match="argnum=2"):
        tg.grad(f, argnum=2)(1.0, 2.0)


def test_grad_requires_a_scalar_function():
    with pytest.raises(ValueError, match=r"single number.*\(2,\)"):
        tg.grad(lambda x: x * 2)(np.array([1.0, 2.0]))


def test_grad_of_a_function_that_ignores_its_input_is_zero():
    np.testing.assert_array_equal(tg.grad(lambda x: 3.0)(np.array([1.0, 2.0])), [0.0, 0.0])


def test_grad_does_not_modify_its_input():
    x = np.array([1.0, 2.0])
    tg.grad(lambda v: (v * v).sum())(x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_gradcheck_passes_for_correct_rules_and_non_scalar_outputs():
    assert tg.gradcheck(fx, np.array([0.3, 1.2]))
    assert tg.gradcheck(lambda a, b: a @ b, np.ones((2, 3)), np.arange(6.0).reshape(3, 2))
    assert tg.gradcheck(lambda a: tg.softmax(a), np.array([0.1, 2.0, -1.0]))


def test_gradcheck_reports_the_worst_entry_of_a_wrong_rule(monkeypatch):
    monkeypatch.setattr(
        ops.Sin, "vjp", staticmethod(lambda g, out, needs, a: (g * np.cos(a) * 1.1,))
    )
    with pytest.raises(tg.GradcheckError, match=r"input 0\[2\].*reverse mode.*central differences"):
        tg.gradcheck(lambda a: a.sin().sum(), np.array([1.0, 0.5, 0.0]))


def test_gradcheck_validates_its_options():
    with pytest.raises(ValueError, match="eps"):
        tg.gradcheck(fx, np.zeros(2), eps=0)
    with pytest.raises(ValueError, match="atol"):
        tg.gradcheck(fx, np.zeros(2), atol=-1)


@given(st.integers(0, 2**32 - 1))
def test_grad_of_a_composed_function_matches_central_differences(seed):
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(3, 2))

    def f(x):
        h = np.tanh(x @ w)
        return tg.logsumexp(h) + (tg.sigmoid(x) ** 2).sum() + np.max(h)

    assert tg.gradcheck(f, rng.normal(size=(4, 3)))
