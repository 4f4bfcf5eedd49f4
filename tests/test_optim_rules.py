"""One step of each new update function against a plain transcription of its documented
formula (whole-array NumPy, no blocks, no scratch buffers), and Newton's quadratic convergence."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import optim
from tinygrad_opt.optim import optimizer as optimizer_module
from tinygrad_opt.optim.muon import round_to_bfloat16

RATE = st.floats(1e-4, 1.0)
UNIT = st.floats(0.0, 0.99)
SEEDS = st.integers(0, 2**32 - 1)
TOL = dict(rtol=1e-11, atol=1e-13)


def _arrays(seed, n=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=n), rng.uniform(0.01, 2.0, n), rng.normal(size=n)


@given(
    seed=SEEDS,
    lr=RATE,
    b1=UNIT,
    b2=UNIT,
    wd=UNIT,
    psi=st.floats(0, 0.1),
    decoupled=st.booleans(),
    maximize=st.booleans(),
    step=st.integers(1, 30),
)
def test_nadam(seed, lr, b1, b2, wd, psi, decoupled, maximize, step):
    theta, g, v, m = _arrays(seed)
    mu_prod = 0.5
    p, m1, v1 = theta.copy(), m.copy(), v.copy()
    new_prod = optim.nadam_update(
        p,
        g,
        m1,
        v1,
        step,
        mu_prod,
        lr=lr,
        beta1=b1,
        beta2=b2,
        eps=1e-8,
        weight_decay=wd,
        momentum_decay=psi,
        decoupled_weight_decay=decoupled,
        maximize=maximize,
    )
    d = -g if maximize else g
    base = theta * (1 - lr * wd) if decoupled else theta
    if not decoupled:
        d = d + wd * theta
    mu = b1 * (1 - 0.5 * 0.96 ** (step * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((step + 1) * psi))
    prod = mu_prod * mu
    m_new = b1 * m + (1 - b1) * d
    v_new = b2 * v + (1 - b2) * d * d
    denom = np.sqrt(v_new / (1 - b2**step)) + 1e-8
    expected = (
        base
        - lr * (1 - mu) / (1 - prod) * d / denom
        - lr * mu_next / (1 - prod * mu_next) * m_new / denom
    )
    assert new_prod == pytest.approx(prod, rel=1e-15)
    np.testing.assert_allclose(m1, m_new, **TOL)
    np.testing.assert_allclose(v1, v_new, **TOL)
    np.testing.assert_allclose(p, expected, rtol=1e-10, atol=1e-12)


@given(
    seed=SEEDS,
    lr=RATE,
    b1=UNIT,
    b2=st.floats(0.5, 0.999),
    wd=UNIT,
    decoupled=st.booleans(),
    maximize=st.booleans(),
    step=st.integers(1, 60),
)
def test_radam(seed, lr, b1, b2, wd, decoupled, maximize, step):
    theta, g, v, m = _arrays(seed)
    p, m1, v1 = theta.copy(), m.copy(), v.copy()
    optim.radam_update(
        p,
        g,
        m1,
        v1,
        step,
        lr=lr,
        beta1=b1,
        beta2=b2,
        eps=1e-8,
        weight_decay=wd,
        decoupled_weight_decay=decoupled,
        maximize=maximize,
    )
    d = -g if maximize else g
    base = theta * (1 - lr * wd) if decoupled else theta
    if not decoupled:
        d = d + wd * theta
    m_new = b1 * m + (1 - b1) * d
    v_new = b2 * v + (1 - b2) * d * d
    m_hat = m_new / (1 - b1**step)
    rho_inf = 2 / (1 - b2) - 1
    rho = rho_inf - 2 * step * b2**step / (1 - b2**step)
    if rho > 5:
        r = np.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        expected = base - lr * m_hat * r * np.sqrt(1 - b2**step) / (np.sqrt(v_new) + 1e-8)
    else:
        expected = base - lr * m_hat
    np.testing.assert_allclose(p, expected, rtol=1e-10, atol=1e-12)


@given(
    seed=SEEDS, lr=RATE, b1=UNIT, b2=UNIT, wd=UNIT, maximize=st.booleans(), step=st.integers(1, 30)
)
def test_adamax(seed, lr, b1, b2, wd, maximize, step):
    theta, g, u, m = _arrays(seed)
    p, m1, u1 = theta.copy(), m.copy(), u.copy()
    optim.adamax_update(
        p, g, m1, u1, step, lr=lr, beta1=b1, beta2=b2, eps=1e-8, weight_decay=wd, maximize=maximize
    )
    d = (-g if maximize else g) + wd * theta
    m_new = b1 * m + (1 - b1) * d
    u_new = np.maximum(b2 * u, np.abs(d) + 1e-8)
    np.testing.assert_allclose(u1, u_new, **TOL)
    np.testing.assert_allclose(
        p, theta - lr / (1 - b1**step) * m_new / u_new, rtol=1e-10, atol=1e-12
    )


@given(
    seed=SEEDS,
    lr=RATE,
    rho=st.floats(0, 1),
    eps=st.floats(1e-8, 1e-2),
    wd=UNIT,
    maximize=st.booleans(),
)
def test_adadelta(seed, lr, rho, eps, wd, maximize):
    theta, g, v, other = _arrays(seed)
    u = np.abs(other)
    p, v1, u1 = theta.copy(), v.copy(), u.copy()
    optim.adadelta_update(p, g, v1, u1, lr=lr, rho=rho, eps=eps, weight_decay=wd, maximize=maximize)
    d = (-g if maximize else g) + wd * theta
    v_new = rho * v + (1 - rho) * d * d
    delta = np.sqrt(u + eps) / np.sqrt(v_new + eps) * d
    np.testing.assert_allclose(v1, v_new, **TOL)
    np.testing.assert_allclose(u1, rho * u + (1 - rho) * delta**2, **TOL)
    np.testing.assert_allclose(p, theta - lr * delta, **TOL)


@given(
    seed=SEEDS, etaminus=st.floats(0.1, 0.9), etaplus=st.floats(1.1, 2.0), maximize=st.booleans()
)
def test_rprop(seed, etaminus, etaplus, maximize):
    theta, g, s, prev = _arrays(seed, 8)
    prev[::3] = 0.0
    p, prev1, s1 = theta.copy(), prev.copy(), s.copy()
    optim.rprop_update(
        p,
        g,
        prev1,
        s1,
        etaminus=etaminus,
        etaplus=etaplus,
        step_size_min=0.05,
        step_size_max=1.5,
        maximize=maximize,
    )
    d = -g if maximize else g
    prod = d * prev
    factor = np.where(prod > 0, etaplus, np.where(prod < 0, etaminus, 1.0))
    s_new = np.clip(s * factor, 0.05, 1.5)
    d = np.where(prod < 0, 0.0, d)
    np.testing.assert_allclose(s1, s_new, **TOL)
    np.testing.assert_array_equal(prev1, d)
    np.testing.assert_allclose(p, theta - np.sign(d) * s_new, **TOL)


@given(
    seed=SEEDS,
    lr=RATE,
    lambd=st.floats(0, 0.5),
    alpha=st.floats(0, 1),
    wd=UNIT,
    maximize=st.booleans(),
    step=st.integers(1, 20),
    t0=st.floats(0, 10),
    mu=st.floats(0.01, 1),
)
def test_asgd(seed, lr, lambd, alpha, wd, maximize, step, t0, mu):
    theta, g, _, ax = _arrays(seed)
    eta = 0.3
    p, ax1 = theta.copy(), ax.copy()
    new_eta, new_mu = optim.asgd_update(
        p,
        g,
        ax1,
        step,
        eta,
        mu,
        lr=lr,
        lambd=lambd,
        alpha=alpha,
        t0=t0,
        weight_decay=wd,
        maximize=maximize,
    )
    d = (-g if maximize else g) + wd * theta
    p_new = theta * (1 - lambd * eta) - eta * d
    np.testing.assert_allclose(p, p_new, **TOL)
    np.testing.assert_allclose(ax1, p_new if mu == 1 else ax + mu * (p_new - ax), **TOL)
    assert new_eta == pytest.approx(lr / (1 + lambd * lr * step) ** alpha, rel=1e-14)
    assert new_mu == 1 / max(1, step - t0)


@given(seed=SEEDS, lr=RATE, b1=UNIT, b2=UNIT, wd=UNIT, maximize=st.booleans())
def test_lion_is_the_papers_rule(seed, lr, b1, b2, wd, maximize):
    """Chen et al. 2023, Algorithm 2: update = sign(β₁m + (1−β₁)g); θ ← θ − η(update + λθ);
    m ← β₂m + (1−β₂)g."""
    theta, g, _, m = _arrays(seed)
    p, m1 = theta.copy(), m.copy()
    optim.lion_update(p, g, m1, lr=lr, beta1=b1, beta2=b2, weight_decay=wd, maximize=maximize)
    grad = -g if maximize else g
    update = np.sign(b1 * m + (1 - b1) * grad)
    np.testing.assert_allclose(p, theta - lr * (update + wd * theta), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m1, b2 * m + (1 - b2) * grad, **TOL)


@given(
    seed=SEEDS,
    lr=RATE,
    wd=UNIT,
    decay=st.floats(-1.0, -0.1),
    step=st.integers(1, 20),
    maximize=st.booleans(),
    d_clip=st.floats(1.0, 3.0),
    matrix=st.booleans(),
)
def test_adafactor(seed, lr, wd, decay, step, maximize, d_clip, matrix):
    rng = np.random.default_rng(seed)
    shape = (3, 4) if matrix else (5,)
    theta, g = rng.normal(size=shape), rng.normal(size=shape)
    eps1, eps2 = 1e-30, 1e-3
    w = step**decay
    rho = min(lr, step**-0.5)
    alpha = max(eps2, np.sqrt(np.mean(theta**2))) * rho
    G = -g if maximize else g
    p = theta.copy()
    if matrix:
        r0, c0 = rng.uniform(0.1, 1, (3, 1)), rng.uniform(0.1, 1, (1, 4))
        r1, c1 = r0.copy(), c0.copy()
        optim.adafactor_update(
            p,
            g,
            step,
            lr=lr,
            beta2_decay=decay,
            eps1=eps1,
            eps2=eps2,
            d=d_clip,
            weight_decay=wd,
            maximize=maximize,
            row_var=r1,
            col_var=c1,
        )
        R = r0 + w * (np.mean(G**2, axis=1, keepdims=True) - r0)
        C = c0 + w * (np.mean(G**2, axis=0, keepdims=True) - c0)
        V = R @ C / np.mean(R)
        np.testing.assert_allclose(r1, R, **TOL)
        np.testing.assert_allclose(c1, C, **TOL)
    else:
        v0 = rng.uniform(0.1, 1, shape)
        v1 = v0.copy()
        optim.adafactor_update(
            p,
            g,
            step,
            lr=lr,
            beta2_decay=decay,
            eps1=eps1,
            eps2=eps2,
            d=d_clip,
            weight_decay=wd,
            maximize=maximize,
            variance=v1,
        )
        V = v0 + w * (G**2 - v0)
    U = G / np.sqrt(np.maximum(V, eps1**2))
    expected = theta * (1 - lr * wd) - alpha / max(1, np.sqrt(np.mean(U**2)) / d_clip) * U
    np.testing.assert_allclose(p, expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=20)
@given(seed=SEEDS, momentum=UNIT, nesterov=st.booleans(), wd=UNIT, lr=RATE, tall=st.booleans())
def test_muon_in_float_precision(seed, momentum, nesterov, wd, lr, tall):
    rng = np.random.default_rng(seed)
    shape = (5, 3) if tall else (3, 5)
    theta, g, buf = rng.normal(size=shape), rng.normal(size=shape), rng.normal(size=shape)
    p, b1 = theta.copy(), buf.copy()
    optim.muon_update(
        p, g, b1, lr=lr, weight_decay=wd, momentum=momentum, nesterov=nesterov, precision="float"
    )
    B = momentum * buf + (1 - momentum) * g
    M = (1 - momentum) * g + momentum * B if nesterov else B
    X = M.T if tall else M
    X = X / np.linalg.norm(X)
    a, b, c = 3.4445, -4.7750, 2.0315
    for _ in range(5):
        A = X @ X.T
        X = a * X + (b * A + c * A @ A) @ X
    ortho = X.T if tall else X
    expected = theta * (1 - lr * wd) - lr * np.sqrt(max(1, shape[0] / shape[1])) * ortho
    np.testing.assert_allclose(b1, B, **TOL)
    np.testing.assert_allclose(p, expected, rtol=1e-9, atol=1e-11)


def test_bfloat16_rounding_is_to_nearest_even():
    x = np.array([1.0, 1 + 2**-8, 1 + 2**-7 + 2**-8, 1 + 2**-9, -3.0, np.inf], np.float32)
    got = round_to_bfloat16(x)
    np.testing.assert_array_equal(got, [1.0, 1.0, 1 + 2**-6, 1.0, -3.0, np.inf])


def test_blocks_give_what_one_pass_gives(monkeypatch):
    rng = np.random.default_rng(0)
    theta, g = rng.normal(size=1000), rng.normal(size=1000)
    for name, hyper in [
        ("nadam", {"weight_decay": 0.1}),
        ("radam", {}),
        ("adamax", {}),
        ("adadelta", {}),
        ("rprop", {}),
        ("asgd", {"t0": 1}),
        ("lion", {}),
    ]:
        results = []
        for block in (64, 10**6):
            monkeypatch.setattr(optimizer_module, "BLOCK", block)
            p = tg.Parameter(theta)
            opt = optim.get(name)([p], lr=0.01, **hyper)
            for k in range(8):
                p.grad = tg.Tensor(g * p.numpy() + np.cos(k))
                opt.step()
            results.append(p.numpy().copy())
        np.testing.assert_array_equal(results[0], results[1], err_msg=name)


# -- Newton ---------------------------------------------------------------------------------------


def _convex(x):
    """Strictly convex, not quadratic: log-sum-exp of an affine map plus a quadratic."""
    a = tg.Tensor(np.array([[1.0, 2.0, -1.0], [0.5, -1.0, 2.0], [-1.5, 0.3, 0.4]]))
    return tg.logsumexp(a @ x) + 0.5 * (x * x).sum() + (x**4).sum() / 12


def test_newton_converges_quadratically_on_a_strictly_convex_function():
    x = tg.Parameter(np.array([2.0, -1.5, 1.0]))
    opt = optim.Newton([x])
    ref = tg.Parameter(x.numpy().copy())
    ref_opt = optim.Newton([ref])
    for _ in range(30):  # the minimiser, to rounding
        ref_opt.step(lambda: _convex(ref))
    x_star = ref.numpy()
    errors = []
    for _ in range(8):
        errors.append(np.linalg.norm(x.numpy() - x_star))
        opt.step(lambda: _convex(x))
    errors = [e for e in errors if e > 1e-13]
    # near the minimum each error is at most a constant times the square of the previous one
    near = [(a, b) for a, b in itertools.pairwise(errors) if a < 1e-2]
    assert len(near) >= 2
    for a, b in near:
        assert b <= 10 * a * a


def test_newton_is_exact_on_a_quadratic_and_safe_on_a_saddle():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    x = tg.Parameter(np.zeros(2))
    opt = optim.Newton([x], damping=0.0)
    opt.step(lambda: 0.5 * (x * (tg.Tensor(A) @ x)).sum() - (tg.Tensor(b) * x).sum())
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(A, b), rtol=1e-14)
    # f = x² − y² + y⁴/4 has a saddle at 0 and minima at y = ±√2: Newton must descend
    y = tg.Parameter(np.array([0.3, 0.1]))
    opt = optim.Newton([y])
    values = []
    for _ in range(25):
        values.append(opt.step(lambda: y[0] ** 2 - y[1] ** 2 + y[1] ** 4 / 4).item())
    assert all(b <= a + 1e-15 for a, b in itertools.pairwise(values))
    np.testing.assert_allclose(y.numpy(), [0.0, np.sqrt(2)], atol=1e-10)


def test_newton_on_the_posts_function_reaches_the_minimiser_in_a_handful_of_steps():
    from .post_code import fx

    x_star = tg.functions.post.minima[0]
    p = tg.Parameter(np.zeros(2))
    opt = optim.Newton([p])
    for _ in range(3):
        opt.step(lambda: fx(p))
    np.testing.assert_allclose(p.numpy(), x_star, atol=1e-10)


def test_newton_refuses_a_closure_that_already_ran_backward():
    p = tg.Parameter(np.ones(2))
    opt = optim.Newton([p])

    def closure():
        loss = (p * p).sum()
        loss.backward()
        return loss

    with pytest.raises(ValueError, match="create_graph=True"):
        opt.step(closure)
    with pytest.raises(TypeError, match="requires a closure"):
        opt.step()
