"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

import numpy as np

from .optimizer import (
    Optimizer,
    blockwise,
    check_betas,
    check_lr,
    check_number,
    direction,
    implementation_flags,
)  # fmt: skip

__all__ = ["Adamax", "adamax_update"]


def adamax_update(
    param,
    grad,
    exp_avg,
    exp_inf,
    step,
    *,
    lr,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    maximize=False,
):
    r"""One Adamax step on NumPy arrays, in place (``param``, ``exp_avg``, ``exp_inf``).

    ``step`` t counts from 1. With $d = \mp g + \lambda\theta$:

    $$m \leftarrow \beta_1 m + (1-\beta_1) d,\qquad
      u \leftarrow \max(\beta_2 u,\ |d| + \epsilon),\qquad
      \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\,\frac{m}{u}$$

    eps is added to |d| inside the maximum (so u > 0 from the first step on).
    """
    clr = lr / (1 - beta1**step)

    def update(p, m, u, g, a, b):
        d = direction(p, g, a, b, maximize, weight_decay)
        np.subtract(d, m, out=b)
        b *= 1 - beta1
        m += b
        u *= beta2
        np.abs(d, out=b)
        b += eps
        np.maximum(u, b, out=u)
        np.divide(m, u, out=b)
        b *= clr
        p -= b

    blockwise(update, [param, exp_avg, exp_inf], [grad])


class Adamax(Optimizer):
    r"""Adamax (Kingma and Ba, 2015, arXiv:1412.6980 section 7.1), as ``torch.optim.Adamax``.

    $$m \leftarrow \beta_1 m + (1-\beta_1) d,\quad u \leftarrow \max(\beta_2 u, |d| + \epsilon),
      \quad \theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\frac{m}{u}$$

    d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ.

    Defaults: lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, maximize=False.
    ``foreach``, ``capturable`` are ignored; ``differentiable=True`` is refused.
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        capturable=False,
    ):
        implementation_flags("Adamax", foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("epsilon value", "eps", group["eps"])
        check_betas(group)
        check_number("weight_decay value", "weight_decay", group["weight_decay"])

    def _init_state(self, param, group):
        return {
            "step": 0,
            "exp_avg": np.zeros_like(param.data),
            "exp_inf": np.zeros_like(param.data),
        }

    def _update(self, param, grad, state, group):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        adamax_update(
            param,
            grad,
            state["exp_avg"],
            state["exp_inf"],
            state["step"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )
