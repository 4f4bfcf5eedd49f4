"""The functional gradient (tg.autograd.grad) and the transformations built on it: nesting to any
order, closures over outer variables, .grad left untouched, jacobian / hvp / elementwise_grad
against central differences, and PyTorch's semantics where torch is installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_opt as tg

from .post_code import fx

SMALL = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
POSITIVE = st.floats(0.2, 3, allow_nan=False, allow_infinity=False)


def central(f, x, eps=1e-6):
    """d f / d x by central differences, f: array -> array; shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=np.float64)
    f0 = np.asarray(f(x), dtype=np.float64)
    out = np.zeros(f0.shape + x.shape)
    for j in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[j] += eps
        down[j] -= eps
        out[(...,) + j] = (np.asarray(f(up)) - np.asarray(f(down))) / (2 * eps)
    return out


# ---------------------------------------------------------------------------------------------
# tg.autograd.grad


def test_autograd_grad_returns_a_tuple_and_never_touches_grad():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    w = tg.Parameter([3.0, -1.0])
    y = (x * x * w).sum()
    gx, gw = tg.autograd.grad(y, [x, w])
    np.testing.assert_allclose(gx.data, 2 * np.array([1.0, 2.0]) * [3.0, -1.0])
    np.testing.assert_allclose(gw.data, [1.0, 4.0])
    assert x.grad is None and w.grad is None
    assert not gx.requires_grad and gx.dtype == x.dtype


def test_autograd_grad_for_a_single_tensor_input_is_a_one_tuple():
    x = tg.Tensor(3.0, requires_grad=True)
    result = tg.autograd.grad(x * x, x)
    assert isinstance(result, tuple) and len(result) == 1
    assert result[0].item() == 6.0


def test_autograd_grad_keeps_an_existing_grad_unchanged():
    x = tg.Parameter([1.0, 2.0])
    x.grad = np.array([10.0, 20.0])
    (g,) = tg.autograd.grad((x**3).sum(), x)
    np.testing.assert_array_equal(x.grad.data, [10.0, 20.0])
    np.testing.assert_allclose(g.data, [3.0, 12.0])


def test_autograd_grad_create_graph_gives_higher_derivatives():
    x = tg.Tensor(0.7, requires_grad=True)
    y = x.sin() * x
    (d1,) = tg.autograd.grad(y, x, create_graph=True)
    (d2,) = tg.autograd.grad(d1, x, create_graph=True)
    (d3,) = tg.autograd.grad(d2, x)
    v = 0.7
    assert d1.item() == pytest.approx(np.sin(v) + v * np.cos(v), abs=1e-14)
    assert d2.item() == pytest.approx(2 * np.cos(v) - v * np.sin(v), abs=1e-14)
    assert d3.item() == pytest.approx(-3 * np.sin(v) - v * np.cos(v), abs=1e-14)
    assert x.grad is None


def test_autograd_grad_with_respect_to_an_intermediate_result():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum() + x.sum()  # the direct path through x is not a path through h
    (gh,) = tg.autograd.grad(y, h)
    np.testing.assert_allclose(gh.data, 2 * np.array([3.0, 6.0]))


def test_autograd_grad_sums_over_several_outputs_with_grad_outputs():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    a, b = x * 2, x * x
    (g,) = tg.autograd.grad([a, b], x, grad_outputs=[np.array([1.0, 1.0]), np.array([0.5, 2.0])])
    np.testing.assert_allclose(g.data, [2 + 0.5 * 2, 2 + 2 * 4])


