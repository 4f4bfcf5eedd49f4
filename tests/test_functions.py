"""Test functions: every listed minimum is one (value, gradient, Hessian), N-D, instances, custom."""

import numpy as np
import pytest

import tinygrad_opt as tg
from tinygrad_opt import functions as F
from tinygrad_opt.study.runner import _autodiff_columns

from .post_code import fx, gfx

CASES = [(f, "global", x) for f in F.ALL.values() for x in f.minima] + [
    (f, "local", x) for f in F.ALL.values() for x in f.local_minima
]

LOCAL_VALUES = {  # the literature's values (shared/test-functions.md), to their printed digits
    "rastrigin": (0.99496, 1.98992), "ackley": (2.580,), "styblinski_tang": (-64.1956, -50.0589),
    "six_hump_camel": (-0.215464, 2.104250), "goldstein_price": (30.0, 84.0, 840.0),
    "three_hump_camel": (0.298638,),
}  # fmt: skip

# published f* to the digits printed in Surjanovic & Bingham / Jamil & Yang
PUBLISHED_DIGITS = {"schwefel": 5e-5, "michalewicz": 1e-4, "branin": 1e-6, "cross_in_tray": 1e-5,
                    "eggholder": 1e-4, "holder_table": 1e-4, "mccormick": 1e-4, "shubert": 1e-4}  # fmt: skip


def _free(f, x):
    lo, hi = np.array(f.domain).T
    return ~(np.isclose(x, lo, rtol=0, atol=1e-12) | np.isclose(x, hi, rtol=0, atol=1e-12))


def test_at_least_25_functions_with_minima():
    assert len(F.ALL) >= 25
    for f in F.ALL.values():
        assert f.dim == 2 and len(f.minima) >= 1 and f.minimum is not None


