"""NAdam: Adam with Nesterov momentum and a momentum schedule (Dozat, 2016)."""

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

__all__ = ["NAdam", "nadam_update"]


def _mu(beta1, momentum_decay, step):
    """The momentum coefficient at a step: μₜ = β₁ (1 − ½ · 0.96^(t ψ))."""
    return beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))


def nadam_update(
    param,
    grad,
    exp_avg,
    exp_avg_sq,
    step,
    mu_product,
    *,
    lr,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    weight_decay=0.0,
    momentum_decay=4e-3,
    decoupled_weight_decay=False,
    maximize=False,
):
    r"""One NAdam step on NumPy arrays, in place; returns the new product of the μ's.

    ``step`` t counts from 1; ``mu_product`` is $\prod_{i<t} \mu_i$ (1 before the first step).
    With $d = \mp g + \lambda\theta$ (the decay is applied to θ instead when decoupled):

    $$\mu_t = \beta_1\left(1 - \tfrac12\, 0.96^{t\psi}\right),\qquad
      m \leftarrow \beta_1 m + (1-\beta_1) d,\qquad v \leftarrow \beta_2 v + (1-\beta_2) d^2$$

    $$\theta \leftarrow \theta - \frac{\eta (1-\mu_t)}{1 - \prod_{i\le t}\mu_i}\,\frac{d}{D}
      - \frac{\eta\, \mu_{t+1}}{1 - \prod_{i\le t+1}\mu_i}\,\frac{m}{D},\qquad
      D = \sqrt{v / (1-\beta_2^t)} + \epsilon$$

    (ψ = ``momentum_decay``; eps added outside the square root, after bias correction).
    """
    bias_correction2 = 1 - beta2**step
    mu = _mu(beta1, momentum_decay, step)
    mu_next = _mu(beta1, momentum_decay, step + 1)
    mu_product = mu_product * mu
    grad_coef = lr * (1.0 - mu) / (1.0 - mu_product)
    avg_coef = lr * mu_next / (1.0 - mu_product * mu_next)
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
        np.divide(v, bias_correction2, out=b)
        np.sqrt(b, out=b)
        b += eps
        # d may live in a: scale it there, then add the momentum term
        np.multiply(d, grad_coef, out=a)
        a /= b
        p -= a
        np.divide(m, b, out=b)
        b *= avg_coef
        p -= b

    blockwise(update, [param, exp_avg, exp_avg_sq], [grad])
    return mu_product


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016, "Incorporating Nesterov Momentum into Adam"), as ``torch.optim.NAdam``.

    $$\theta \leftarrow \theta - \eta\,\frac{(1-\mu_t)\, d/(1-\prod_{i\le t}\mu_i)
      + \mu_{t+1}\, m/(1-\prod_{i\le t+1}\mu_i)}{\sqrt{v/(1-\beta_2^t)} + \epsilon}$$

    with Adam's moments m, v of d (the gradient, negated for ``maximize``, plus
    ``weight_decay``·θ unless ``decoupled_weight_decay``, which decays θ by (1 − η λ) first, as
    NAdamW) and the momentum schedule $\mu_t = \beta_1(1 - \frac12 0.96^{t\psi})$,
    ψ = ``momentum_decay``. eps is added outside the square root, after bias correction.

    Defaults: lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, maximize=False. ``foreach``, ``capturable`` are ignored;
    ``differentiable=True`` is refused.
    """

    def __init__(
        self,
        params,
        lr=2e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        momentum_decay=4e-3,
        decoupled_weight_decay=False,
        *,
        foreach=None,
        maximize=False,
        capturable=False,
        differentiable=False,
    ):
        implementation_flags("NAdam", foreach, None, capturable, differentiable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            momentum_decay=momentum_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("epsilon value", "eps", group["eps"])
        check_betas(group)
        check_number("weight_decay value", "weight_decay", group["weight_decay"])
        check_number("momentum_decay value", "momentum_decay", group["momentum_decay"])

    def _init_state(self, param, group):
        return {
            "step": 0,
            "mu_product": 1.0,
            "exp_avg": np.zeros_like(param.data),
            "exp_avg_sq": np.zeros_like(param.data),
        }

    def _update(self, param, grad, state, group):
        state["step"] += 1
        beta1, beta2 = group["betas"]
        state["mu_product"] = nadam_update(
            param, grad, state["exp_avg"], state["exp_avg_sq"], state["step"],
            state["mu_product"], lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
            weight_decay=group["weight_decay"], momentum_decay=group["momentum_decay"],
            decoupled_weight_decay=group["decoupled_weight_decay"], maximize=group["maximize"],
        )  # fmt: skip
