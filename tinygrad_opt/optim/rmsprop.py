"""RMSProp: step sizes scaled by a running average of squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    blockwise,
    check_lr,
    check_number,
    direction,
    implementation_flags,
)  # fmt: skip

__all__ = ["RMSProp", "rmsprop_update"]


def rmsprop_update(
    param,
    grad,
    square_avg,
    *,
    lr,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
    momentum_buffer=None,
    grad_avg=None,
):
    """One RMSProp step on NumPy arrays, in place (``param`` and the state arrays).

    With d = ∓g + λθ::

        v ← α v + (1 − α) d²                      (square_avg)
        m̄ ← m̄ + (1 − α)(d − m̄)                  (grad_avg, only when centered)
        a = √(v − m̄²) + eps  if centered,  else  √v + eps
        b ← μ b + d / a,  θ ← θ − lr b            (momentum μ > 0, momentum_buffer b)
        θ ← θ − lr d / a                          (otherwise)
    """
    written = [param, square_avg]
    if centered:
        written.append(grad_avg)
    if momentum > 0:
        written.append(momentum_buffer)

    def update(p, v, *rest):
        rest = list(rest)
        ga = rest.pop(0) if centered else None
        buf = rest.pop(0) if momentum > 0 else None
        g, a, b = rest
        d = direction(p, g, a, b, maximize, weight_decay)
        v *= alpha
        np.multiply(d, 1 - alpha, out=b)
        b *= d
        v += b
        if centered:
            np.subtract(d, ga, out=b)
            b *= 1 - alpha
            ga += b
            np.multiply(ga, ga, out=b)
            np.subtract(v, b, out=b)
            np.sqrt(b, out=b)
        else:
            np.sqrt(v, out=b)
        b += eps
        np.divide(d, b, out=b)
        if momentum > 0:
            buf *= momentum
            buf += b
            np.multiply(buf, lr, out=b)
        else:
            b *= lr
        p -= b

    blockwise(update, written, [grad])


class RMSProp(Optimizer):
    """RMSProp (Hinton, Coursera lecture 6e, 2012), as ``torch.optim.RMSprop``.

    v ← α v + (1 − α) d²,  θ ← θ − lr · d / (√v + eps),
    where d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ. eps is added
    *outside* the square root. ``centered`` divides by √(v − m̄²) + eps instead, m̄ the running
    mean of d (Graves, 2013); ``momentum`` μ > 0 keeps a buffer b ← μ b + d / (√v + eps) and steps
    θ ← θ − lr b.

    Defaults: lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
    maximize=False, initial_accumulator_value=0. The last is not in PyTorch (where v starts at 0):
    it starts v elsewhere, as the post does (v = 0.1). The post's RMSProp with decay ρ is
    ``RMSProp(params, lr=0.1, alpha=ρ, eps=0, initial_accumulator_value=0.1)``.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        momentum=0.0,
        centered=False,
        maximize=False,
        initial_accumulator_value=0.0,
        *,
        capturable=False,
        foreach=None,
        differentiable=False,
    ):
        implementation_flags("RMSprop", foreach, None, capturable, differentiable)
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
            initial_accumulator_value=initial_accumulator_value,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("alpha value", "alpha", group["alpha"])
        check_number("epsilon value", "eps", group["eps"])
        check_number("momentum value", "momentum", group["momentum"])
        check_number("weight_decay value", "weight_decay", group["weight_decay"])
        check_number(
            "initial_accumulator_value",
            "initial_accumulator_value",
            group["initial_accumulator_value"],
        )

    def _init_state(self, param, group):
        state = {
            "step": 0,
            "square_avg": np.full_like(param.data, group["initial_accumulator_value"]),
        }
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(param.data)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(param.data)
        return state

    def _update(self, param, grad, state, group):
        state["step"] += 1
        rmsprop_update(
            param,
            grad,
            state["square_avg"],
            lr=group["lr"],
            alpha=group["alpha"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            centered=group["centered"],
            maximize=group["maximize"],
            momentum_buffer=state.get("momentum_buffer"),
            grad_avg=state.get("grad_avg"),
        )