@pytest.mark.parametrize("f, kind, x", CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_listed_points_are_minima_with_the_listed_values(f, kind, x):
    value = float(f(x))
    if kind == "global":
        assert abs(value - f.minimum) <= 1e-8  # f(x*) = f* to the study's smallest target
    else:
        assert value > f.minimum
        assert any(value == pytest.approx(v, rel=1e-5, abs=5e-4) for v in LOCAL_VALUES[f.name])
    if kind == "global" and not f.smooth_at_minima:
        return  # Ackley and Drop-wave: no gradient at the origin; checked by neighbours below
    free = _free(f, x)
    g = tg.grad(f)(x)
    np.testing.assert_allclose(g[free], 0.0, atol=1e-8 * max(1.0, abs(f.minimum)))
    lo, hi = np.array(f.domain).T
    on_hi, on_lo = np.isclose(x, hi, rtol=0, atol=1e-12), np.isclose(x, lo, rtol=0, atol=1e-12)
    assert np.all(g[on_hi] <= 0) and np.all(g[on_lo] >= 0)  # descent leads out of the domain
    h = tg.hessian(f)(x)[np.ix_(free, free)]
    assert np.all(np.linalg.eigvalsh(h) >= -1e-8 * max(1.0, np.abs(h).max()))  # PSD: not a saddle


@pytest.mark.parametrize("f", [F.ackley, F.drop_wave], ids=lambda f: f.name)
def test_kinked_minima_are_lower_than_every_neighbour(f):
    x = f.minima[0]
    angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    for r in (1e-6, 1e-3, 1e-1):
        ring = x[:, None] + r * np.stack([np.cos(angles), np.sin(angles)])
        assert np.all(f(ring) > f.minimum)


@pytest.mark.parametrize("f", F.ALL.values(), ids=lambda f: f.name)
def test_refined_f_star_agrees_with_the_published_value(f):
    assert f.minimum == pytest.approx(f.published_f_star, abs=PUBLISHED_DIGITS.get(f.name, 1e-9))


@pytest.mark.parametrize("name", list(F.ALL))
def test_fast_gradient_equals_autodiff_and_columns_are_independent(name):
    for dim, instance in [(2, 0), (2, 1), (6, 0), (6, 3)]:
        try:
            f = F.get(name, dim=dim, instance=instance)
        except ValueError:
            continue
        rng = np.random.default_rng(dim + instance)
        lo, hi = np.array(f.domain).T
        X = lo[:, None] + (hi - lo)[:, None] * rng.random((f.dim, 9))
        values, grads = f.value_and_grad(X)
        v_ad, g_ad = _autodiff_columns(f, X)
        np.testing.assert_allclose(values, v_ad, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(grads, g_ad, rtol=1e-9, atol=1e-9 * max(1.0, np.abs(g_ad).max()))
        np.testing.assert_allclose(f(X), [f(X[:, i]) for i in range(9)], rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", F.SCALABLE)
def test_scalable_functions_in_ten_dimensions(name):
    f = F.get(name, dim=10)
    assert f.dim == 10 and len(f.domain) == 10 and f.minima.shape[1] == 10
    for x in f.minima:
        assert abs(float(f(x)) - f.minimum) <= 1e-8
        if f.smooth_at_minima:
            np.testing.assert_allclose(
                tg.grad(f)(x)[_free(f, x)], 0.0, atol=1e-8 * max(1.0, abs(f.minimum))
            )
    # Schwefel's constant 418.9829 is rounded: f* = 1.27e-5 per dimension instead of 0
    assert f.minimum == pytest.approx(f.published_f_star, abs=2e-4 if name == "schwefel" else 1e-8)
    assert F.get(name, dim=2).minimum == pytest.approx(F.get(name).minimum, abs=0)


def test_nd_formulas_match_the_2d_textbook_forms():
    rng = np.random.default_rng(1)
    for name in ("rosenbrock", "ackley"):
        x = rng.uniform(-1, 1, 2)
        assert F.get(name, dim=2)(x) == pytest.approx(float(F.get(name)(x)))
    # Rosenbrock in 3-D: the sum of two textbook terms
    x = np.array([0.3, -0.2, 0.7])
    expected = F.rosenbrock(x[:2]) + F.rosenbrock(x[1:])
    assert F.get("rosenbrock", dim=3)(x) == pytest.approx(float(expected))


@pytest.mark.parametrize("name", ["himmelblau", "rastrigin", "six_hump_camel", "sphere"])
def test_instances_move_their_minima_and_are_seeded(name):
    f0, f1 = F.get(name), F.get(name, instance=1)
    assert F.get(name, instance=0) is f0 and f1.instance == 1
    assert not np.allclose(f1.minima[0], f0.minima[0])
    assert f1.minimum == f0.minimum
    for x in f1.all_minima:
        (lo0, hi0), (lo1, hi1) = f1.domain
        assert lo0 <= x[0] <= hi0 and lo1 <= x[1] <= hi1  # every minimum inside the domain
    for x in f1.minima:
        assert abs(float(f1(x)) - f1.minimum) <= 1e-8
        np.testing.assert_allclose(tg.grad(f1)(x), 0.0, atol=1e-7)
    # seeded: the same instance again is the same function; another instance differs
    x = np.array([0.3, -0.4])
    assert F.get(name, instance=1)(x) == f1(x)
    assert F.get(name, instance=2)(x) != f1(x)


def test_ten_dimensional_instance():
    f = F.get("styblinski_tang", dim=10, instance=4)
    assert abs(float(f(f.minima[0])) - f.minimum) <= 1e-8


def test_custom_function_vectorized_or_not():
    def bowl(x):
        return (x[0] - 1) ** 2 + 2 * (x[1] + 0.5) ** 2

    def not_vectorized(x):  # a dot product over all entries: wrong on a batch of columns
        d = x - np.array([1.0, -0.5])
        return float(d @ d) if isinstance(d, np.ndarray) else d @ d

    for func in (bowl, not_vectorized):
        f = F.custom(func, [(-3, 3), (-3, 3)], minima=[(1, -0.5)])
        assert f.minimum == 0.0 and f.name == func.__name__
        X = np.array([[0.0, 2.0], [0.0, 1.0]])
        expected = [[-2, 2], [2, 6]] if func is bowl else [[-2, 2], [1, 3]]
        np.testing.assert_allclose(_autodiff_columns(f, X)[1], expected)
    assert F.custom(bowl, [(-3, 3), (-3, 3)]).vectorized
    assert not F.custom(not_vectorized, [(-3, 3), (-3, 3)]).vectorized
    assert F.custom(bowl, [(-3, 3), (-3, 3)], f_star=-1.0).minimum == -1.0


def test_bad_input():
    with pytest.raises(ValueError, match=r"unknown test function 'nope'.*rosenbrock"):
        F.get("nope")
    with pytest.raises(ValueError, match=r"dim must be an integer >= 1"):
        F.get("sphere", dim=0)
    with pytest.raises(ValueError, match=r"2 dimensions only.*dim=3"):
        F.get("himmelblau", dim=3)
    with pytest.raises(ValueError, match="instance must be"):
        F.get("sphere", instance=-1)
    with pytest.raises(ValueError, match="no instances other than 0"):
        F.get("eggholder", instance=1)
    with pytest.raises(ValueError, match="needs a domain"):
        F.custom(lambda x: x[0] ** 2, None)
    with pytest.raises(ValueError, match=r"domain\[0\] = \(1.0, 1.0\) needs finite low < high"):
        F.custom(lambda x: x[0] ** 2, [(1, 1)])
    with pytest.raises(ValueError, match="2 coordinates"):
        F.custom(lambda x: x[0] ** 2, [(0, 1), (0, 1)], minima=[(0, 0, 0)])
    with pytest.raises(ValueError, match="not near a minimiser"):
        F.refine(F.himmelblau, np.array([0.0, 0.0]))


def test_literature_values():
    assert F.himmelblau(np.array([-0.270845, -0.923039])) == pytest.approx(181.617, abs=1e-3)
    assert F.beale(np.array([0.0, 1.0])) == pytest.approx(14.203125)
    assert F.goldstein_price(np.array([0.0, -1.0])) == 3.0
    assert len(F.shubert.minima) == 18


def test_post_is_the_posts_function_with_its_gradient():
    x = np.array([0.4, -2.0])
    assert F.post(x) == fx(x)
    np.testing.assert_array_equal(F.post.gradient(x), gfx(x))
    np.testing.assert_allclose(F.post.minimiser, [1.0094916375, 1.6698305458], atol=1e-10)


def test_get():
    assert F.get("beale") is F.beale and F.get(F.beale) is F.beale
    assert tg.functions.get("levy", dim=10).dim == 10
