"""Adadelta: steps scaled by the ratio of running RMS of updates and of gradients."""

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

__all__ = ["Adadelta", "adadelta_update"]


def adadelta_update(
    param,
    grad,
    square_avg,
    acc_delta,
    *,
    lr=1.0,
    rho=0.9,
    eps=1e-6,
    weight_decay=0.0,
    maximize=False,
):
    r"""One Adadelta step on NumPy arrays, in place (``param``, ``square_avg``, ``acc_delta``).

    With $d = \mp g + \lambda\theta$:

    $$v \leftarrow \rho v + (1-\rho) d^2,\qquad
      \Delta = \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}}\, d,\qquad
      u \leftarrow \rho u + (1-\rho)\Delta^2,\qquad \theta \leftarrow \theta - \eta\,\Delta$$

    eps is added *inside* both square roots (v = ``square_avg``, u = ``acc_delta``).
    """

    def update(p, v, u, g, a, b):
        d = direction(p, g, a, b, maximize, weight_decay)
        v *= rho
        np.multiply(d, 1 - rho, out=b)
        b *= d
        v += b
        np.add(u, eps, out=b)
        np.sqrt(b, out=b)
        if d is not a:
            np.copyto(a, d)
        a *= b  # a = sqrt(u + eps) · d
        np.add(v, eps, out=b)
        np.sqrt(b, out=b)
        np.divide(a, b, out=a)  # a = Δ
        u *= rho
        np.multiply(a, 1 - rho, out=b)
        b *= a
        u += b
        a *= lr
        p -= a

    blockwise(update, [param, square_avg, acc_delta], [grad])


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012, arXiv:1212.5701), as ``torch.optim.Adadelta``.

    $$v \leftarrow \rho v + (1-\rho) d^2,\quad
      \Delta = \frac{\sqrt{u+\epsilon}}{\sqrt{v+\epsilon}} d,\quad
      u \leftarrow \rho u + (1-\rho)\Delta^2,\quad \theta \leftarrow \theta - \eta \Delta$$

    d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ; eps sits inside both
    square roots.

    Defaults: lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False. ``foreach``,
    ``capturable`` are ignored; ``differentiable=True`` is refused.
    """

    def __init__(
        self,
        params,
        lr=1.0,
        rho=0.9,
        eps=1e-6,
        weight_decay=0.0,
        foreach=None,
        *,
        capturable=False,
        maximize=False,
        differentiable=False,
    ):
        implementation_flags("Adadelta", foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("rho value", "rho", group["rho"], 0.0, 1.0, high_inclusive=True)
        check_number("epsilon value", "eps", group["eps"])
        check_number("weight_decay value", "weight_decay", group["weight_decay"])

    def _init_state(self, param, group):
        return {
            "step": 0,
            "square_avg": np.zeros_like(param.data),
            "acc_delta": np.zeros_like(param.data),
        }

    def _update(self, param, grad, state, group):
        state["step"] += 1
        adadelta_update(
            param,
            grad,
            state["square_avg"],
            state["acc_delta"],
            lr=group["lr"],
            rho=group["rho"],
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )
