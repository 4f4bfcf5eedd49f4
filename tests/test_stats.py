"""The study's statistics: Wilson intervals, ERT and its bootstrap, exact McNemar, ECDF."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_opt.study import stats

# Wilson 95% intervals recorded from scipy.stats.binomtest(k, n).proportion_ci(method="wilson")
WILSON = {(0, 10): (0.0, 0.27753279986288926), (5, 10): (0.236593090512564, 0.7634069094874361),
          (10, 10): (0.7224672001371109, 1.0), (3, 20): (0.05236874589621662, 0.3604188647407569)}  # fmt: skip


@pytest.mark.parametrize("k, n", list(WILSON))
def test_wilson_known_values(k, n):
    np.testing.assert_allclose(stats.wilson(k, n), WILSON[(k, n)], atol=1e-11)


def test_wilson_matches_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    for k, n in [(0, 7), (3, 20), (19, 20), (40, 40)]:
        ci = scipy_stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        np.testing.assert_allclose(stats.wilson(k, n), [ci.low, ci.high], atol=1e-6)


@settings(max_examples=50)
@given(st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_estimate_inside_the_unit_interval(kn):
    k, n = kn
    lo, hi = stats.wilson(k, n)
    assert 0 <= lo <= k / n <= hi <= 1


def test_ert_is_total_cost_over_successes():
    assert stats.ert([10, 20, 100, 100], [True, True, False, False]) == 115.0
    assert stats.ert([100, 100], [False, False]) is None
    assert stats.ert([7], [True]) == 7.0


def test_ert_bootstrap_is_seeded_and_brackets_the_estimate():
    costs, ok = [10, 12, 30, 100, 14, 100, 11, 9], [1, 1, 1, 0, 1, 0, 1, 1]
    a = stats.ert_bootstrap(costs, ok, np.random.default_rng(3))
    b = stats.ert_bootstrap(costs, ok, np.random.default_rng(3))
    assert a == b
    assert a[0] <= stats.ert(costs, ok) <= a[1]
    assert stats.ert_bootstrap([5, 5], [1, 1], np.random.default_rng(0)) == [5.0, 5.0]
    assert stats.ert_bootstrap([5, 5], [0, 0], np.random.default_rng(0)) == [None, None]
    lo, hi = stats.ert_bootstrap([5, 100, 100], [1, 0, 0], np.random.default_rng(0))
    assert lo is not None and hi is None  # some resamples have no success: infinite upper end


def test_mcnemar_exact():
    a = [True] * 6 + [False] * 4
    b = [False] * 6 + [True] * 1 + [False] * 3
    r = stats.mcnemar(a, b)
    assert (r["a_only"], r["b_only"], r["both"], r["neither"], r["n"]) == (6, 1, 0, 3, 10)
    # two-sided exact binomial: 2 P[Bin(7, 1/2) <= 1] = 2 * 8 / 128
    assert r["p_value"] == pytest.approx(16 / 128)
    assert stats.mcnemar([True, False], [True, False])["p_value"] == 1.0
    with pytest.raises(ValueError, match="differ in length"):
        stats.mcnemar([True], [True, False])


def test_mcnemar_matches_scipy_binomtest():
    scipy_stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.random(30) < 0.6, rng.random(30) < 0.4
        r = stats.mcnemar(a, b)
        m = r["a_only"] + r["b_only"]
        expected = 1.0 if m == 0 else scipy_stats.binomtest(r["a_only"], m, 0.5).pvalue
        assert r["p_value"] == pytest.approx(expected, rel=1e-9)


def test_ecdf():
    hits = [[1, 5, None], [2, None, None]]
    assert stats.ecdf(hits, [0, 1, 2, 5, 100]) == [0.0, 1 / 6, 2 / 6, 3 / 6, 3 / 6]
    assert stats.ecdf([], [1]) == [0.0]
    assert math.isclose(stats.Z95, 1.959963984540054)
