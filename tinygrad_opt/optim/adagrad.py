"""AdaGrad: per-coordinate step sizes that shrink with the sum of squared gradients."""

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

__all__ = ["AdaGrad", "adagrad_update"]


def adagrad_update(
    param, grad, state_sum, step, *, lr, lr_decay=0.0, weight_decay=0.0, eps=1e-10, maximize=False
):
    """One AdaGrad step on NumPy arrays, in place (``param`` and ``state_sum``).

    ``step`` counts from 1. With d = ∓g + λθ::

        η  = lr / (1 + (step − 1) · lr_decay)
        s ← s + d²
        θ ← θ − η · d / (√s + eps)
    """
    clr = lr / (1 + (step - 1) * lr_decay)

    def update(p, s, g, a, b):
        d = direction(p, g, a, b, maximize, weight_decay)
        np.multiply(d, d, out=b)
        s += b
        np.sqrt(s, out=b)
        b += eps
        np.divide(d, b, out=b)
        b *= clr
        p -= b

    blockwise(update, [param, state_sum], [grad])


class AdaGrad(Optimizer):
    """AdaGrad (Duchi, Hazan and Singer, 2011), as ``torch.optim.Adagrad``.

    s ← s + d²,  θ ← θ − η d / (√s + eps),  η = lr / (1 + (t − 1) lr_decay),
    where d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ, s starts at
    ``initial_accumulator_value`` and t counts steps from 1. eps is added *outside* the square
    root.

    Defaults: lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    maximize=False. The post's AdaGrad is ``AdaGrad(params, lr=0.1, eps=0)`` with s starting
    at 0.1 (``initial_accumulator_value=0.1``).
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0.0,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        eps=1e-10,
        foreach=None,
        *,
        maximize=False,
        differentiable=False,
        fused=None,
    ):
        implementation_flags("Adagrad", foreach, fused, False, differentiable)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("lr_decay value", "lr_decay", group["lr_decay"])
        check_number("weight_decay value", "weight_decay", group["weight_decay"])
        check_number(
            "initial_accumulator_value value",
            "initial_accumulator_value",
            group["initial_accumulator_value"],
        )
        check_number("epsilon value", "eps", group["eps"])

    def _init_state(self, param, group):
        return {"step": 0, "sum": np.full_like(param.data, group["initial_accumulator_value"])}

    def _update(self, param, grad, state, group):
        state["step"] += 1
        adagrad_update(
            param,
            grad,
            state["sum"],
            state["step"],
            lr=group["lr"],
            lr_decay=group["lr_decay"],
            weight_decay=group["weight_decay"],
            eps=group["eps"],
            maximize=group["maximize"],
        )
