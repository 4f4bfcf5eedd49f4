"""Optimizers: one step against a plain transcription of each documented rule, convergence,
validation, parameter groups and state_dict."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import optim
from tinygrad_opt.optim import optimizer as optimizer_module

from .post_code import fx

X_STAR = np.array([1.0094916375, 1.6698305458])

RATE = st.floats(1e-4, 1.0)
UNIT = st.floats(0.0, 0.99)
SEEDS = st.integers(0, 2**32 - 1)


def _arrays(seed, n=5):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n), rng.normal(size=n), rng.uniform(0.01, 2.0, n), rng.normal(size=n)


def _one_step(cls, param, grad, state=None, **hyper):
    p = tg.Parameter(param)
    opt = cls([p], **hyper)
    if state is not None:
        opt.state[p] = {
            k: (np.array(v) if isinstance(v, np.ndarray) else v) for k, v in state.items()
        }
    p.grad = tg.Tensor(grad)
    opt.step()
    return p.numpy(), opt.state[p]


# -- each rule, transcribed from its docstring -------------------------------------------------


@given(
    seed=SEEDS,
    lr=RATE,
    momentum=UNIT,
    dampening=UNIT,
    wd=UNIT,
    nesterov=st.booleans(),
    maximize=st.booleans(),
    first=st.booleans(),
)
def test_sgd_step_matches_its_formula(seed, lr, momentum, dampening, wd, nesterov, maximize, first):
    theta, g, _, buf = _arrays(seed)
    if nesterov:
        dampening = 0.0
        momentum = max(momentum, 0.1)
    state = None if first else {"momentum_buffer": buf}
    got, new_state = _one_step(
        optim.SGD,
        theta,
        g,
        state,
        lr=lr,
        momentum=momentum,
        dampening=dampening,
        weight_decay=wd,
        nesterov=nesterov,
        maximize=maximize,
    )
    d = (-g if maximize else g) + wd * theta
    if momentum:
        b = d.copy() if first else momentum * buf + (1 - dampening) * d
        d = d + momentum * b if nesterov else b
        np.testing.assert_allclose(new_state["momentum_buffer"], b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, theta - lr * d, rtol=1e-12, atol=1e-14)


@given(
    seed=SEEDS,
    lr=RATE,
    lr_decay=st.floats(0, 1),
    wd=UNIT,
    eps=st.floats(0, 1e-3),
    maximize=st.booleans(),
    step=st.integers(0, 50),
)
def test_adagrad_step_matches_its_formula(seed, lr, lr_decay, wd, eps, maximize, step):
    theta, g, s, _ = _arrays(seed)
    got, state = _one_step(
        optim.AdaGrad,
        theta,
        g,
        {"step": step, "sum": s},
        lr=lr,
        lr_decay=lr_decay,
        weight_decay=wd,
        eps=eps,
        maximize=maximize,
    )
    t = step + 1
    d = (-g if maximize else g) + wd * theta
    s_new = s + d * d
    eta = lr / (1 + (t - 1) * lr_decay)
    np.testing.assert_allclose(state["sum"], s_new, rtol=1e-12)
    np.testing.assert_allclose(
        got, theta - eta * d / (np.sqrt(s_new) + eps), rtol=1e-12, atol=1e-14
    )


# alpha >= 0.01: at alpha = 0 the centered denominator is sqrt(d² − d²), which rounding can make
# the square root of a tiny negative number (NaN here, as in PyTorch)
@given(
    seed=SEEDS,
    lr=RATE,
    alpha=st.floats(0.01, 0.99),
    eps=st.floats(0, 1e-3),
    wd=UNIT,
    momentum=UNIT,
    centered=st.booleans(),
    maximize=st.booleans(),
)
def test_rmsprop_step_matches_its_formula(seed, lr, alpha, eps, wd, momentum, centered, maximize):
    theta, g, v, other = _arrays(seed)
    grad_avg = 0.1 * other
    v = v + grad_avg**2  # reachable states only: averages of d² and d from zero keep v >= m̄²
    buf = other[::-1].copy()
    state = {"step": 3, "square_avg": v}
    if centered:
        state["grad_avg"] = grad_avg
    if momentum > 0:
        state["momentum_buffer"] = buf
    eps = max(eps, 1e-12)  # with eps = 0 and d = 0 both sides would divide by zero
    got, new = _one_step(
        optim.RMSProp,
        theta,
        g,
        state,
        lr=lr,
        alpha=alpha,
        eps=eps,
        weight_decay=wd,
        momentum=momentum,
        centered=centered,
        maximize=maximize,
    )
    d = (-g if maximize else g) + wd * theta
    v_new = alpha * v + (1 - alpha) * d * d
    if centered:
        m_new = grad_avg + (1 - alpha) * (d - grad_avg)
        a = np.sqrt(v_new - m_new**2) + eps
        np.testing.assert_allclose(new["grad_avg"], m_new, rtol=1e-12, atol=1e-14)
    else:
        a = np.sqrt(v_new) + eps
    if momentum > 0:
        b = momentum * buf + d / a
        expected = theta - lr * b
        np.testing.assert_allclose(new["momentum_buffer"], b, rtol=1e-11)
    else:
        expected = theta - lr * d / a
    np.testing.assert_allclose(new["square_avg"], v_new, rtol=1e-12)
    np.testing.assert_allclose(got, expected, rtol=1e-11, atol=1e-13)


@given(
    seed=SEEDS,
    lr=RATE,
    beta1=UNIT,
    beta2=UNIT,
    eps=st.floats(1e-10, 1e-3),
    wd=UNIT,
    amsgrad=st.booleans(),
    maximize=st.booleans(),
    step=st.integers(0, 30),
    decoupled=st.booleans(),
)
def test_adam_and_adamw_steps_match_their_formula(
    seed, lr, beta1, beta2, eps, wd, amsgrad, maximize, step, decoupled
):
    theta, g, v, m = _arrays(seed)
    vmax = v * 1.5
    state = {"step": step, "exp_avg": m, "exp_avg_sq": v}
    if amsgrad:
        state["max_exp_avg_sq"] = vmax
    cls = optim.AdamW if decoupled else optim.Adam
    got, new = _one_step(
        cls,
        theta,
        g,
        state,
        lr=lr,
        betas=(beta1, beta2),
        eps=eps,
        weight_decay=wd,
        amsgrad=amsgrad,
        maximize=maximize,
    )
    t = step + 1
    d = -g if maximize else g
    base = theta * (1 - lr * wd) if decoupled else theta
    if not decoupled:
        d = d + wd * theta
    m_new = beta1 * m + (1 - beta1) * d
    v_new = beta2 * v + (1 - beta2) * d * d
    v_used = np.maximum(vmax, v_new) if amsgrad else v_new
    m_hat = m_new / (1 - beta1**t)
    v_hat = v_used / (1 - beta2**t)
    expected = base - lr * m_hat / (np.sqrt(v_hat) + eps)
    assert new["step"] == t
    np.testing.assert_allclose(new["exp_avg"], m_new, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(new["exp_avg_sq"], v_new, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_block_processing_equals_whole_array_processing(monkeypatch):
    """The cache-blocked loop must give exactly what one pass over the whole array gives."""
    rng = np.random.default_rng(0)
    theta, g = rng.normal(size=1000), rng.normal(size=1000)
    results = []
    for block in (64, 10**6):
        monkeypatch.setattr(optimizer_module, "BLOCK", block)
        for cls, hyper in [
            (optim.Adam, {"amsgrad": True, "weight_decay": 0.1}),
            (optim.RMSProp, {"centered": True, "momentum": 0.9}),
            (optim.SGD, {"momentum": 0.9, "nesterov": True}),
            (optim.AdaGrad, {"lr_decay": 0.1}),
        ]:
            p = tg.Parameter(theta)
            opt = cls([p], lr=0.01, **hyper)
            for _ in range(3):
                p.grad = tg.Tensor(g * p.numpy())
                opt.step()
            results.append(p.numpy())
    half = len(results) // 2
    for a, b in zip(results[:half], results[half:], strict=True):
        np.testing.assert_array_equal(a, b)


def test_non_contiguous_parameters_are_updated_in_place():
    p = tg.Parameter(np.zeros((3, 4)))
    p.data = np.asfortranarray(np.ones((3, 4)))
    opt = optim.Adam([p], lr=0.1)
    p.grad = tg.Tensor(np.ones((3, 4)))
    opt.step()
    np.testing.assert_allclose(p.numpy(), np.full((3, 4), 0.9))


# -- behaviour --------------------------------------------------------------------------------

CONVERGING = [
    (optim.SGD, dict(lr=0.05, momentum=0.5), 400),
    (optim.SGD, dict(lr=0.05, momentum=0.5, nesterov=True), 400),
    (optim.AdaGrad, dict(lr=1.0), 600),
    # plain RMSProp ends in a limit cycle of amplitude ~lr/2 once its square average has decayed
    # (the steps become lr·sign(g)), and centered RMSProp bursts away from the minimum when
    # v − m̄² collapses to ~0; both converge with a decaying learning rate
    (optim.RMSProp, dict(lr=0.05, schedule=0.997), 2500),
    (optim.RMSProp, dict(lr=0.02, centered=True, momentum=0.5, schedule=0.997), 2000),
    (optim.Adam, dict(lr=0.05), 1200),
    (optim.Adam, dict(lr=0.05, amsgrad=True), 1500),
    (optim.AdamW, dict(lr=0.05, weight_decay=0.0), 1200),
]


@pytest.mark.parametrize("cls, hyper, steps", CONVERGING, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=8)
@given(start=st.tuples(st.floats(-5, 5), st.floats(-5, 5)))
def test_converges_to_the_posts_minimiser_from_random_starts(cls, hyper, steps, start):
    hyper = dict(hyper)
    gamma = hyper.pop("schedule", None)
    p = tg.Parameter(np.array(start))
    opt = cls([p], **hyper)
    scheduler = optim.lr_scheduler.ExponentialLR(opt, gamma) if gamma else None
    for _ in range(steps):
        opt.zero_grad()
        fx(p).backward()
        opt.step()
        if scheduler:
            scheduler.step()
    np.testing.assert_allclose(p.numpy(), X_STAR, atol=1e-3)


def test_maximize_climbs():
    p = tg.Parameter([0.0])
    opt = optim.SGD([p], lr=0.1, maximize=True)
    for _ in range(200):
        opt.zero_grad()
        (-((p - 3.0) ** 2)).sum().backward()
        opt.step()
    assert p.item() == pytest.approx(3.0, abs=1e-6)


def test_float32_parameters_stay_float32():
    for cls in (optim.SGD, optim.AdaGrad, optim.RMSProp, optim.Adam, optim.AdamW):
        p = tg.Parameter(np.ones(3, np.float32))
        data = p.data
        opt = cls([p], lr=0.1)
        (p * p).sum().backward()
        opt.step()
        assert p.dtype == np.float32 and p.data is data  # updated in place
        assert all(
            v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray)
        )


def test_step_with_closure_returns_the_loss():
    p = tg.Parameter([2.0])
    opt = optim.SGD([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0 and p.item() == pytest.approx(2.0 - 0.1 * 4.0)


def test_parameters_without_gradient_are_skipped():
    a, b = tg.Parameter([1.0]), tg.Parameter([1.0])
    opt = optim.Adam([a, b], lr=0.1)
    (a * 2).sum().backward()
    opt.step()
    assert b.item() == 1.0 and b not in opt.state and a in opt.state


def test_zero_grad():
    p = tg.Parameter([1.0])
    opt = optim.SGD([p])
    (p * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad.item() == 0.0
    opt.zero_grad()
    assert p.grad is None


def test_param_groups_with_their_own_hyperparameters():
    a, b = tg.Parameter([1.0]), tg.Parameter([1.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    (a + b).sum().backward()
    opt.step()
    assert (a.item(), b.item()) == (pytest.approx(0.9), pytest.approx(0.5))
    c = tg.Parameter([0.0])
    opt.add_param_group({"params": c, "momentum": 0.9})
    assert opt.param_groups[2]["momentum"] == 0.9 and opt.param_groups[2]["lr"] == 0.1


# -- validation -------------------------------------------------------------------------------

BAD_HYPERPARAMETERS = [
    (optim.SGD, {"lr": -1.0}, "lr=-1.0"),
    (optim.SGD, {"lr": float("nan")}, "lr=nan"),
    (optim.SGD, {"lr": "fast"}, "lr='fast'"),
    (optim.SGD, {"momentum": -0.1}, "momentum=-0.1"),
    (optim.SGD, {"weight_decay": -1e-3}, "weight_decay=-0.001"),
    (optim.SGD, {"nesterov": True}, "Nesterov"),
    (optim.SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "dampening=0.1"),
    (optim.AdaGrad, {"lr_decay": -1.0}, "lr_decay=-1.0"),
    (optim.AdaGrad, {"eps": -1e-10}, "eps=-1e-10"),
    (optim.AdaGrad, {"initial_accumulator_value": -0.1}, "initial_accumulator_value=-0.1"),
    (optim.RMSProp, {"alpha": -0.5}, "alpha=-0.5"),
    (optim.RMSProp, {"momentum": -1}, "momentum=-1"),
    (optim.RMSProp, {"initial_accumulator_value": -1}, "initial_accumulator_value=-1"),
    (optim.Adam, {"betas": (1.0, 0.999)}, r"betas\[0\]=1.0"),
    (optim.Adam, {"betas": (0.9, -0.1)}, r"betas\[1\]=-0.1"),
    (optim.Adam, {"betas": 0.9}, "betas=0.9"),
    (optim.Adam, {"eps": -1.0}, "eps=-1.0"),
    (optim.AdamW, {"weight_decay": -0.01}, "weight_decay=-0.01"),
    (optim.AdamW, {"lr": None}, "lr=None"),
]


@pytest.mark.parametrize("cls, hyper, message", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_raise_value_error_naming_them(cls, hyper, message):
    with pytest.raises(ValueError, match=message):
        cls([tg.Parameter([1.0])], **hyper)


def test_bad_hyperparameter_in_a_group_is_refused():
    with pytest.raises(ValueError, match=r"lr=-0.5"):
        optim.Adam([{"params": [tg.Parameter([1.0])], "lr": -0.5}])


def test_bad_parameter_lists():
    p = tg.Parameter([1.0])
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([])
    with pytest.raises(TypeError, match="iterable of Parameters"):
        optim.SGD(p)
    with pytest.raises(TypeError, match=r"tg.Parameter"):
        optim.SGD([np.zeros(2)])
    with pytest.raises(TypeError, match=r"tg.Parameter"):
        optim.SGD(np.zeros(2))
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2])
    with pytest.raises(ValueError, match="listed twice"):
        optim.SGD([p, p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}])
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({p})
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(3)
    with pytest.raises(ValueError, match="unknown hyperparameter"):
        optim.SGD([{"params": [p], "learning_rate": 0.1}])


# -- state_dict ---------------------------------------------------------------------------------


def _trained(cls, steps, **hyper):
    a, b = tg.Parameter([0.5, -1.0]), tg.Parameter([[2.0]])
    opt = cls([{"params": [a]}, {"params": [b], "lr": 0.01}], **hyper)
    for _ in range(steps):
        opt.zero_grad()
        (fx(a) + (b * b).sum()).backward()
        opt.step()
    return a, b, opt


@pytest.mark.parametrize("cls, hyper", [
    (optim.SGD, dict(lr=0.05, momentum=0.9)),
    (optim.AdaGrad, dict(lr=0.5)),
    (optim.RMSProp, dict(lr=0.01, centered=True, momentum=0.5)),
    (optim.Adam, dict(lr=0.05, amsgrad=True)),
    (optim.AdamW, dict(lr=0.05)),
])  # fmt: skip
def test_state_dict_round_trip_through_a_checkpoint_continues_bit_for_bit(cls, hyper, tmp_path):
    a, b, opt = _trained(cls, 5, **hyper)
    path = tmp_path / "opt.npz"
    tg.save({"opt": opt.state_dict(), "a": a.data, "b": b.data}, path)
    for _ in range(5):  # the reference continues
        opt.zero_grad()
        (fx(a) + (b * b).sum()).backward()
        opt.step()

    saved = tg.load(path)
    a2, b2 = tg.Parameter(saved["a"]), tg.Parameter(saved["b"])
    opt2 = cls([{"params": [a2]}, {"params": [b2], "lr": 0.01}], **hyper)
    opt2.load_state_dict(saved["opt"])
    for _ in range(5):
        opt2.zero_grad()
        (fx(a2) + (b2 * b2).sum()).backward()
        opt2.step()
    np.testing.assert_array_equal(a2.numpy(), a.numpy())
    np.testing.assert_array_equal(b2.numpy(), b.numpy())
    assert opt2.param_groups[1]["lr"] == 0.01


def test_state_dict_layout_is_pytorchs():
    _, _, opt = _trained(optim.Adam, 2, lr=0.1)
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert set(sd["state"]) == {0, 1}
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}


def test_load_state_dict_checks_groups_sizes_and_shapes():
    _, _, opt = _trained(optim.Adam, 2, lr=0.1)
    sd = opt.state_dict()
    with pytest.raises(ValueError, match="2 parameter group"):
        optim.Adam([tg.Parameter([1.0, 1.0])]).load_state_dict(sd)
    other = optim.Adam(
        [
            {"params": [tg.Parameter([1.0, 1.0]), tg.Parameter(1.0)]},
            {"params": [tg.Parameter([[1.0]])]},
        ]
    )
    with pytest.raises(ValueError, match="group 0 has 1 parameter"):
        other.load_state_dict(sd)
    wrong_shape = optim.Adam(
        [{"params": [tg.Parameter([1.0, 1.0, 1.0])]}, {"params": [tg.Parameter([[1.0]])]}]
    )
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        wrong_shape.load_state_dict(sd)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


def test_repr_lists_groups():
    text = repr(optim.Adam([tg.Parameter([1.0])], lr=0.5))
    assert "Adam" in text and "lr: 0.5" in text


def test_pytorch_spellings_are_aliases():
    assert optim.Adagrad is optim.AdaGrad and optim.RMSprop is optim.RMSProp


def test_clip_grad_norm_and_value():
    a, b = tg.Parameter([3.0]), tg.Parameter([4.0])
    a.grad, b.grad = tg.Tensor([3.0]), tg.Tensor([4.0])
    total = optim.clip_grad_norm_([a, b], max_norm=1.0)
    assert total == pytest.approx(5.0)
    assert math.hypot(a.grad.item(), b.grad.item()) == pytest.approx(1.0, rel=1e-5)
    c = tg.Parameter([0.0, 0.0])
    c.grad = tg.Tensor([-3.0, 0.5])
    assert optim.clip_grad_norm_([c], max_norm=1.0, norm_type=math.inf) == 3.0
    optim.clip_grad_value_([c], 0.1)
    np.testing.assert_allclose(c.grad.numpy(), [-0.1, 0.1])
    a.grad = tg.Tensor([np.inf])
    with pytest.raises(RuntimeError, match="inf"):
        optim.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="clip_value"):
        optim.clip_grad_value_([a], -1.0)
