"""Regression tests: NumPy's definitions, NumPy's argument binding, and gradients at the edges.

Each value at a kink is the one documented in docs/autodiff.md (PyTorch's convention).
"""

import warnings

import numpy as np
import pytest

import tinygrad_opt as tg

RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "a_shape, b_shape",
    [((3, 2), (3, 2)), ((), ()), ((), (2, 3)), ((2, 3), ()), ((2, 3), (4, 3)), ((3,), (2, 4, 3))],
)
def test_inner_is_numpys_inner(a_shape, b_shape):
    a, b = RNG.normal(size=a_shape), RNG.normal(size=b_shape)
    got = np.inner(tg.Parameter(a), tg.Parameter(b))
    expected = np.inner(a, b)
    assert got.shape == np.shape(expected)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-13)


@pytest.mark.parametrize("ord_", [None, "fro", "nuc", 2, -2, 1, -1, np.inf, -np.inf])
def test_matrix_norms_are_exact(ord_):
    x = RNG.normal(size=(3, 4))
    got = np.linalg.norm(tg.Parameter(x), ord=ord_, axis=(0, 1))
    assert got.item() == pytest.approx(np.linalg.norm(x, ord=ord_, axis=(0, 1)), rel=1e-13)


def test_spectral_norm_gradient_is_the_top_singular_pair():
    x = RNG.normal(size=(3, 4))
    u, _, vh = np.linalg.svd(x)
    np.testing.assert_allclose(
        tg.grad(lambda t: np.linalg.norm(t, 2))(x), np.outer(u[:, 0], vh[0]), atol=1e-12
    )


@pytest.mark.parametrize("ord_", [None, 0, 1, 2, 3, 0.5, -1, np.inf, -np.inf])
def test_vector_norms_are_exact(ord_):
    x = RNG.normal(size=5)
    assert np.linalg.norm(tg.Tensor(x), ord_).item() == pytest.approx(
        np.linalg.norm(x, ord_), rel=1e-13
    )


def test_var_and_std_bind_numpys_positional_arguments():
    x = RNG.normal(size=(4, 3))
    t = tg.Parameter(x)
    for fn in (np.var, np.std):
        got = fn(t, 0, None, None, 1)  # a, axis, dtype, out, ddof
        np.testing.assert_allclose(got.numpy(), fn(x, 0, None, None, 1), rtol=1e-13)
        got = fn(t, 0, None, None, 1, True)  # ... keepdims
        assert got.shape == (1, 3)
        np.testing.assert_allclose(fn(t, correction=1).item(), fn(x, ddof=1), rtol=1e-13)


def test_an_unsupported_argument_is_refused_by_name():
    t = tg.Parameter([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numpy\.mean: the argument out="):
        np.mean(t, 0, None, np.zeros(()))
    with pytest.raises(TypeError, match=r"numpy\.sort: .*order"):
        np.sort(t, order="x")
    with pytest.raises(TypeError, match=r"numpy\.pad: the argument mode='median'"):
        np.pad(t, 1, mode="median")
    with pytest.raises(TypeError, match=r"numpy\.linalg\.cholesky: the argument upper=True"):
        np.linalg.cholesky(tg.Parameter(np.eye(2)), upper=True)


def test_power_with_exponent_zero_has_zero_gradient_at_zero():
    assert tg.grad(lambda x: np.power(x, 0.0))(0.0) == 0.0
    assert tg.grad(lambda x: x**0)(0.0) == 0.0
    np.testing.assert_array_equal(
        tg.grad(lambda x: np.power(x, np.array([0.0, 2.0])).sum())(np.zeros(2)), [0, 0]
    )


@pytest.mark.parametrize("fn", [np.std, np.var, lambda x: np.std(x, ddof=0) + np.var(x)])
def test_std_and_var_at_zero_spread_have_zero_gradient(fn):
    assert tg.grad(fn)(3.5) == 0.0
    np.testing.assert_array_equal(tg.grad(fn)(np.full(3, 2.0)), np.zeros(3))


def test_norms_at_zero_have_zero_gradient():
    for ord_ in (None, 1, 2, 3, 0.5, np.inf):
        np.testing.assert_array_equal(
            tg.grad(lambda x, o=ord_: np.linalg.norm(x, o))(np.zeros(3)), np.zeros(3)
        )
    np.testing.assert_array_equal(tg.grad(lambda x: np.hypot(x[0], x[1]))(np.zeros(2)), [0, 0])


def test_sqrt_at_zero_is_infinite_as_in_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert tg.grad(np.sqrt)(0.0) == np.inf


def test_kinks_take_the_documented_values():
    g = tg.grad
    assert g(np.abs)(0.0) == 0.0
    assert g(tg.relu)(0.0) == 0.0
    np.testing.assert_array_equal(g(np.max)(np.array([1.0, 3.0, 3.0])), [0, 0.5, 0.5])
    np.testing.assert_array_equal(
        g(lambda x: np.maximum(x[0], x[1]))(np.array([2.0, 2.0])), [0.5, 0.5]
    )
    np.testing.assert_array_equal(g(lambda x: np.clip(x, 0, 1).sum())(np.array([0.0, 1.0])), [1, 1])
    np.testing.assert_array_equal(g(lambda x: np.sort(x)[0])(np.array([1.0, 1.0])), [1, 0])
    np.testing.assert_array_equal(g(lambda x: np.floor(x) + np.sign(x) + np.round(x))(0.5), 0.0)
    assert g(np.sinc)(0.0) == 0.0
    assert g(lambda b: np.mod(5.0, b))(2.0) == -2.0


def test_prod_and_cumprod_are_exact_with_zeros():
    np.testing.assert_array_equal(tg.grad(np.prod)(np.array([0.0, 2.0, 3.0])), [6, 0, 0])
    np.testing.assert_array_equal(tg.grad(np.prod)(np.array([0.0, 0.0, 3.0])), [0, 0, 0])
    np.testing.assert_array_equal(
        tg.hessian(np.prod)(np.array([0.0, 2.0, 4.0])), [[0, 4, 2], [4, 0, 0], [2, 0, 0]]
    )
    np.testing.assert_array_equal(
        tg.grad(lambda x: np.cumprod(x).sum())(np.array([2.0, 0.0, 3.0])), [1, 8, 0]
    )


def test_the_griewank_function_differentiates():
    def griewank(x):
        i = np.arange(1, x.size + 1)
        return 1 + np.sum(x**2) / 4000 - np.prod(np.cos(x / np.sqrt(i)))

    x = np.array([0.5, -1.0, 2.0])
    assert tg.gradcheck(griewank, x)


def test_singular_and_degenerate_linear_algebra_refuses():
    with pytest.raises(np.linalg.LinAlgError):
        tg.grad(np.linalg.det)(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="repeat"):
        tg.grad(lambda a: np.linalg.eigh(a)[1][0, 0])(np.eye(2))
    with pytest.raises(TypeError, match="full_matrices"):
        np.linalg.svd(tg.Parameter(np.ones((2, 3))))


def test_results_follow_numpys_types():
    p = tg.Parameter(np.arange(4.0).reshape(2, 2))
    assert isinstance(np.linalg.slogdet(p + np.eye(2)), type(np.linalg.slogdet(np.eye(2))))
    w, v = np.linalg.eigh(p + p.T)
    assert isinstance(w, tg.Tensor) and isinstance(v, tg.Tensor)
    assert type(np.argmax(p)) is type(np.argmax(np.eye(2)))
    assert type(np.zeros_like(p)) is np.ndarray


def test_percent_operator_is_numpys_remainder():
    p = tg.Parameter([5.5, -5.5])
    np.testing.assert_array_equal((p % 2.0).numpy(), np.array([5.5, -5.5]) % 2.0)
    np.testing.assert_array_equal((7.0 % p).numpy(), 7.0 % np.array([5.5, -5.5]))


def test_scipy_rosenbrock_gradient_and_hessian():
    optimize = pytest.importorskip("scipy.optimize")

    def rosen(x):  # SciPy's own expression of optimize.rosen
        return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)

    for x in (np.array([0.3, -1.2, 0.8, 2.0]), np.array([-1.5, 0.5, 1.1])):
        np.testing.assert_allclose(tg.grad(rosen)(x), optimize.rosen_der(x), rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(
            tg.hessian(rosen)(x), optimize.rosen_hess(x), rtol=1e-10, atol=1e-10
        )


def test_median_of_a_slice_with_nan_is_nan_as_numpy():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 4.0]])
    np.testing.assert_array_equal(np.median(tg.Tensor(x), axis=1).numpy(), np.median(x, axis=1))


