"""ASGD: stochastic gradient descent with a decaying step and a running average of iterates."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    blockwise,
    check_lr,
    check_number,
    direction,
    implementation_flags,
    learning_rate,
)  # fmt: skip

__all__ = ["ASGD", "asgd_update"]


def asgd_update(
    param,
    grad,
    ax,
    step,
    eta,
    mu,
    *,
    lr=1e-2,
    lambd=1e-4,
    alpha=0.75,
    t0=1e6,
    weight_decay=0.0,
    maximize=False,
):
    r"""One ASGD step on NumPy arrays, in place (``param``, ``ax``); returns the new (η, μ).

    ``step`` t counts from 1; η and μ are the step size and averaging rate computed at the
    previous step (η₀ = lr, μ₀ = 1). With $d = \mp g + \lambda_{wd}\theta$:

    $$\theta \leftarrow \theta (1 - \lambda \eta) - \eta\, d,\qquad
      \bar\theta \leftarrow \begin{cases}\theta & \mu = 1\\
      \bar\theta + \mu(\theta - \bar\theta) & \text{otherwise}\end{cases}$$

    $$\eta \leftarrow \frac{lr}{(1 + \lambda\, lr\, t)^{\alpha}},\qquad
      \mu \leftarrow \frac{1}{\max(1,\ t - t_0)}$$

    (λ = ``lambd``, the averaged iterate θ̄ = ``ax``).
    """
    keep = 1 - lambd * eta

    def update(p, avg, g, a, b):
        d = direction(p, g, a, b, maximize, weight_decay)
        p *= keep
        np.multiply(d, eta, out=b)
        p -= b
        if mu != 1:
            np.subtract(p, avg, out=b)
            b *= mu
            avg += b
        else:
            avg[...] = p

    blockwise(update, [param, ax], [grad])
    return lr / ((1 + lambd * lr * step) ** alpha), 1 / max(1, step - t0)


class ASGD(Optimizer):
    r"""Averaged stochastic gradient descent (Polyak and Juditsky, 1992), as ``torch.optim.ASGD``.

    $$\theta \leftarrow \theta(1-\lambda\eta_{t-1}) - \eta_{t-1} d,\quad
      \eta_t = \frac{lr}{(1+\lambda\,lr\,t)^\alpha},\quad
      \bar\theta \leftarrow \bar\theta + \mu_{t-1}(\theta - \bar\theta),\quad
      \mu_t = \frac1{\max(1, t-t_0)}$$

    d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ. The average θ̄ is kept
    in ``state["ax"]`` (it starts averaging after t0 steps); the parameters themselves follow
    plain SGD with the decaying step η.

    Defaults: lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False.
    ``foreach``, ``capturable`` are ignored; ``differentiable=True`` is refused.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lambd=1e-4,
        alpha=0.75,
        t0=1e6,
        weight_decay=0.0,
        foreach=None,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        implementation_flags("ASGD", foreach, None, capturable, differentiable)
        defaults = dict(
            lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, maximize=maximize
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("weight_decay value", "weight_decay", group["weight_decay"])
        for key in ("lambd", "alpha", "t0"):
            check_number(f"{key} value", key, group[key], low=-np.inf)

    def _init_state(self, param, group):
        return {
            "step": 0,
            "eta": learning_rate(group["lr"]),
            "mu": 1.0,
            "ax": np.zeros_like(param.data),
        }

    def _update(self, param, grad, state, group):
        state["step"] += 1
        state["eta"], state["mu"] = asgd_update(
            param, grad, state["ax"], state["step"], state["eta"], state["mu"], lr=group["lr"],
            lambd=group["lambd"], alpha=group["alpha"], t0=group["t0"],
            weight_decay=group["weight_decay"], maximize=group["maximize"],
        )  # fmt: skip
