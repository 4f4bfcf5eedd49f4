"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay."""

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

__all__ = ["SGD", "sgd_update"]


def sgd_update(
    param,
    grad,
    momentum_buffer=None,
    *,
    lr,
    momentum=0.0,
    dampening=0.0,
    weight_decay=0.0,
    nesterov=False,
    maximize=False,
):
    """One SGD step on NumPy arrays, in place; returns the momentum buffer (None without momentum).

    With d = ∓g + λθ (− for maximize, λ = weight_decay), and b the momentum buffer::

        b ← d                      on the first step (the buffer is created here)
        b ← μ b + (1 − τ) d        afterwards (μ = momentum, τ = dampening)
        d ← d + μ b  (nesterov)    or  d ← b
        θ ← θ − lr d
    """
    first = momentum != 0 and momentum_buffer is None
    if first:
        momentum_buffer = np.zeros_like(param)
    written = [param] if momentum == 0 else [param, momentum_buffer]

    def update(p, *rest):
        if momentum == 0:
            g, a, b = rest
        else:
            buf, g, a, b = rest
        d = direction(p, g, a, b, maximize, weight_decay)
        if momentum != 0:
            if first:
                buf[...] = d
            else:
                buf *= momentum
                np.multiply(d, 1 - dampening, out=b)
                buf += b
            if nesterov:
                np.multiply(buf, momentum, out=b)
                d = np.add(d, b, out=a)
            else:
                d = buf
        np.multiply(d, lr, out=b)
        p -= b

    blockwise(update, written, [grad])
    return momentum_buffer


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD`` (same arguments, defaults and rule).

    θ ← θ − lr·d, where d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ,
    replaced by the momentum buffer b ← μ b + (1 − dampening) d when ``momentum`` μ > 0
    (b starts as the first d), or by d + μ b with ``nesterov`` (Sutskever et al., 2013).

    Defaults: lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False.
    Nesterov momentum needs momentum > 0 and zero dampening.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
        maximize=False,
        *,
        foreach=None,
        differentiable=False,
        fused=None,
    ):
        implementation_flags("SGD", foreach, fused, False, differentiable)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("momentum value", "momentum", group["momentum"])
        check_number("dampening value", "dampening", group["dampening"])
        check_number("weight_decay value", "weight_decay", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum and zero dampening (got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r})"
            )

    def _init_state(self, param, group):
        return {}

    def _update(self, param, grad, state, group):
        buf = sgd_update(
            param, grad, state.get("momentum_buffer"), lr=group["lr"],
            momentum=group["momentum"], dampening=group["dampening"],
            weight_decay=group["weight_decay"], nesterov=group["nesterov"],
            maximize=group["maximize"],
        )  # fmt: skip
        if buf is not None:
            state["momentum_buffer"] = buf
