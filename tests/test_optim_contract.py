"""The contract every optimizer keeps, checked over the registry (a new optimizer is checked by
default): parameter groups, state_dict round trips, zero_grad, maximize, weight decay, Tensor
learning rates, float32, PyTorch's validation messages, and minimize by name."""

import inspect

import numpy as np
import pytest

import tinygrad_opt as tg
from tinygrad_opt import optim
from tinygrad_opt.minimize import descend

from .post_code import fx

NAMES = optim.available()
ONE_GROUP = {"lbfgs", "newton"}
# hyperparameters that make a few steps move visibly (defaults otherwise)
HYPER = {"lion": {"lr": 1e-2}, "muon": {"lr": 1e-2}, "asgd": {"lr": 0.05}, "lbfgs": {"max_iter": 3}}


def _params(name, dtype=np.float64):
    rng = np.random.default_rng(7)
    shapes = [(3, 2), (2, 4)] if name == "muon" else [(3, 2), (4,)]
    return [tg.Parameter(rng.normal(size=s).astype(dtype)) for s in shapes]


def _loss(params, sign=1.0):
    total = 0.0
    for k, p in enumerate(params):
        total = total + ((p * p - 1.0) ** 2).sum() / 4 + ((p - 0.3 * (k + 1)) ** 2).sum()
    return total * sign


def _make(name, params, **extra):
    cls = optim.get(name)
    hyper = dict(HYPER.get(name, {}), **extra)
    if name in ONE_GROUP:
        return cls(params, **hyper)
    return cls([{"params": params[:1]}, {"params": params[1:], "lr": _lr(cls, hyper) / 2}], **hyper)


def _lr(cls, hyper):
    lr = hyper.get("lr", inspect.signature(cls).parameters["lr"].default)
    return float(lr)


def _steps(opt, params, n=3, sign=1.0):
    for _ in range(n):
        if opt.requires_closure:

            def closure():
                if opt.closure_calls_backward:
                    opt.zero_grad()
                    loss = _loss(params, sign)
                    loss.backward()
                    return loss
                return _loss(params, sign)

            opt.step(closure)
        else:
            opt.zero_grad()
            _loss(params, sign).backward()
            opt.step()


def _has(name, argument):
    return argument in inspect.signature(optim.get(name)).parameters


@pytest.mark.parametrize("name", NAMES)
def test_param_groups_keep_their_own_hyperparameters(name):
    params = _params(name)
    if name in ONE_GROUP:
        with pytest.raises(ValueError, match="doesn't support per-parameter options"):
            optim.get(name)([{"params": params[:1]}, {"params": params[1:]}])
        return
    opt = _make(name, params)
    lr0 = _lr(optim.get(name), HYPER.get(name, {}))
    assert [g["lr"] for g in opt.param_groups] == [lr0, lr0 / 2]
    before = [p.numpy().copy() for p in params]
    _steps(opt, params, 1)
    assert all(not np.array_equal(b, p.numpy()) for b, p in zip(before, params, strict=True))
    extra = tg.Parameter(np.ones((2, 2)))
    opt.add_param_group({"params": [extra]})
    assert opt.param_groups[2]["lr"] == lr0


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_through_a_checkpoint_continues_bit_for_bit(name, tmp_path):
    params = _params(name)
    opt = _make(name, params)
    _steps(opt, params, 3)
    path = tmp_path / "opt.npz"
    tg.save({"opt": opt.state_dict(), "params": [p.data for p in params]}, path)
    _steps(opt, params, 3)
    saved = tg.load(path)
    params2 = [tg.Parameter(a) for a in saved["params"]]
    opt2 = _make(name, params2)
    opt2.load_state_dict(saved["opt"])
    _steps(opt2, params2, 3)
    for a, b in zip(params, params2, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("name", NAMES)
def test_zero_grad(name):
    params = _params(name)
    opt = _make(name, params)
    _loss(params).backward()
    opt.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.numpy() == 0) for p in params)
    opt.zero_grad()
    assert all(p.grad is None for p in params)


@pytest.mark.parametrize("name", [n for n in NAMES if _has(n, "maximize")])
def test_maximize_equals_minimizing_the_negative(name):
    a, b = _params(name), _params(name)
    opt_a, opt_b = _make(name, a, maximize=True), _make(name, b)
    _steps(opt_a, a, 3, sign=-1.0)  # maximize −f ...
    _steps(opt_b, b, 3)  # ... is minimize f
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("name", [n for n in NAMES if _has(n, "weight_decay")])
def test_weight_decay_pulls_parameters_towards_zero_without_a_gradient(name):
    params = _params(name)
    opt = _make(name, params, weight_decay=0.5)
    before = [p.numpy().copy() for p in params]
    for p in params:
        p.grad = tg.Tensor(np.zeros(p.shape))
    opt.step()
    for b, p in zip(before, params, strict=True):
        assert np.all(np.sign(b) * (p.numpy() - b) < 0)


@pytest.mark.parametrize("name", NAMES)
def test_tensor_lr_gives_the_float_lr_trajectory_and_stays_a_tensor(name):
    lr = _lr(optim.get(name), HYPER.get(name, {}))
    a, b = _params(name), _params(name)
    opt_a = _make(name, a, lr=lr)
    opt_b = _make(name, b, lr=tg.Tensor(lr))
    assert isinstance(opt_b.param_groups[0]["lr"], tg.Tensor)
    _steps(opt_a, a, 3)
    _steps(opt_b, b, 3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        optim.get(name)(_params(name), lr=tg.Tensor([0.1, 0.2]))


@pytest.mark.parametrize("name", NAMES)
def test_float32_parameters_stay_float32_and_are_updated_in_place(name):
    params = _params(name, np.float32)
    data = [p.data for p in params]
    opt = _make(name, params)
    _steps(opt, params, 2)
    assert all(p.dtype == np.float32 and p.data is d for p, d in zip(params, data, strict=True))


@pytest.mark.parametrize("name", [n for n in NAMES if _has(n, "differentiable")])
def test_implementation_flags(name):
    cls = optim.get(name)
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        cls(_params(name), differentiable=True)
    flags = {
        k: v
        for k, v in {"foreach": False, "capturable": False, "fused": None}.items()
        if _has(name, k)
    }
    cls(_params(name), **flags)


# PyTorch's messages (torch 2.13), for the same arguments
BAD = [
    ("sgd", {"lr": -1.0}, "Invalid learning rate: -1.0"),
    ("sgd", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("sgd", {"weight_decay": -0.5}, "Invalid weight_decay value: -0.5"),
    ("sgd", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    ("adagrad", {"lr_decay": -0.5}, "Invalid lr_decay value: -0.5"),
    (
        "adagrad",
        {"initial_accumulator_value": -0.5},
        "Invalid initial_accumulator_value value: -0.5",
    ),
    ("adagrad", {"eps": -0.5}, "Invalid epsilon value: -0.5"),
    ("rmsprop", {"alpha": -0.5}, "Invalid alpha value: -0.5"),
    ("rmsprop", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("adamw", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("nadam", {"momentum_decay": -0.1}, "Invalid momentum_decay value: -0.1"),
    ("nadam", {"betas": (0.9, 1.0)}, "Invalid beta parameter at index 1: 1.0"),
    ("radam", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("adamax", {"eps": -0.1}, "Invalid epsilon value: -0.1"),
    ("adadelta", {"rho": 1.5}, "Invalid rho value: 1.5"),
    ("adadelta", {"eps": -0.1}, "Invalid epsilon value: -0.1"),
    ("rprop", {"etas": (1.5, 1.2)}, "Invalid eta values: 1.5, 1.2"),
    ("rprop", {"etas": (0.5, 0.9)}, "Invalid eta values: 0.5, 0.9"),
    ("asgd", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("adafactor", {"lr": -0.1}, "Learning rate should be >= 0 but is: -0.1"),
    ("adafactor", {"beta2_decay": 0.5}, "beta2_decay should be <= 0 but is: 0.5"),
    ("adafactor", {"eps": (-1.0, 1e-3)}, "epsilon1 should be >= 0 but is: -1.0"),
    ("adafactor", {"eps": (None, -1.0)}, "epsilon2 should be >= 0 but is: -1.0"),
    ("adafactor", {"d": 0.5}, "Clipping threshold d should be >= 1 but is: 0.5"),
    ("adafactor", {"weight_decay": -0.1}, "weight_decay should be >= 0 but is: -0.1"),
    ("muon", {"lr": -0.1}, "Learning rate should be >= 0 but is: -0.1"),
    ("muon", {"momentum": -0.1}, "momentum should be >= 0 but is: -0.1"),
    ("muon", {"weight_decay": -0.1}, "weight decay should be >= 0 but is: -0.1"),
    ("muon", {"adjust_lr_fn": "nope"}, "Adjust learning rate function nope is not supported"),
    ("lbfgs", {"lr": -0.1}, "Invalid learning rate: -0.1"),
]
BAD += [
    (n, {"lr": -1.0}, "Invalid learning rate: -1.0")
    for n in NAMES
    if n not in {"adafactor", "muon", "sgd"}
]
BAD += [(n, {"lr": float("nan")}, "nan") for n in NAMES]


@pytest.mark.parametrize("name, hyper, message", BAD)
def test_bad_hyperparameters_get_pytorchs_messages(name, hyper, message):
    params = _params(name)
    pattern = "nan" if message == "nan" else "^" + _escape(message)
    with pytest.raises(ValueError, match=pattern):
        optim.get(name)(params, **hyper)


def _escape(text):
    import re

    return re.escape(text)


def test_muon_refuses_parameters_that_are_not_matrices():
    with pytest.raises(ValueError, match=r"Muon only supports 2D parameters.*\(3,\)"):
        optim.Muon([tg.Parameter(np.ones(3))])


TORCH_NAMES = {
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "nadam": "NAdam",
    "radam": "RAdam",
    "asgd": "ASGD",
    "lbfgs": "LBFGS",
    "adamw": "AdamW",
    "sgd": "SGD",
}


@pytest.mark.parametrize(
    "name, hyper, message", [b for b in BAD if b[0] not in ("lion", "newton") and b[2] != "nan"]
)
def test_the_expected_messages_are_pytorchs(name, hyper, message):
    torch = pytest.importorskip("torch")
    cls = getattr(
        torch.optim, TORCH_NAMES.get(name, name.capitalize() if name != "adamax" else "Adamax")
    )
    shape = (3, 2)
    with pytest.raises(ValueError) as info:
        cls([torch.zeros(shape, requires_grad=True)], **hyper)
    assert str(info.value) == message


# -- minimize and the study by name ---------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_minimize_accepts_every_optimizer_by_name(name):
    r = tg.minimize(fx, [0.0, 0.0], method=name.upper(), max_iter=30)
    assert r.method == name and r.nit <= 30 and np.all(np.isfinite(r.x)) and r.nfev > r.nit


def test_closure_based_methods_converge_in_minimize():
    x_star = tg.functions.post.minima[0]
    # LBFGS stops at its own tolerances (tolerance_grad=1e-7); Newton reaches x* to rounding
    for name, steps, atol in (("lbfgs", 5, 1e-5), ("newton", 5, 1e-12)):
        r = tg.minimize(fx, [0.0, 0.0], method=name, tol=1e-12)
        assert r.nit <= steps
        np.testing.assert_allclose(r.x, x_star, atol=atol)


@pytest.mark.parametrize("name", [n for n in NAMES if not optim.get(n).elementwise])
def test_batched_descent_runs_non_elementwise_rules_one_start_at_a_time(name):
    starts = np.array([[0.0, 2.0, -1.0], [0.0, -1.0, 3.0]])

    def evaluate(x):
        x1, x2 = x[0], x[1]
        return np.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5

    batch = descend(evaluate, starts.copy(), name, 20, 1e-5, {})
    for s, r in enumerate(batch):
        alone = descend(evaluate, starts[:, [s]].copy(), name, 20, 1e-5, {})[0]
        np.testing.assert_array_equal(r.path, alone.path)


@pytest.mark.parametrize("name", ["adam", "adamw"])
def test_adam_accepts_tensor_betas_as_pytorch_does(name):
    a, b = _params(name), _params(name)
    opt_a = _make(name, a, betas=(0.8, 0.95))
    opt_b = _make(name, b, betas=(tg.Tensor(0.8), tg.Tensor(0.95)))
    _steps(opt_a, a, 3)
    _steps(opt_b, b, 3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    with pytest.raises(ValueError, match="betas must be either both floats or both Tensors"):
        optim.get(name)(_params(name), betas=(tg.Tensor(0.9), 0.99))
    with pytest.raises(ValueError, match="Adam and AdamW only"):
        optim.NAdam(_params(name), betas=(tg.Tensor(0.9), tg.Tensor(0.99)))
