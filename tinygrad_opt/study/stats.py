"""The study's statistics, as pure functions of plain numbers and lists.

- :func:`wilson`: a 95% interval for a success rate (Wilson's score interval);
- :func:`ert` and :func:`ert_bootstrap`: COCO's expected running time and its bootstrap interval;
- :func:`mcnemar`: the exact McNemar test for two methods' paired successes;
- :func:`ecdf`: the runtime distribution over (run, target) pairs that COCO plots.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["wilson", "ert", "ert_bootstrap", "mcnemar", "ecdf", "Z95"]

Z95 = 1.959963984540054  # the 97.5% quantile of the standard normal distribution


def wilson(successes, n, z=Z95):
    """Wilson's score interval for a binomial proportion, ``[lo, hi]``.

    $$\\frac{\\hat p + \\frac{z^2}{2n} \\pm z\\sqrt{\\frac{\\hat p(1-\\hat p)}{n} + \\frac{z^2}{4n^2}}}
    {1 + \\frac{z^2}{n}}, \\quad \\hat p = k/n.$$

    Unlike the normal ("Wald") interval it stays inside [0, 1] and is not empty at k = 0 or n.
    """
    if n <= 0:
        raise ValueError(f"wilson: n must be >= 1, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"wilson: successes must be in [0, n={n}], got {successes}")
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # at k = 0 (k = n) the bound is exactly 0 (1); rounding must not put it outside [0, 1]
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return [lo, hi]


def ert(costs, successes):
    """COCO's expected running time: the cost of all runs over the number of successes.

    ``costs[i]`` is what run i spent (its steps to the target when it succeeded, all its steps
    otherwise); ``successes[i]`` whether it reached the target. Returns None (infinite) when no
    run succeeded. $\\mathrm{ERT} = \\sum_i c_i / \\#\\mathrm{successes}$.
    """
    costs = np.asarray(costs, dtype=float)
    k = int(np.sum(successes))
    return None if k == 0 else float(np.sum(costs) / k)


def ert_bootstrap(costs, successes, rng, samples=1000, level=0.95):
    """A percentile bootstrap interval for the ERT: ``[lo, hi]``, None for an infinite end.

    Runs are resampled with replacement ``samples`` times using ``rng`` (a NumPy Generator,
    so the interval is reproducible); a resample without success has an infinite ERT.
    """
    costs = np.asarray(costs, dtype=float)
    ok = np.asarray(successes, dtype=bool)
    n = len(costs)
    if n == 0:
        return [None, None]
    idx = rng.integers(0, n, size=(samples, n))
    wins = ok[idx].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(wins > 0, costs[idx].sum(axis=1) / np.maximum(wins, 1), np.inf)
    tail = (1 - level) / 2 * 100
    # "lower"/"higher" pick observed values, so an infinite resample never becomes a NaN
    lo = np.percentile(values, tail, method="lower")
    hi = np.percentile(values, 100 - tail, method="higher")
    return [None if not np.isfinite(v) else float(v) for v in (lo, hi)]


def mcnemar(a, b):
    """The exact (binomial) McNemar test that two paired success rates are equal.

    ``a[i]``, ``b[i]``: whether method A, B succeeded on the i-th shared start. Only the
    discordant pairs count: n₁₀ (A only) and n₀₁ (B only); under the null each discordant pair
    is A's with probability ½, so the two-sided p-value is
    $\\min(1, 2\\,P[\\mathrm{Bin}(n_{10}+n_{01}, ½) \\le \\min(n_{10}, n_{01})])$.

    Returns a dict: n, both, neither, a_only, b_only, p_value.
    """
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"mcnemar: the paired outcomes differ in length, {a.shape} and {b.shape}")
    a_only, b_only = int(np.sum(a & ~b)), int(np.sum(~a & b))
    m, k = a_only + b_only, min(a_only, b_only)
    # the binomial tail in exact integer arithmetic, then one division
    tail = sum(math.comb(m, i) for i in range(k + 1))
    p = 1.0 if m == 0 else min(1.0, 2 * tail / 2**m)
    return {"n": int(a.size), "both": int(np.sum(a & b)), "neither": int(np.sum(~a & ~b)),
            "a_only": a_only, "b_only": b_only, "p_value": p}  # fmt: skip


def ecdf(hit_steps, budgets):
    """The fraction of (run, target) pairs reached within each budget (COCO's runtime ECDF).

    ``hit_steps``: for each run, its list of first-hit steps per target (None = never);
    ``budgets``: the step counts at which to evaluate. Returns a list of fractions.
    """
    hits = np.array([[np.inf if h is None else h for h in run] for run in hit_steps], dtype=float)
    if hits.size == 0:
        return [0.0 for _ in budgets]
    return [float(np.mean(hits <= b)) for b in budgets]
