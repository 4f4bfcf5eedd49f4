"""Test functions: every listed minimum has the listed value and a zero gradient by autodiff."""

import numpy as np
import pytest

import tinygrad_opt as tg
from tinygrad_opt import functions as F

from .post_code import fx, gfx

CASES = [(f, "global", x) for f in F.ALL.values() for x in f.minima] + [
    (f, "local", x) for f in F.ALL.values() for x in f.local_minima
]

LOCAL_VALUES = {  # the literature's values (shared/test-functions.md), to their printed digits
    "rastrigin": (0.99496, 1.98992), "ackley": (2.580,), "styblinski_tang": (-64.1956, -50.0589),
    "six_hump_camel": (-0.215464, 2.104250), "goldstein_price": (30.0, 84.0, 840.0),
}  # fmt: skip


@pytest.mark.parametrize("f, kind, x", CASES, ids=lambda v: getattr(v, "name", str(v)))
def test_listed_points_are_minima_with_the_listed_values(f, kind, x):
    value = float(f(x))
    if kind == "global":
        assert value == pytest.approx(f.minimum, abs=1e-9)
    else:
        assert value > f.minimum
        assert any(value == pytest.approx(v, rel=1e-5, abs=5e-4) for v in LOCAL_VALUES[f.name])
    if kind == "global" and not f.smooth_at_minima:
        return  # Ackley: a kink at the origin, no gradient there
    g = tg.grad(f)(x)
    np.testing.assert_allclose(g, 0.0, atol=1e-8)
    assert np.all(np.linalg.eigvalsh(tg.hessian(f)(x)) > 0)  # a minimum, not a saddle


@pytest.mark.parametrize("f", F.ALL.values(), ids=lambda f: f.name)
def test_functions_are_vectorized_over_columns(f):
    rng = np.random.default_rng(0)
    (lo0, hi0), (lo1, hi1) = f.domain
    pts = np.stack([rng.uniform(lo0, hi0, 7), rng.uniform(lo1, hi1, 7)])
    values = f(pts)
    assert values.shape == (7,)
    np.testing.assert_allclose(values, [f(pts[:, i]) for i in range(7)], rtol=1e-14)


def test_literature_values():
    assert F.himmelblau(np.array([-0.270845, -0.923039])) == pytest.approx(181.617, abs=1e-3)
    assert F.beale(np.array([0.0, 1.0])) == pytest.approx(14.203125)
    assert F.goldstein_price(np.array([0.0, -1.0])) == 3.0


def test_post_is_the_posts_function_with_its_gradient():
    x = np.array([0.4, -2.0])
    assert F.post(x) == fx(x)
    np.testing.assert_array_equal(F.post.gradient(x), gfx(x))
    np.testing.assert_allclose(F.post.minimiser, [1.0094916375, 1.6698305458], atol=1e-10)


def test_get():
    assert F.get("beale") is F.beale and F.get(F.beale) is F.beale
    with pytest.raises(ValueError, match=r"unknown test function 'nope'.*rosenbrock"):
        F.get("nope")