def test_autograd_grad_unused_input_raises_unless_allowed():
    x = tg.Tensor([1.0], requires_grad=True)
    z = tg.Tensor([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used.*allow_unused"):
        tg.autograd.grad((x * 2).sum(), [x, z], retain_graph=True)
    gx, gz = tg.autograd.grad((x * 2).sum(), [x, z], allow_unused=True)
    assert gz is None and gx.item() == 2.0
    _, gz = tg.autograd.grad((x * 2).sum(), [x, z], materialize_grads=True)
    np.testing.assert_array_equal(gz.data, [0.0])


def test_autograd_grad_errors_name_the_problem():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"implicitly.*shape \(2,\).*grad_outputs"):
        tg.autograd.grad(x * 2, x)
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(3,\).*\(2,\)"):
        tg.autograd.grad(x * 2, x, grad_outputs=np.ones(3))
    with pytest.raises(RuntimeError, match=r"output 0.*does not require grad"):
        tg.autograd.grad(tg.Tensor(1.0), x)
    with pytest.raises(RuntimeError, match=r"input 0.*does not require grad"):
        tg.autograd.grad((x * 2).sum(), tg.Tensor(1.0))
    with pytest.raises(TypeError, match=r"inputs\[0\] is a ndarray"):
        tg.autograd.grad((x * 2).sum(), [np.ones(2)])


def test_autograd_grad_frees_the_graph_unless_retained():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    tg.autograd.grad(y, x, retain_graph=True)
    tg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="already freed"):
        tg.autograd.grad(y, x)


def test_autograd_grad_visits_only_the_graph_leading_to_the_inputs():
    # backward for a part of the graph must leave the rest intact for a later backward
    w = tg.Parameter([1.0, 2.0])
    x = tg.Tensor([0.5, 0.25], requires_grad=True)
    e = (w * 3).exp()
    y = (e * x).sum()
    (gx,) = tg.autograd.grad(y, x)  # frees the nodes on the way to x only
    np.testing.assert_allclose(gx.data, np.exp([3.0, 6.0]))
    assert w.grad is None
    e.sum().backward()  # the branch to w was neither visited nor freed
    np.testing.assert_allclose(w.grad.data, 3 * np.exp([3.0, 6.0]))


def test_autograd_grad_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b, v = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))

    def f(lib, x, y):
        h = lib.tanh(x @ y)
        return h * h + lib.exp(0.1 * (x @ y))

    x, y = tg.Tensor(a, requires_grad=True), tg.Tensor(b, requires_grad=True)
    ours = tg.autograd.grad(f(np, x, y), [x, y], grad_outputs=v, create_graph=True)
    (ours2,) = tg.autograd.grad((ours[0] * ours[0]).sum(), y)
    tx, ty = (torch.tensor(m, requires_grad=True) for m in (a, b))
    theirs = torch.autograd.grad(f(torch, tx, ty), [tx, ty], torch.tensor(v), create_graph=True)
    (theirs2,) = torch.autograd.grad((theirs[0] * theirs[0]).sum(), ty)
    for o, t in zip([*ours, ours2], [*theirs, theirs2], strict=True):
        np.testing.assert_allclose(o.data, t.detach().numpy(), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# nesting tg.grad


def test_grad_of_grad_is_the_second_derivative():
    assert tg.grad(tg.grad(lambda x: x**4))(2.0) == pytest.approx(48.0, abs=1e-12)


def test_enclosing_scope_is_exact():
    # HIPS autograd's test_enclosing_scope_ref: fun(x) = x * d/dy (x y) = x², so fun'(1) = 2
    def fun(x):
        return x * tg.grad(lambda y: x * y)(2.0)

    assert tg.grad(fun)(1.0) == pytest.approx(2.0, abs=1e-15)
    assert tg.gradcheck(fun, np.array(1.3))


def test_inner_variable_is_not_confused_with_the_outer_one():
    # d/dx [x · (d/dy (x + y) at y = x)] = d/dx [x · 1] = 1 (perturbation confusion gives 2)
    assert tg.grad(lambda x: x * tg.grad(lambda y: x + y)(x))(1.0) == pytest.approx(1.0)


def test_top_level_grad_returns_arrays_nested_grad_returns_tensors():
    seen = []

    def outer(x):
        g = tg.grad(lambda y: (y * y).sum())(x)
        seen.append(type(g))
        return (g * x).sum()

    assert isinstance(tg.grad(outer)(np.array([1.0, 2.0])), np.ndarray)
    assert seen == [tg.Tensor]
    value, g = tg.value_and_grad(lambda x: (x * x).sum())(np.array([1.0, 2.0]))
    assert isinstance(value, np.floating) and isinstance(g, np.ndarray)


def test_grad_never_touches_grad_of_outer_tensors():
    w = tg.Parameter([1.0, 2.0])
    x = np.array([3.0, 4.0])
    g = tg.grad(lambda v: (v * w).sum())(x)
    np.testing.assert_array_equal(g, [1.0, 2.0])
    assert w.grad is None
    p = tg.Parameter([0.5, 1.5])
    tg.grad(lambda v: (v * p).sum())(p)  # a Parameter as the argument: a Tensor back, no .grad
    assert p.grad is None


def test_grad_of_a_tensor_that_requires_grad_can_be_differentiated_further():
    # meta-learning: the loss after one inner gradient step, differentiated by backward
    w = tg.Parameter([1.0, -2.0])
    step = w - 0.1 * tg.grad(lambda v: (v**3).sum())(w)
    loss = (step * step).sum()
    loss.backward()
    v = np.array([1.0, -2.0])
    expected = 2 * (v - 0.3 * v**2) * (1 - 0.6 * v)
    np.testing.assert_allclose(w.grad.data, expected, rtol=1e-14)


THIRD = [  # f(a, x), f'''(x) in closed form
    (lambda a, x: np.sin(a * x), lambda a, x: -(a**3) * np.cos(a * x)),
    (lambda a, x: np.exp(a * x), lambda a, x: a**3 * np.exp(a * x)),
    (lambda a, x: a * x**4, lambda a, x: 24 * a * x),
    (lambda a, x: x * np.sin(a * x), lambda a, x: -3 * a**2 * np.sin(a * x) - a**3 * x * np.cos(a * x)),
    (lambda a, x: np.log(x) * a, lambda a, x: 2 * a / x**3),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(THIRD)))
