"""Adafactor: Adam-like steps from a factored (row × column) estimate of the second moment."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_lr, check_number, implementation_flags

__all__ = ["Adafactor", "adafactor_update"]


def _lerp(start, end, weight):
    """start + weight (end − start), in place in ``start`` (PyTorch's lerp, both branches)."""
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def adafactor_update(
    param,
    grad,
    step,
    *,
    lr=1e-2,
    beta2_decay=-0.8,
    eps1=None,
    eps2=1e-3,
    d=1.0,
    weight_decay=0.0,
    maximize=False,
    row_var=None,
    col_var=None,
    variance=None,
):
    r"""One Adafactor step on NumPy arrays, in place (``param`` and the variance state).

    ``step`` t counts from 1. With $G = \mp g$ (− for maximize),
    $\hat\beta_t = 1 - t^{c}$ (c = ``beta2_decay``), $\rho_t = \min(\eta, 1/\sqrt t)$ and
    $\alpha_t = \max(\epsilon_2, \operatorname{RMS}(\theta))\,\rho_t$ (θ before the decay):

    $$\theta \leftarrow \theta (1 - \eta\lambda)$$

    For a matrix (the last two axes; any leading axes are batch axes), row and column factors
    $R \leftarrow \hat\beta_t R + (1-\hat\beta_t)\,\overline{G^2}_{\text{row}}$,
    $C \leftarrow \hat\beta_t C + (1-\hat\beta_t)\,\overline{G^2}_{\text{col}}$ (means over the last
    and the second-to-last axis) give $\hat V = R C / \max(\overline R, \epsilon_1)$; for a vector
    or a scalar $\hat V = V \leftarrow \hat\beta_t V + (1-\hat\beta_t) G^2$. Then

    $$U = \frac{G}{\sqrt{\max(\hat V, \epsilon_1^2)}},\qquad
      \theta \leftarrow \theta - \frac{\alpha_t}{\max(1, \operatorname{RMS}(U)/d)}\, U$$

    eps1 (default: the dtype's machine epsilon) floors the variance, squared since the root
    is taken after; eps2 floors the parameter scale. No first moment (β₁ = 0), as PyTorch.
    """
    g = -grad if maximize else grad
    if eps1 is None:
        eps1 = float(np.finfo(param.dtype).eps)
    one_minus_beta2 = float(step) ** beta2_decay
    rho = min(lr, 1 / step**0.5)
    alpha = max(eps2, float(np.linalg.norm(param.reshape(-1))) / param.size**0.5) * rho
    if weight_decay != 0:
        param *= 1 - lr * weight_decay
    if g.ndim > 1:
        squares = g * g
        _lerp(row_var, squares.mean(axis=-1, keepdims=True), one_minus_beta2)
        _lerp(col_var, squares.mean(axis=-2, keepdims=True), one_minus_beta2)
        estimate = row_var @ col_var
        estimate /= np.maximum(row_var.mean(axis=-2, keepdims=True), eps1)
    else:
        _lerp(variance, g * g, one_minus_beta2)
        estimate = variance.copy()
    np.maximum(estimate, eps1 * eps1, out=estimate)
    update = np.sqrt(estimate, out=estimate)
    np.divide(g, update, out=update)
    rms = float(np.linalg.norm(update.reshape(-1))) / (update.size**0.5 * d)
    update *= alpha / max(1.0, rms)
    param -= update


class Adafactor(Optimizer):
    r"""Adafactor (Shazeer and Stern, 2018, arXiv:1804.04235), as ``torch.optim.Adafactor``.

    Adam without a first moment whose second moment, for matrices, is stored as one row and
    one column vector (O(m + n) memory instead of O(mn)); the step is relative to the
    parameter's RMS, with update clipping at RMS d (see :func:`adafactor_update`):

    $$\theta \leftarrow \theta(1-\eta\lambda) - \frac{\max(\epsilon_2, \mathrm{RMS}(\theta))
      \min(\eta, t^{-1/2})}{\max(1, \mathrm{RMS}(U)/d)}\, U,\qquad U = \frac{G}{\sqrt{\hat V}}$$

    Defaults (PyTorch's): lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3) (None: the dtype's
    machine epsilon), d=1.0, weight_decay=0, maximize=False. ``foreach`` is ignored.
    The rule cannot be blocked like Adam's: α needs ‖θ‖ and the clipping needs ‖U‖ over the
    whole tensor before any element is written.
    """

    elementwise = False

    _free_state = ("row_var", "col_var")

    def __init__(
        self,
        params,
        lr=1e-2,
        beta2_decay=-0.8,
        eps=(None, 1e-3),
        d=1.0,
        weight_decay=0.0,
        *,
        foreach=None,
        maximize=False,
    ):
        implementation_flags("Adafactor", foreach)
        defaults = dict(
            lr=lr,
            beta2_decay=beta2_decay,
            eps=eps,
            d=d,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"], message="Learning rate should be >= 0 but is: {value}")
        decay = group["beta2_decay"]
        check_number(
            "",
            "beta2_decay",
            decay,
            low=-np.inf,
            message="beta2_decay should be <= 0 but is: {value}",
        )
        if decay > 0:
            raise ValueError(
                f"beta2_decay should be <= 0 but is: {decay} (beta2_decay={decay!r} must be <= 0)"
            )
        eps = group["eps"]
        if not isinstance(eps, (tuple, list)) or len(eps) != 2:
            raise ValueError(f"Invalid eps: eps={eps!r} (expected a pair (eps1 or None, eps2))")
        group["eps"] = tuple(eps)
        if eps[0] is not None:
            check_number("", "eps[0]", eps[0], message="epsilon1 should be >= 0 but is: {value}")
        check_number("", "eps[1]", eps[1], message="epsilon2 should be >= 0 but is: {value}")
        check_number(
            "",
            "d",
            group["d"],
            low=1.0,
            message="Clipping threshold d should be >= 1 but is: {value}",
        )
        check_number(
            "",
            "weight_decay",
            group["weight_decay"],
            message="weight_decay should be >= 0 but is: {value}",
        )

    def _init_state(self, param, group):
        state = {"step": 0}
        if param.ndim > 1:
            row_shape, col_shape = list(param.shape), list(param.shape)
            row_shape[-1] = 1
            col_shape[-2] = 1
            state["row_var"] = np.zeros(row_shape, param.dtype)
            state["col_var"] = np.zeros(col_shape, param.dtype)
        else:
            state["variance"] = np.zeros_like(param.data)
        return state

    def _update(self, param, grad, state, group):
        state["step"] += 1
        eps1, eps2 = group["eps"]
        adafactor_update(
            param,
            grad,
            state["step"],
            lr=group["lr"],
            beta2_decay=group["beta2_decay"],
            eps1=eps1,
            eps2=eps2,
            d=group["d"],
            weight_decay=group["weight_decay"],
            maximize=group["maximize"],
            row_var=state.get("row_var"),
            col_var=state.get("col_var"),
            variance=state.get("variance"),
        )
