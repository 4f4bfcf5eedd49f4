"""Newton's method with exact Hessians (double backward) and Levenberg–Marquardt damping."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, enable_grad
from .optimizer import Optimizer, check_lr, check_number, learning_rate

__all__ = ["Newton", "damped_newton_step"]


def damped_newton_step(grad, hessian, damping):
    r"""The Levenberg–Marquardt step $s = -(H + \lambda I)^{-1} g$ and the λ used.

    λ starts at ``damping``; if H + λI is not positive definite (H indefinite: a saddle or a
    maximum nearby), λ is raised to $-\lambda_{\min}(H) + \max(\text{damping}, 10^{-10}\,
    (1 + |\lambda_{\min}|))$ so that s is a descent direction: $g^\top s < 0$ whenever g ≠ 0.
    """
    n = grad.size
    eye = np.eye(n, dtype=hessian.dtype)
    lam = damping
    try:
        factor = np.linalg.cholesky(hessian + lam * eye)
    except np.linalg.LinAlgError:
        lowest = float(np.linalg.eigvalsh(hessian)[0])
        lam = -lowest + max(damping, 1e-10 * (1 + abs(lowest)))
        factor = np.linalg.cholesky(hessian + lam * eye)
    step = -np.linalg.solve(factor.T, np.linalg.solve(factor, grad))
    return step, lam


class Newton(Optimizer):
    r"""Newton's method with the exact Hessian and Levenberg–Marquardt damping. Not in PyTorch.

    Each ``step(closure)`` computes f, the gradient g and the Hessian H of the closure's loss
    with respect to all parameters (one flat vector; H by double backward, one backward per
    row), then tries

    $$s = -\eta\,(H + \lambda I)^{-1} g,\qquad \lambda = \mu\,\lVert g\rVert_2$$

    (raised further when H + λI is not positive definite, see :func:`damped_newton_step`) and
    accepts it (without a trial evaluation when the predicted decrease is below f's rounding) when the actual reduction is a fair share of the one the quadratic model
    predicts, $\rho = \frac{f(x) - f(x+s)}{-(g^\top s + \frac12 s^\top H s)} > 10^{-4}$. A rejected
    step (ρ too small, or f not finite) quadruples μ and tries again, up to ``max_tries``
    times; after an accepted step μ is divided by 3 when ρ > 0.75 and doubled when ρ < 0.25.
    Damping proportional to ‖g‖ vanishes at the minimiser, so near a strict minimum the steps
    become Newton's and converge quadratically (Yamashita and Fukushima, 2001); far from it,
    or where f is not convex, the damping shortens and turns the step towards −g.

    ``closure()`` re-evaluates the model and returns the loss; Newton differentiates it
    twice itself, so the closure should not call ``backward()`` (or should call
    ``backward(create_graph=True)``). Returns the loss at the start of the step. Cost: n
    backward passes and an n×n solve per step for n parameters in all, so Newton suits small
    problems. At a point with g = 0 (a saddle included) it does not move.

    Defaults: lr=1.0, damping=1e-3 (the initial μ), max_tries=20, tolerance_grad=0 (skip the
    step when ‖g‖∞ ≤ tolerance_grad).
    """

    _integer_state = ("step", "func_evals")
    requires_closure = True
    elementwise = False
    closure_calls_backward = False  # the closure returns the loss; Newton runs backward itself

    def __init__(self, params, lr=1.0, damping=1e-3, max_tries=20, tolerance_grad=0.0):
        defaults = dict(lr=lr, damping=damping, max_tries=max_tries, tolerance_grad=tolerance_grad)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("Newton doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        """Add the one parameter group; Newton refuses a second (its Hessian spans them all)."""
        if self.param_groups:
            raise ValueError("Newton doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _validate(self, group):
        check_lr(group["lr"])
        check_number("damping value", "damping", group["damping"])
        check_number("tolerance_grad value", "tolerance_grad", group["tolerance_grad"])
        tries = group["max_tries"]
        if isinstance(tries, bool) or not isinstance(tries, int) or tries < 1:
            raise ValueError(f"Invalid max_tries value: {tries!r} (must be an int >= 1)")

    # -- derivatives ------------------------------------------------------------------------------

    def _loss(self, closure):
        with enable_grad():
            loss = closure()
        if not isinstance(loss, Tensor):
            raise TypeError(
                f"Newton: the closure must return the loss as a Tensor (with its graph), got "
                f"{type(loss).__name__}"
            )
        if loss.size != 1:
            raise ValueError(
                f"Newton: the closure's loss must be one number, got shape {loss.shape}"
            )
        return loss

    def _derivatives(self, closure):
        """(loss, f, g, H) at the current parameters, g and H over all parameters, flat."""
        params = self._params
        for p in params:
            p.grad = None
        loss = self._loss(closure)
        with enable_grad():
            grads = [p.grad for p in params]
            if all(g is None for g in grads):
                if loss.requires_grad:
                    loss.backward(create_graph=True)
                grads = [p.grad for p in params]
            elif any(g is not None and not g.requires_grad for g in grads):
                raise ValueError(
                    "Newton: the closure called backward() without create_graph=True, so the "
                    "gradient cannot be differentiated again: return the loss without calling "
                    "backward() (Newton differentiates it itself)"
                )
            sizes = [p.size for p in params]
            offsets = np.cumsum([0] + sizes)
            n = int(offsets[-1])
            dtype = params[0].dtype
            flat = np.zeros(n, dtype)
            hessian = np.zeros((n, n), dtype)
            for i, g in enumerate(grads):
                if g is not None:
                    flat[offsets[i] : offsets[i + 1]] = g.data.reshape(-1)
            for i, g in enumerate(grads):
                if g is None or not g.requires_grad:
                    continue  # a constant gradient: these rows of H are zero
                components = g.reshape(-1)
                for k in range(sizes[i]):
                    for p in params:
                        p.grad = None
                    component = components[k]
                    if not component.requires_grad:
                        continue
                    component.backward(retain_graph=True)
                    row = hessian[offsets[i] + k]
                    for j, p in enumerate(params):
                        if p.grad is not None:
                            row[offsets[j] : offsets[j + 1]] = p.grad.data.reshape(-1)
        for p, g in zip(params, grads, strict=True):  # leave the plain gradient in .grad
            p.grad = None if g is None else Tensor(np.array(g.data))
        hessian = (hessian + hessian.T) / 2  # exact up to rounding; symmetric for the solver
        return loss, float(loss.item()), flat, hessian

    def _add(self, step):
        offset = 0
        for p in self._params:
            p.data += step[offset : offset + p.size].reshape(p.shape).astype(p.dtype, copy=False)
            p._bump_version()
            offset += p.size

    # -- the step ---------------------------------------------------------------------------------

    def step(self, closure=None):
        """One damped Newton step; returns the closure's loss at the starting point."""
        if closure is None:
            raise TypeError(
                "Newton.step() requires a closure that re-evaluates and returns the loss"
            )
        group = self.param_groups[0]
        lr = learning_rate(group["lr"])
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("step", 0)
        state.setdefault("func_evals", 0)
        state.setdefault("damping", float(group["damping"]))
        state["step"] += 1

        loss, f, g, hessian = self._derivatives(closure)
        state["func_evals"] += 1
        if not np.all(np.isfinite(g)) or not np.all(np.isfinite(hessian)):
            return loss
        if np.max(np.abs(g), initial=0.0) <= group["tolerance_grad"]:
            return loss
        gnorm = float(np.linalg.norm(g))
        x0 = [p.data.copy() for p in self._params]
        for _ in range(group["max_tries"]):
            s, _ = damped_newton_step(g, hessian, state["damping"] * gnorm)
            s *= lr
            predicted = -(float(g @ s) + 0.5 * float(s @ hessian @ s))
            if not predicted > 0:  # s = 0 (g below rounding) or no model decrease: stay
                break
            if predicted <= 16 * np.finfo(g.dtype).eps * abs(f):
                # the decrease is below the rounding of f, so the ratio test would only measure
                # noise: the model is exact this close to a minimum, take the step
                self._add(s)
                break
            self._add(s)
            with enable_grad():
                trial = float(self._loss(closure).item())
            state["func_evals"] += 1
            ratio = (f - trial) / predicted
            if np.isfinite(trial) and ratio > 1e-4:
                if ratio > 0.75:
                    state["damping"] = max(state["damping"] / 3, 1e-12)
                elif ratio < 0.25:
                    state["damping"] *= 2
                break
            for p, x in zip(self._params, x0, strict=True):  # rejected: back, damp harder
                p.data[...] = x
            state["damping"] *= 4
        return loss

    def _init_state(self, param, group):  # pragma: no cover - step is overridden
        return {}

    def _update(self, param, grad, state, group):  # pragma: no cover - step is overridden
        raise NotImplementedError