@settings(max_examples=15)
@given(a=SMALL, x=POSITIVE)
def test_third_derivative_by_nested_grad_matches_the_closed_form(case, a, x):
    f, f3 = THIRD[case]
    ours = tg.grad(tg.grad(tg.grad(lambda t: f(a, t))))(x)
    assert ours == pytest.approx(f3(a, x), rel=1e-10, abs=1e-10)


@settings(max_examples=15)
@given(a=SMALL, b=SMALL)
def test_mixed_partials_with_argnum_tuples(a, b):
    # f = a² b³: ∂³f/∂a²∂b = 6 b², and grad with argnum=(0, 1) returns both partials
    def f(x, y):
        return x**2 * y**3

    da, db = tg.grad(f, argnum=(0, 1))(a, b)
    assert (da, db) == (pytest.approx(2 * a * b**3), pytest.approx(3 * a**2 * b**2))
    daab = tg.grad(lambda x, y: tg.grad(tg.grad(f, 0), 0)(x, y), argnum=1)(a, b)
    assert daab == pytest.approx(6 * b**2, rel=1e-12, abs=1e-12)


def test_argnum_is_validated():
    with pytest.raises(ValueError, match="distinct"):
        tg.grad(lambda x, y: x * y, argnum=(0, 0))(1.0, 2.0)
    with pytest.raises(TypeError, match="argnum"):
        tg.grad(lambda x: x, argnum="0")(1.0)
    with pytest.raises(TypeError, match="argnum must be an int"):
        tg.jacobian(lambda x: x, argnum=(0,))


# ---------------------------------------------------------------------------------------------
# jacobian, hessian, hvp, elementwise_grad against central differences


def vector_f(x):
    return np.stack([np.sin(x[0]) * x[1], x[0] ** 2 + np.exp(x[1] / 3), x[1] * x[0] ** 3])


def np_vector_f(x):
    return np.array([np.sin(x[0]) * x[1], x[0] ** 2 + np.exp(x[1] / 3), x[1] * x[0] ** 3])


@settings(max_examples=20)
@given(hnp.arrays(np.float64, 2, elements=SMALL))
def test_jacobian_matches_central_differences(x):
    jac = tg.jacobian(lambda t: tg.stack([t[0].sin() * t[1], t[0] ** 2 + (t[1] / 3).exp(),
                                          t[1] * t[0] ** 3]))(x)  # fmt: skip
    assert jac.shape == (3, 2)
    np.testing.assert_allclose(jac, central(np_vector_f, x), rtol=1e-6, atol=1e-6)


