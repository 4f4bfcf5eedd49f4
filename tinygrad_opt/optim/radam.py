"""RAdam: Adam with a rectified adaptive step while the variance estimate is unreliable."""

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

__all__ = ["RAdam", "radam_update"]


def radam_update(
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    step,
    *,
    lr,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    decoupled_weight_decay=False,
    maximize=False,
):
    r"""One RAdam step on NumPy arrays, in place (``param`` and the moments).

    ``step`` t counts from 1. With $d = \mp g + \lambda\theta$ (or θ ← θ(1 − ηλ) first when the
    decay is decoupled), Adam's moments $m \leftarrow \beta_1 m + (1-\beta_1)d$,
    $v \leftarrow \beta_2 v + (1-\beta_2)d^2$, $\hat m = m/(1-\beta_1^t)$ and

    $$\rho_\infty = \frac{2}{1-\beta_2} - 1,\qquad
      \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1-\beta_2^t}$$

    $$\theta \leftarrow \begin{cases}
      \theta - \eta\, \hat m\, r_t\, \dfrac{\sqrt{1-\beta_2^t}}{\sqrt v + \epsilon}, &
      r_t = \sqrt{\dfrac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}
      \quad \text{if } \rho_t > 5\\
      \theta - \eta\, \hat m & \text{otherwise (SGD with momentum)}\end{cases}$$

    eps is added to √v *before* the bias correction √(1 − β₂ᵗ) multiplies in, as in PyTorch.
    """
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
    adaptive = rho_t > 5.0
    if adaptive:
        rect = (
            (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        ) ** 0.5
        coef = lr * rect * bias_correction2**0.5 / bias_correction1
    decay = 1 - lr * weight_decay

    def update(p, m, v, g, a, b):
        if decoupled_weight_decay and weight_decay != 0:
            p *= decay
        d = direction(p, g, a, b, maximize, 0.0 if decoupled_weight_decay else weight_decay)
        np.subtract(d, m, out=b)
        b *= 1 - beta1
        m += b
        v *= beta2
        np.multiply(d, 1 - beta2, out=b)
        b *= d
        v += b
        if adaptive:
            np.sqrt(v, out=b)
            b += eps
            np.divide(m, b, out=b)
            b *= coef
        else:
            np.multiply(m, lr / bias_correction1, out=b)
        p -= b

    blockwise(update, [param, exp_avg, exp_avg_sq], [grad])


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2020, arXiv:1908.03265), as ``torch.optim.RAdam``.

    Adam whose adaptive step is multiplied by the rectification $r_t$ once the length of the
    approximated simple moving average $\rho_t$ exceeds 5, and plain bias-corrected momentum
    $\theta \leftarrow \theta - \eta\,\hat m$ before (see :func:`radam_update` for the rule).
    ``decoupled_weight_decay=True`` decays θ by (1 − η λ) first (RAdamW).

    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    decoupled_weight_decay=False, maximize=False. ``foreach``, ``capturable`` are ignored;
    ``differentiable=True`` is refused.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        implementation_flags("RAdam", foreach, None, capturable, differentiable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
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
            "exp_avg_sq": np.zeros_like(param.data),
        }

    def _update(self, param, grad, state, group):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        radam_update(
            param,
            grad,
            state["exp_avg"],
            state["exp_avg_sq"],
            state["step"],
            lr=group["lr"],
            beta1=beta1,
            beta2=beta2,
            eps=group["eps"],
            weight_decay=group["weight_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"],
            maximize=group["maximize"],
        )
