"""The post's three loops: its iteration counts and every logged iterate, on our optimizers."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import classic

from . import post_code as post

START = np.array([0, 0])
RUNS = {
    "adagrad": (lambda g, x: classic.adagrad(post.fx, g, x, ir=1000),
                lambda x: post.adagrad(post.fx, post.gfx, x, ir=1000), 562),
    "rmsprop": (lambda g, x: classic.rmsprop(post.fx, g, x, rho=0.8, ir=1000),
                lambda x: post.rmsprop(post.fx, post.gfx, x, rho=0.8, ir=1000), 30),
    "adam": (lambda g, x: classic.adam(g, x, alpha=0.1),
             lambda x: post.adam(post.gfx, x, alpha=0.1), 174),
}  # fmt: skip


@pytest.mark.parametrize("name", RUNS)
@pytest.mark.parametrize("gradient", ["hand-written", "autodiff"])
def test_the_posts_runs_are_reproduced(name, gradient):
    ours, theirs, count = RUNS[name]
    gfx = post.gfx if gradient == "hand-written" else tg.grad(post.fx)
    x, i, log = ours(gfx, START)
    x_ref, i_ref, log_ref = theirs(START)
    assert i == i_ref == count
    assert log.shape == log_ref.shape
    np.testing.assert_allclose(log, log_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(x, x_ref, rtol=0, atol=1e-9)


def test_the_posts_final_points():
    x, _, _ = classic.adagrad(post.fx, post.gfx, START, ir=1000)
    np.testing.assert_allclose(x, [1.00933, 1.66925], atol=1e-5)
    x, _, _ = classic.rmsprop(post.fx, post.gfx, START, rho=0.8, ir=1000)
    np.testing.assert_allclose(x, [1.00949, 1.66983], atol=1e-5)


@settings(max_examples=20)
@given(st.tuples(st.floats(-3, 3), st.floats(-3, 3)).map(np.array), st.sampled_from(sorted(RUNS)))
def test_loops_match_the_post_from_other_starts(x0, name):
    """Every iterate matches, except where the post's own RMSProp never converges.

    Our rules round in torch.optim's operation order, the post's code in its own; the two
    differ in the last bit. Where the post's RMSProp (no eps, fixed step) falls into an
    oscillation instead of converging, e.g. from (0, -1) with rho = 0.8, that last-bit
    difference grows about sevenfold per step, so no two implementations that round
    differently can agree there; such runs are left out.
    """
    ours, theirs, _ = RUNS[name]
    _, i_ref, log_ref = theirs(x0)
    converged = i_ref < 999
    assume(converged or name != "rmsprop")
    _, i, log = ours(post.gfx, x0)
    assert i == i_ref
    np.testing.assert_allclose(log, log_ref, rtol=0, atol=1e-9)


def test_iteration_limit_without_convergence():
    x, i, log = classic.adagrad(post.fx, post.gfx, START, ir=5)
    x_ref, i_ref, log_ref = post.adagrad(post.fx, post.gfx, START, ir=5)
    assert i == i_ref == 4 and log.shape == log_ref.shape == (5, 2)
    np.testing.assert_allclose(x, x_ref, atol=1e-12)
    x, t, log = classic.adam(post.gfx, START, ir=3)
    x_ref, t_ref, log_ref = post.adam(post.gfx, START, ir=3)
    assert t == t_ref == 3
    np.testing.assert_allclose(x, x_ref, atol=1e-12)