@settings(max_examples=20)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=3), elements=SMALL))
def test_jacobian_shape_is_out_shape_plus_in_shape(x):
    def f(t):
        return tg.tanh(t) * 2 + t.sum()

    jac = tg.jacobian(f)(x)
    assert jac.shape == x.shape + x.shape
    np.testing.assert_allclose(jac, central(lambda a: np.tanh(a) * 2 + a.sum(), x), atol=1e-6)


@settings(max_examples=20)
@given(hnp.arrays(np.float64, 2, elements=SMALL), hnp.arrays(np.float64, 2, elements=SMALL))
def test_hvp_is_the_hessian_times_v(x, v):
    hv = tg.hvp(fx)(x, v)
    np.testing.assert_allclose(hv, tg.hessian(fx)(x) @ v, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(hv, central(lambda a: tg.grad(fx)(a) @ v, x), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(tg.grad(lambda a: tg.grad(fx)(a) @ v)(x), hv, rtol=1e-12, atol=1e-12)


def test_hvp_checks_the_shape_of_v():
    with pytest.raises(ValueError, match=r"v has shape \(3,\).*\(2,\)"):
        tg.hvp(fx)(np.zeros(2), np.zeros(3))


@settings(max_examples=20)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4), elements=SMALL))
def test_elementwise_grad_is_the_derivative_at_every_point(x):
    d = tg.elementwise_grad(lambda t: np.sin(t) * t)(x)
    assert np.shape(d) == x.shape
    np.testing.assert_allclose(d, np.cos(x) * x + np.sin(x), rtol=1e-13, atol=1e-13)
    d2 = tg.elementwise_grad(tg.elementwise_grad(np.tanh))(x)
    np.testing.assert_allclose(d2, -2 * np.tanh(x) / np.cosh(x) ** 2, rtol=1e-10, atol=1e-12)


def test_hessian_of_a_function_with_closure_and_extra_argument():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])

    def quad(x, scale):
        return scale * (x @ (a @ x)) / 2

    np.testing.assert_allclose(tg.hessian(quad)(np.array([0.3, -0.2]), 2.0), 2 * a, rtol=1e-14)


def test_gradcheck_of_a_function_that_takes_a_gradient_inside():
    assert tg.gradcheck(lambda x: tg.grad(lambda y: (y**3).sum())(x) * x, np.array([0.5, -1.2]))


def test_grad_frees_the_graph_it_built():
    import weakref

    refs = []

    def f(x):
        mid = x * 2
        refs.append(weakref.ref(mid))
        return (mid * mid).sum()

    tg.grad(f)(np.ones(3))
    tg.hvp(f)(np.ones(3), np.ones(3))
    assert refs and all(r() is None for r in refs)


def test_a_hessian_inside_a_gradient_is_differentiable():
    # f = Σ xᵢ⁴: the Hessian is diag(12 xᵢ²), its sum 12 Σ xᵢ², whose gradient is 24 x
    x = np.array([0.5, -1.5, 2.0])
    g = tg.grad(lambda t: tg.hessian(lambda u: (u**4).sum())(t).sum())(x)
    np.testing.assert_allclose(g, 24 * x, rtol=1e-13)
    j = tg.jacobian(lambda t: tg.jacobian(lambda u: u**3)(t).sum(axis=0))(x)
    np.testing.assert_allclose(j, np.diag(6 * x), rtol=1e-13)


def test_autograd_grad_results_share_memory_with_nothing():
    a, b = tg.Tensor(np.ones((2, 3)), requires_grad=True), tg.Tensor(np.ones(6), requires_grad=True)
    seed = np.arange(6.0).reshape(2, 3)
    ga, gb = tg.autograd.grad(a + b.reshape(2, 3), [a, b], grad_outputs=seed)
    assert not np.shares_memory(ga.data, seed) and not np.shares_memory(gb.data, seed)
    assert not np.shares_memory(ga.data, gb.data)
    np.testing.assert_array_equal(gb.data, seed.reshape(6))


def test_gradcheck_takes_a_tuple_of_outputs():
    x = np.random.default_rng(0).normal(size=6)
    assert tg.gradcheck(lambda t: np.split(t * t, 3), x)
    with pytest.raises(tg.GradcheckError):
        tg.gradcheck(lambda t: (t * t, tg.Tensor(t.detach().numpy())), x)  # second part: grad lost
