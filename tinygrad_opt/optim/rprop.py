"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, blockwise, check_lr, implementation_flags, learning_rate

__all__ = ["Rprop", "rprop_update"]


def rprop_update(
    param,
    grad,
    prev,
    step_size,
    *,
    etaminus=0.5,
    etaplus=1.2,
    step_size_min=1e-6,
    step_size_max=50.0,
    maximize=False,
):
    r"""One Rprop step on NumPy arrays, in place (``param``, ``prev``, ``step_size``).

    With $d = \mp g$ and $p$ the previous step's (masked) direction ``prev``:

    $$s_i \leftarrow \operatorname{clip}\big(s_i \cdot \begin{cases}\eta^+ & d_i p_i > 0\\
      \eta^- & d_i p_i < 0\\ 1 & d_i p_i = 0\end{cases},\ s_{\min},\ s_{\max}\big),\qquad
      d_i \leftarrow 0 \text{ where } d_i p_i < 0$$

    $$\theta \leftarrow \theta - \operatorname{sign}(d) \odot s,\qquad p \leftarrow d$$

    (the "Rprop⁻" variant without backtracking, as PyTorch; a sign change skips that
    coordinate's step and resets its memory).
    """

    def update(p, prv, s, g, a, b):
        d = np.negative(g, out=a) if maximize else np.copyto(a, g) or a  # a copy: it is masked
        np.multiply(d, prv, out=b)
        flipped = b < 0
        factor = np.where(b > 0, etaplus, 1.0).astype(s.dtype, copy=False)
        factor[flipped] = etaminus
        s *= factor
        np.clip(s, step_size_min, step_size_max, out=s)
        d[flipped] = 0
        np.sign(d, out=b)
        b *= s
        p -= b
        prv[...] = d

    blockwise(update, [param, prev, step_size], [grad])


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller and Braun, 1993), as ``torch.optim.Rprop``.

    Each coordinate moves by its own step size against the sign of its gradient; the step size
    is multiplied by $\eta^+$ while the gradient keeps its sign and by $\eta^-$ when it flips
    (then that coordinate does not move this step), clipped to ``step_sizes`` (see
    :func:`rprop_update`). Step sizes start at ``lr``. No weight decay (PyTorch has none).

    Defaults: lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False. ``foreach``,
    ``capturable`` are ignored; ``differentiable=True`` is refused.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        etas=(0.5, 1.2),
        step_sizes=(1e-6, 50),
        *,
        capturable=False,
        foreach=None,
        maximize=False,
        differentiable=False,
    ):
        implementation_flags("Rprop", foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=maximize)
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"])
        etas, sizes = group["etas"], group["step_sizes"]
        if not isinstance(etas, (tuple, list)) or len(etas) != 2:
            raise ValueError(
                f"Invalid eta values: etas={etas!r} (expected a pair (etaminus, etaplus))"
            )
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(
                f"Invalid eta values: {etas[0]}, {etas[1]} (etas must satisfy 0 < etaminus < 1 "
                f"< etaplus)"
            )
        if not isinstance(sizes, (tuple, list)) or len(sizes) != 2:
            raise ValueError(
                f"Invalid step_sizes: step_sizes={sizes!r} (expected a pair (min, max))"
            )
        group["etas"], group["step_sizes"] = tuple(etas), tuple(sizes)

    def _init_state(self, param, group):
        return {
            "step": 0,
            "prev": np.zeros_like(param.data),
            "step_size": np.full_like(param.data, learning_rate(group["lr"])),
        }

    def _update(self, param, grad, state, group):
        state["step"] += 1
        etaminus, etaplus = group["etas"]
        lo, hi = group["step_sizes"]
        rprop_update(
            param,
            grad,
            state["prev"],
            state["step_size"],
            etaminus=etaminus,
            etaplus=etaplus,
            step_size_min=lo,
            step_size_max=hi,
            maximize=group["maximize"],
        )
