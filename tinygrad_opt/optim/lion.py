"""Lion: the sign of an interpolated momentum, found by program search."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, blockwise, check_betas, check_lr, check_number

__all__ = ["Lion", "lion_update"]


def lion_update(
    param, grad, exp_avg, *, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0, maximize=False
):
    r"""One Lion step on NumPy arrays, in place (``param`` and ``exp_avg``).

    With $d = \mp g$ (− for maximize) and the momentum m (``exp_avg``):

    $$c = \beta_1 m + (1-\beta_1) d,\qquad
      \theta \leftarrow \theta - \eta\,\big(\operatorname{sign}(c) + \lambda\theta\big),\qquad
      m \leftarrow \beta_2 m + (1-\beta_2) d$$

    (Chen et al. 2023, Algorithm 2; λ = ``weight_decay`` is decoupled, applied as θ(1 − ηλ)).
    """
    decay = 1 - lr * weight_decay

    def update(p, m, g, a, b):
        # c = β₁ m ± (1 − β₁) g without forming d = ∓g: its sign goes into add or subtract
        combine = np.subtract if maximize else np.add
        np.multiply(g, 1 - beta1, out=a)
        np.multiply(m, beta1, out=b)
        combine(b, a, out=b)
        np.sign(b, out=a)  # not in place: NumPy 2.4's in-place sign is ~10x slower
        if weight_decay != 0:
            p *= decay
        a *= lr
        p -= a
        m *= beta2
        np.multiply(g, 1 - beta2, out=a)
        combine(m, a, out=m)

    blockwise(update, [param, exp_avg], [grad])


class Lion(Optimizer):
    r"""Lion, EvoLved Sign Momentum (Chen et al., 2023, arXiv:2302.06675). Not in PyTorch.

    $$c = \beta_1 m + (1-\beta_1) g,\qquad
      \theta \leftarrow \theta - \eta\,\big(\operatorname{sign}(c) + \lambda\theta\big),\qquad
      m \leftarrow \beta_2 m + (1-\beta_2) g$$

    Every coordinate moves by exactly ±η (or 0), so the learning rate is typically 3–10x
    smaller than AdamW's and the decoupled weight decay λ 3–10x larger, as the paper advises.
    ``maximize`` uses −g. No eps: the sign needs none.

    Defaults (the paper's): lr=1e-4, betas=(0.9, 0.99), weight_decay=0, maximize=False.
    """

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, *, maximize=False):
        defaults = dict(lr=lr, betas=betas, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_betas(group)
        check_number("weight_decay value", "weight_decay", group["weight_decay"])

    def _init_state(self, param, group):
        return {"step": 0, "exp_avg": np.zeros_like(param.data)}

    def _update(self, param, grad, state, group):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        lion_update(
            param,
            grad,
            state["exp_avg"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
        )
