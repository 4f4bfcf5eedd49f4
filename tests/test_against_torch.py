"""Gradients, optimizer trajectories and schedules against PyTorch, in float64.

PyTorch is not a dependency: this module is skipped when it is not installed.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import optim

torch = pytest.importorskip("torch")
torch.set_default_dtype(torch.float64)


def _torch_fx(x):
    x1, x2 = x[0], x[1]
    return torch.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5


def _tg_fx(x):
    x1, x2 = x[0], x[1]
    return np.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5


def _objective(lib):
    """fx of the first parameter plus a small MLP-like term of the second: a non-trivial loss."""
    if lib == "torch":

        def loss(a, w):
            return _torch_fx(a) + torch.logsumexp(torch.tanh(w) @ a, 0) + (w**2).sum() * 0.1
    else:

        def loss(a, w):
            return _tg_fx(a) + tg.logsumexp(np.tanh(w) @ a) + (w**2).sum() * 0.1

    return loss


FUNCTIONS = [
    (lambda t: (t.exp() * t.sin()).sum(), lambda t: (t.exp() * t.sin()).sum()),
    (
        lambda t: tg.log_softmax(t.reshape(2, 3), axis=1)[:, 0].sum(),
        lambda t: torch.log_softmax(t.reshape(2, 3), 1)[:, 0].sum(),
    ),
    (
        lambda t: (t.reshape(2, 3) @ t.reshape(3, 2)).tanh().sum(),
        lambda t: (t.reshape(2, 3) @ t.reshape(3, 2)).tanh().sum(),
    ),
    (lambda t: (tg.sigmoid(t) ** 2).sum(), lambda t: (torch.sigmoid(t) ** 2).sum()),
    (
        lambda t: t.max() + t.min() + t.abs().sum() + t.clip(-0.5, 0.5).sum(),
        lambda t: t.max() + t.min() + t.abs().sum() + t.clamp(-0.5, 0.5).sum(),
    ),
    (
        lambda t: (t.reshape(3, 2).mean(axis=0) ** 3).sum() + t.std(),
        lambda t: (t.reshape(3, 2).mean(0) ** 3).sum() + t.std(unbiased=False),
    ),
]


@pytest.mark.parametrize("ours, theirs", FUNCTIONS)
@given(st.integers(0, 2**32 - 1))
def test_gradients_and_hessians_match_torch(ours, theirs, seed):
    x = np.random.default_rng(seed).normal(size=6)
    g = tg.grad(ours)(x)
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(theirs(xt), xt)
    np.testing.assert_allclose(g, gt.numpy(), rtol=1e-10, atol=1e-12)
    h = tg.hessian(ours)(x)
    ht = torch.autograd.functional.hessian(theirs, torch.tensor(x))
    np.testing.assert_allclose(h, ht.numpy(), rtol=1e-9, atol=1e-10)


OPTIMIZERS = [
    ("SGD", dict(lr=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    ("SGD", dict(lr=0.01, momentum=0.9, nesterov=True, maximize=False)),
    ("AdaGrad", dict(lr=0.1)),
    (
        "AdaGrad",
        dict(lr=0.1, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1, eps=1e-6),
    ),
    ("RMSProp", dict(lr=0.01)),
    ("RMSProp", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.05)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=6e-3)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1)),
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adamax", dict(lr=0.05, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, rho=0.95, weight_decay=0.1)),
    ("Rprop", dict(lr=0.01, etas=(0.4, 1.3), step_sizes=(1e-4, 0.5))),
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=10, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.05, weight_decay=0.1)),
]
TORCH_NAMES = {"AdaGrad": "Adagrad", "RMSProp": "RMSprop"}


@pytest.mark.parametrize("name, hyper", OPTIMIZERS)
@pytest.mark.parametrize("maximize", [False, True])
def test_trajectories_match_torch_optim(name, hyper, maximize):
    hyper = dict(hyper, maximize=maximize)
    rng = np.random.default_rng(0)
    a0, w0 = rng.normal(size=2), rng.normal(size=(3, 2))
    sign = -1.0 if maximize else 1.0

    a, w = tg.Parameter(a0), tg.Parameter(w0)
    opt = getattr(optim, name)([{"params": [a]}, {"params": [w], "lr": hyper["lr"] / 2}], **hyper)
    at = torch.tensor(a0, requires_grad=True)
    wt = torch.tensor(w0, requires_grad=True)
    opt_t = getattr(torch.optim, TORCH_NAMES.get(name, name))(
        [{"params": [at]}, {"params": [wt], "lr": hyper["lr"] / 2}], foreach=False, **hyper
    )
    loss, loss_t = _objective("tg"), _objective("torch")
    for _ in range(60):
        opt.zero_grad()
        (sign * loss(a, w)).backward()
        opt.step()
        opt_t.zero_grad()
        (sign * loss_t(at, wt)).backward()
        opt_t.step()
    np.testing.assert_allclose(a.numpy(), at.detach().numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(w.numpy(), wt.detach().numpy(), rtol=1e-10, atol=1e-10)


def _lrs(make, make_t, epochs=25):
    p = tg.Parameter([1.0])
    opt = optim.SGD([p], lr=0.1)
    sched = make(opt)
    pt = torch.tensor([1.0], requires_grad=True)
    opt_t = torch.optim.SGD([pt], lr=0.1)
    sched_t = make_t(opt_t)
    ours, theirs = [], []
    for _ in range(epochs):
        opt.step()
        sched.step()
        opt_t.step()
        sched_t.step()
        ours.append(sched.get_last_lr()[0])
        theirs.append(sched_t.get_last_lr()[0])
    return ours, theirs


@pytest.mark.parametrize("ours, theirs", [
    (lambda o: optim.lr_scheduler.StepLR(o, 3, 0.5), lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5)),
    (lambda o: optim.lr_scheduler.ExponentialLR(o, 0.9), lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    (lambda o: optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.01),
     lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 7, 0.01)),
    (lambda o: optim.lr_scheduler.LambdaLR(o, lambda e: 0.95**e),
     lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.95**e)),
])  # fmt: skip
def test_schedules_match_torch(ours, theirs):
    a, b = _lrs(ours, theirs)
    np.testing.assert_allclose(a, b, rtol=1e-12)


@settings(max_examples=20)
@given(st.lists(st.floats(0, 10), min_size=5, max_size=30))
def test_reduce_on_plateau_matches_torch(metrics):
    p = tg.Parameter([1.0])
    opt = optim.SGD([p], lr=1.0)
    sched = optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1, cooldown=1)
    opt_t = torch.optim.SGD([torch.tensor([1.0], requires_grad=True)], lr=1.0)
    sched_t = torch.optim.lr_scheduler.ReduceLROnPlateau(opt_t, factor=0.5, patience=1, cooldown=1)
    for m in metrics:
        sched.step(m)
        sched_t.step(m)
        assert sched.get_last_lr() == pytest.approx(sched_t.get_last_lr(), rel=1e-12)


def test_clip_grad_norm_matches_torch():
    g = np.random.default_rng(1).normal(size=(2, 3))
    for norm_type in (1.0, 2.0, math.inf):
        p = tg.Parameter(np.zeros((2, 3)))
        p.grad = tg.Tensor(g)
        total = optim.clip_grad_norm_([p], 0.5, norm_type)
        pt = torch.zeros(2, 3, requires_grad=True)
        pt.grad = torch.tensor(g)
        total_t = torch.nn.utils.clip_grad_norm_([pt], 0.5, norm_type)
        assert total == pytest.approx(total_t.item(), rel=1e-12)
        np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-12)


def test_nn_layers_and_losses_match_torch():
    rng = np.random.default_rng(0)
    layer = tg.nn.Linear(4, 3, rng=0)
    lt = torch.nn.Linear(4, 3)
    with torch.no_grad():
        lt.weight.copy_(torch.tensor(layer.weight.numpy()))
        lt.bias.copy_(torch.tensor(layer.bias.numpy()))
    x = rng.normal(size=(6, 4))
    labels = rng.integers(0, 3, size=6)
    loss = tg.nn.cross_entropy(layer(x), labels)
    loss_t = torch.nn.functional.cross_entropy(lt(torch.tensor(x)), torch.tensor(labels))
    loss.backward()
    loss_t.backward()
    assert loss.item() == pytest.approx(loss_t.item(), rel=1e-12)
    np.testing.assert_allclose(layer.weight.grad.numpy(), lt.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad.numpy(), lt.bias.grad.numpy(), rtol=1e-10)
    logits, targets = rng.normal(size=5) * 10, rng.random(5)
    bce = tg.nn.binary_cross_entropy_with_logits(logits, targets).item()
    bce_t = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.tensor(logits), torch.tensor(targets)
    ).item()
    assert bce == pytest.approx(bce_t, rel=1e-12)
    pred, target = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    assert tg.nn.mse_loss(pred, target).item() == pytest.approx(
        torch.nn.functional.mse_loss(torch.tensor(pred), torch.tensor(target)).item(), rel=1e-12
    )


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_matches_torch_through_autodiff(line_search_fn):
    rng = np.random.default_rng(1)
    a0, w0 = rng.normal(size=2), rng.normal(size=(3, 2))
    a, w = tg.Parameter(a0), tg.Parameter(w0)
    at, wt = torch.tensor(a0, requires_grad=True), torch.tensor(w0, requires_grad=True)
    opt = optim.LBFGS([a, w], lr=0.5, history_size=4, line_search_fn=line_search_fn)
    opt_t = torch.optim.LBFGS([at, wt], lr=0.5, history_size=4, line_search_fn=line_search_fn)
    loss, loss_t = _objective("tg"), _objective("torch")

    def closure():
        opt.zero_grad()
        value = loss(a, w)
        value.backward()
        return value

    def closure_t():
        opt_t.zero_grad()
        value = loss_t(at, wt)
        value.backward()
        return value

    for _ in range(4):
        assert float(opt.step(closure)) == pytest.approx(opt_t.step(closure_t).item(), rel=1e-10)
    np.testing.assert_allclose(a.numpy(), at.detach().numpy(), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(w.numpy(), wt.detach().numpy(), rtol=1e-9, atol=1e-10)


def test_muon_matches_torch_with_a_tensor_lr():
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=(4, 3))
    w = tg.Parameter(w0)
    wt = torch.tensor(w0, requires_grad=True)
    opt = optim.Muon([w], lr=tg.Tensor(0.02))
    opt_t = torch.optim.Muon([wt], lr=torch.tensor(0.02))
    for _ in range(10):
        opt.zero_grad()
        (np.tanh(w) ** 2).sum().backward()
        opt.step()
        opt_t.zero_grad()
        (torch.tanh(wt) ** 2).sum().backward()
        opt_t.step()
    np.testing.assert_allclose(w.numpy(), wt.detach().numpy(), rtol=1e-10, atol=1e-10)
