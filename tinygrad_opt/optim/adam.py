"""Adam and AdamW: steps from bias-corrected running moments of the gradient."""

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
    learning_rate,
)  # fmt: skip

__all__ = ["Adam", "AdamW", "adam_update"]


def adam_update(
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
    max_exp_avg_sq=None,
):
    """One Adam (or AdamW) step on NumPy arrays, in place (``param`` and the moment arrays).

    ``step`` t counts from 1. With d = ∓g (+ λθ unless the decay is decoupled)::

        θ ← θ (1 − lr λ)                      (AdamW: decoupled weight decay, first)
        m ← m + (1 − β₁)(d − m)               (exp_avg)
        v ← β₂ v + (1 − β₂) d²                (exp_avg_sq)
        v̂ ← max(v̂, v)                        (amsgrad only: max_exp_avg_sq, used for v below)
        θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + eps)

    The arrays are processed in cache-sized blocks (see ``blockwise``).
    """
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    amsgrad = max_exp_avg_sq is not None
    decay = 1 - lr * weight_decay if decoupled_weight_decay else None
    written = [param, exp_avg, exp_avg_sq] + ([max_exp_avg_sq] if amsgrad else [])

    def update(p, m, v, *rest):
        if amsgrad:
            vmax, g, a, b = rest
        else:
            g, a, b = rest
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
        if amsgrad:
            np.maximum(vmax, v, out=vmax)
            np.sqrt(vmax, out=b)
        else:
            np.sqrt(v, out=b)
        b /= bias_correction2_sqrt
        b += eps
        np.divide(m, b, out=b)
        b *= step_size
        p -= b

    blockwise(update, written, [grad])


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015, arXiv:1412.6980), as ``torch.optim.Adam``.

    m ← β₁ m + (1 − β₁) d,  v ← β₂ v + (1 − β₂) d²,
    θ ← θ − lr · m̂ / (√v̂ + eps),  m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ),
    where d is the gradient (negated for ``maximize``) plus ``weight_decay``·θ (L2 penalty) and
    t counts steps from 1. eps is added *outside* the square root, after bias correction.
    ``amsgrad`` uses the running maximum of v (Reddi et al., 2018).

    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
    maximize=False, decoupled_weight_decay=False (True is AdamW). ``foreach``, ``fused``,
    ``capturable`` are accepted and ignored (they pick PyTorch's kernels, not the rule);
    ``differentiable=True`` is refused. The post's Adam is ``Adam(params, lr=0.1, eps=1e-7)`` (its epsilon = 10e-8).
    """

    _decoupled = False

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        maximize=False,
        *,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
        decoupled_weight_decay=False,
    ):
        implementation_flags(type(self).__name__, foreach, fused, capturable, differentiable)
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay or self._decoupled,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("epsilon value", "eps", group["eps"])
        check_betas(group, allow_tensors=True)
        check_number("weight_decay value", "weight_decay", group["weight_decay"])

    def _init_state(self, param, group):
        state = {
            "step": 0,
            "exp_avg": np.zeros_like(param.data),
            "exp_avg_sq": np.zeros_like(param.data),
        }
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param.data)
        return state

    def _update(self, param, grad, state, group):
        state["step"] += 1
        beta1, beta2 = (learning_rate(b) for b in group["betas"])  # Tensor betas read as floats
        adam_update(
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
            max_exp_avg_sq=state.get("max_exp_avg_sq"),
        )


class AdamW(Adam):
    """AdamW (Loshchilov and Hutter, 2019), as ``torch.optim.AdamW``: Adam with decoupled decay.

    θ ← θ (1 − lr λ) first, then the Adam step of the plain gradient (the decay λ =
    ``weight_decay`` never enters the moment estimates).

    Defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
    maximize=False.
    """

    _decoupled = True

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=1e-2,
        amsgrad=False,
        *,
        maximize=False,
        foreach=None,
        capturable=False,
        differentiable=False,
        fused=None,
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            foreach=foreach,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
        )
