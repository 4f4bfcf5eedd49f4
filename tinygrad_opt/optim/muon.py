"""Muon: momentum orthogonalised by Newton–Schulz iterations, for 2-D parameters."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer, check_lr, check_number

__all__ = ["Muon", "muon_update", "newton_schulz", "round_to_bfloat16"]

NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def round_to_bfloat16(x):
    """``x`` rounded to bfloat16 (nearest, ties to even), returned as float32.

    bfloat16 is float32 with the low 16 bits of the significand dropped; rounding works on the
    bit pattern, as PyTorch's conversion does.
    """
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (bits + (((bits >> 16) & 1) + 0x7FFF)) & 0xFFFF0000
    rounded = np.where(np.isnan(x), bits, rounded).astype(np.uint32)
    return rounded.view(np.float32).reshape(np.shape(x))


def newton_schulz(matrix, coefficients=NS_COEFFICIENTS, steps=5, eps=1e-7, precision="bfloat16"):
    r"""Approximately orthogonalise a matrix: $X \approx U V^\top$ for $G = U S V^\top$.

    $X_0 = G / \max(\lVert G\rVert_F, \epsilon)$ (transposed to be wide), then ``steps`` times

    $$A = X X^\top,\qquad X \leftarrow a X + (b A + c A^2) X$$

    with (a, b, c) = ``coefficients``: a quintic whose slope at zero is large, so singular
    values are pushed towards [0.7, 1.2] in a few steps rather than exactly to 1.
    ``precision="bfloat16"`` rounds every intermediate matrix to bfloat16, as PyTorch's Muon
    does (it runs the iteration in bfloat16; products accumulate in float32 here);
    ``"float"`` runs it in the matrix's own dtype.
    """
    if steps >= 100:
        raise ValueError("Number of steps must be less than 100 for computational efficiency")
    if matrix.ndim != 2:
        raise ValueError(f"Input tensor gradient must be a 2D matrix (got shape {matrix.shape})")
    if len(coefficients) != 3:
        raise ValueError("Coefficients must be a tuple of exactly 3 values")
    a, b, c = coefficients
    if precision == "bfloat16":
        r = round_to_bfloat16
    elif precision == "float":

        def r(x):
            return x
    else:
        raise ValueError(f"precision must be 'bfloat16' or 'float', got {precision!r}")
    x = r(matrix)
    tall = matrix.shape[0] > matrix.shape[1]
    if tall:
        x = x.T
    norm = r(np.float32(np.linalg.norm(x)) if precision == "bfloat16" else np.linalg.norm(x))
    x = r(x / max(norm, r(np.asarray(eps, x.dtype))))
    for _ in range(steps):
        gram = r(x @ x.T)
        poly = r(b * gram + c * (gram @ gram))
        x = r(a * x + poly @ x)
    return x.T if tall else x


def _lerp_into(start, end, weight):
    if abs(weight) < 0.5:
        start += weight * (end - start)
    else:
        start[...] = end - (end - start) * (1 - weight)


def adjusted_lr(lr, adjust_lr_fn, shape):
    """Muon's learning rate for a matrix of ``shape`` (A, B): lr·√max(1, A/B) ("original",
    Keller Jordan's) or lr·0.2·√max(A, B) ("match_rms_adamw", Moonshot's)."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if adjust_lr_fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    return lr


def muon_update(
    param,
    grad,
    momentum_buffer,
    *,
    lr=1e-3,
    weight_decay=0.1,
    momentum=0.95,
    nesterov=True,
    ns_coefficients=NS_COEFFICIENTS,
    eps=1e-7,
    ns_steps=5,
    adjust_lr_fn=None,
    precision="bfloat16",
):
    r"""One Muon step on NumPy arrays, in place (``param`` and ``momentum_buffer``).

    $$B \leftarrow \mu B + (1-\mu) G,\qquad
      \tilde B = \begin{cases} (1-\mu) G + \mu B & \text{nesterov}\\ B\end{cases},\qquad
      O = \mathrm{NS}(\tilde B)$$

    $$\theta \leftarrow \theta (1 - \eta\lambda) - \eta'\, O$$

    with η' from :func:`adjusted_lr` and NS from :func:`newton_schulz`. (PyTorch writes the
    buffer as a lerp, B ← B + (1 − μ)(G − B); the paper's B ← μB + G differs by the
    factor 1 − μ, which the normalisation inside NS removes.)
    """
    if grad.ndim != 2:
        raise ValueError(f"Param gradient must be a 2D matrix (got shape {grad.shape})")
    # both lerps as PyTorch evaluates them (start + w(end − start) for w < 0.5, else
    # end − (end − start)(1 − w)): NS rounds to bfloat16, where one ulp more can flip a rounding
    _lerp_into(momentum_buffer, grad, 1 - momentum)
    if nesterov:
        update = grad.copy()
        _lerp_into(update, momentum_buffer, momentum)
    else:
        update = momentum_buffer
    ortho = newton_schulz(update, ns_coefficients, ns_steps, eps, precision)
    param *= 1 - lr * weight_decay
    param -= adjusted_lr(lr, adjust_lr_fn, param.shape) * ortho.astype(param.dtype)


class Muon(Optimizer):
    r"""Muon (Jordan et al., 2024; Liu et al., 2025, arXiv:2502.16982), as ``torch.optim.Muon``.

    SGD with (Nesterov) momentum whose step is the momentum matrix orthogonalised by
    Newton–Schulz iterations, for 2-D parameters (hidden layers' weights; use AdamW for biases
    and embeddings):

    $$\theta \leftarrow \theta(1-\eta\lambda) - \eta'\, \mathrm{NS}_k^{(a,b,c)}(\tilde B)$$

    (see :func:`muon_update`). Like PyTorch, the iteration runs in bfloat16 (emulated: every
    intermediate rounded to bfloat16); ``precision="float"`` (not in PyTorch) runs it in the
    parameter's dtype instead. There is no ``maximize`` (PyTorch has none).

    Defaults: lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
    ns_coefficients=(3.4445, -4.7750, 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None
    ("original"; or "match_rms_adamw").
    """

    elementwise = False

    def __init__(
        self,
        params,
        lr=1e-3,
        weight_decay=0.1,
        momentum=0.95,
        nesterov=True,
        ns_coefficients=NS_COEFFICIENTS,
        eps=1e-7,
        ns_steps=5,
        adjust_lr_fn=None,
        *,
        precision="bfloat16",
    ):
        defaults = dict(
            lr=lr,
            weight_decay=weight_decay,
            momentum=momentum,
            nesterov=nesterov,
            ns_coefficients=ns_coefficients,
            eps=eps,
            ns_steps=ns_steps,
            adjust_lr_fn=adjust_lr_fn,
            precision=precision,
        )
        super().__init__(params, defaults)

    def _validate(self, group):
        check_lr(group["lr"], message="Learning rate should be >= 0 but is: {value}")
        check_number(
            "", "momentum", group["momentum"], message="momentum should be >= 0 but is: {value}"
        )
        check_number(
            "",
            "weight_decay",
            group["weight_decay"],
            message="weight decay should be >= 0 but is: {value}",
        )
        fn = group["adjust_lr_fn"]
        if fn is not None and fn not in ("original", "match_rms_adamw"):
            raise ValueError(f"Adjust learning rate function {fn} is not supported")
        if group["precision"] not in ("bfloat16", "float"):
            raise ValueError(f"precision must be 'bfloat16' or 'float', got {group['precision']!r}")
        for p in group["params"]:
            if p.ndim != 2:
                raise ValueError(
                    f"Muon only supports 2D parameters whereas we found a parameter with size: "
                    f"{p.shape}"
                )
        group["ns_coefficients"] = tuple(group["ns_coefficients"])

    def _init_state(self, param, group):
        return {"momentum_buffer": np.zeros_like(param.data)}

    def _update(self, param, grad, state, group):
        muon_update(
            param,
            grad,
            state["momentum_buffer"],
            lr=group["lr"],
            weight_decay=group["weight_decay"],
            momentum=group["momentum"],
            nesterov=group["nesterov"],
            ns_coefficients=group["ns_coefficients"],
            eps=group["eps"],
            ns_steps=group["ns_steps"],
            adjust_lr_fn=group["adjust_lr_fn"],
            precision=group["precision"],
        )
