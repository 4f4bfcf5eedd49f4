"""The blog post's three loops, with its signatures and return values, on the optimizer classes.

Each takes a gradient function ``gfx`` (hand-written, or ``tg.grad(fx)``) and a start ``x``,
logs every iterate, and stops when a step moves x by less than ``th`` in total,
Σ|x_new − x| < th, keeping the x it had (the step that fell under ``th`` is not taken).
They return ``(x, i, log)``: the final x, the loop counter when it stopped, and the iterates
as rows of ``log``.

The post's variants differ from PyTorch's defaults, and each is expressed with our classes:
AdaGrad and RMSProp start their accumulator h at 0.1 and have no eps; Adam's epsilon = 10e-8
(that is, 1e-7) is added outside the bias-corrected square root, as in PyTorch.
"""

from __future__ import annotations

import numpy as np

from .optim import AdaGrad, Adam, RMSProp
from .tensor import Parameter, wrap

__all__ = ["adagrad", "rmsprop", "adam"]


def _start(x, h=None):
    p = Parameter(x)
    if h is not None:
        h = np.broadcast_to(np.asarray(h, dtype=p.dtype), p.shape).copy()
    return p, h


def _take_step(p, optimizer, gfx, th):
    """One step of the post's loop; True when it stops (the step is then undone)."""
    x = p.data.copy()
    p.grad = wrap(np.asarray(gfx(x), dtype=p.dtype))
    optimizer.step()
    if np.sum(np.abs(x - p.data)) < th:
        p.data[...] = x
        return True
    return False


def _run(p, optimizer, gfx, ir, th):
    """The loop of the post's AdaGrad and RMSProp: at most ``ir`` steps; returns (x, i, log)."""
    log = []
    i = 0
    for i in range(ir):  # noqa: B007 - i is returned, as in the post
        log.append(p.data.copy())
        if _take_step(p, optimizer, gfx, th):
            break
    return p.data.copy(), i, np.array(log).reshape(-1, p.size)


def adagrad(f, gfx, x, ir=100, h=np.array([0.1, 0.1]), lamb=0.1, th=1e-5):  # noqa: B008
    """The post's AdaGrad: h ← h + g², x ← x − lamb · g / √h.

    ``f`` is not used (the post passes it); ``ir`` is the iteration limit, ``h`` the starting
    accumulator, ``lamb`` the learning rate, ``th`` the stopping threshold. Runs on
    ``AdaGrad(lr=lamb, eps=0)`` with its sum started at h.
    """
    p, h = _start(x, h)
    optimizer = AdaGrad([p], lr=lamb, eps=0.0)
    optimizer.state[p] = {"step": 0, "sum": h}
    return _run(p, optimizer, gfx, ir, th)


def rmsprop(f, gfx, x, ir=100, h=np.array([0.1, 0.1]), gamma=0.001, lamb=0.1, rho=0.5, th=1e-5):  # noqa: B008
    """The post's RMSProp: h ← ρ h + (1 − ρ) g², x ← x − lamb · g / √h.

    ``f`` and ``gamma`` are not used (the post's signature has them). Runs on
    ``RMSProp(lr=lamb, alpha=rho, eps=0)`` with its square average started at h.
    """
    p, h = _start(x, h)
    optimizer = RMSProp([p], lr=lamb, alpha=rho, eps=0.0)
    optimizer.state[p] = {"step": 0, "square_avg": h}
    return _run(p, optimizer, gfx, ir, th)


def adam(gfx, x, ir=1000, alpha=0.1, beta1=0.9, beta2=0.999, epsilon=10e-8, th=1e-5):
    """The post's Adam; its step counter t starts at 1 and is returned (``(x, t, log)``).

    Runs on ``Adam(lr=alpha, betas=(beta1, beta2), eps=epsilon)``; note the post's default
    epsilon = 10e-8 is 1e-7.
    """
    p, _ = _start(x)
    optimizer = Adam([p], lr=alpha, betas=(beta1, beta2), eps=epsilon)
    log = []
    t = 1
    while t < ir:
        log.append(p.data.copy())
        if _take_step(p, optimizer, gfx, th):
            break
        t += 1
    return p.data.copy(), t, np.array(log).reshape(-1, p.size)