@pytest.mark.parametrize(
    "name, args",
    [
        ("prod", ()),
        ("prod", (0,)),
        ("cumsum", ()),
        ("cumsum", (1,)),
        ("cumprod", (0,)),
        ("trace", ()),
        ("diagonal", (1,)),
        ("repeat", (2, 0)),
        ("take", ([0, 3],)),
        ("round", (1,)),
        ("copy", ()),
        ("ravel", ()),
        ("var", ()),
        ("std", ()),
    ],
)
def test_ndarray_methods_match_numpy_and_differentiate(name, args):
    x = np.array([[1.3, -2.0, 0.7], [0.0, 3.0, 1.6]])  # no rounding ties
    t = tg.Parameter(x)
    got = getattr(t, name)(*args)
    np.testing.assert_allclose(got.numpy(), getattr(x, name)(*args), rtol=1e-13)
    assert tg.gradcheck(lambda a: getattr(a, name)(*args), x)


def test_no_gradient_methods_return_numpys_results():
    x = np.array([[1.0, 0.0], [3.0, 2.0]])
    t = tg.Parameter(x)
    np.testing.assert_array_equal(t.argsort(), x.argsort())
    assert t.any() == x.any() and t.all() == x.all() and t.tolist() == x.tolist()
    np.testing.assert_array_equal(t.nonzero(), x.nonzero())


def test_var_and_std_with_ddof_past_the_count_match_numpy():
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.std(tg.Tensor(x), ddof=3).item() == np.std(x, ddof=3)
        assert np.var(tg.Tensor(x), ddof=3).item() == np.var(x, ddof=3)


def test_dot_method_and_tg_dot_follow_numpy_for_n_d_operands():
    a, b = RNG.normal(size=(2, 2, 3)), RNG.normal(size=(2, 3, 4))
    np.testing.assert_allclose(tg.Tensor(a).dot(b).numpy(), a.dot(b), rtol=1e-13)
    np.testing.assert_allclose(tg.dot(a, tg.Tensor(b)).numpy(), np.dot(a, b), rtol=1e-13)
    assert tg.gradcheck(lambda x, y: x.dot(y), a, b)


@pytest.mark.parametrize("spec", ["...i->i", "...->", "i...->"])
def test_einsum_refuses_what_numpy_refuses_an_ellipsis_without_output(spec):
    x = np.arange(6.0).reshape(2, 3)
    with pytest.raises(ValueError):
        np.einsum(spec, x)
    with pytest.raises(ValueError, match="ellipsis"):
        np.einsum(spec, tg.Tensor(x, requires_grad=True))
    # where the ellipsis stands for no axis, NumPy accepts it and so do we
    v = np.arange(3.0)
    np.testing.assert_array_equal(
        np.einsum("...i->i", tg.Tensor(v)).numpy(), np.einsum("...i->i", v)
    )
