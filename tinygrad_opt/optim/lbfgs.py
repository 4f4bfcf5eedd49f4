"""L-BFGS: quasi-Newton steps from a short history of gradient differences (closure-based)."""

from __future__ import annotations

import math

import numpy as np

from ..tensor import Tensor, enable_grad
from .optimizer import Optimizer, check_lr, learning_rate

__all__ = ["LBFGS", "cubic_interpolate", "strong_wolfe"]


def cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, f1') and (x2, f2, f2'), clamped to ``bounds``
    (default: the interval between x1 and x2); the midpoint when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(d2_square)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


def strong_wolfe(evaluate, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    r"""A step length t along d satisfying the strong Wolfe conditions (Nocedal and Wright,
    Algorithms 3.5 and 3.6, with cubic interpolation as in minFunc and PyTorch):

    $$f(x + t d) \le f(x) + c_1 t\, g^\top d,\qquad |g(x + t d)^\top d| \le c_2 |g^\top d|$$

    ``evaluate(t)`` returns (f, flat gradient) at x + t d. Returns (f, g, t, evaluations).
    """
    d_norm = float(np.max(np.abs(d)))
    g = g.copy()
    f_new, g_new = evaluate(t)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    # bracketing: grow t until an interval holds a point satisfying the conditions
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        previous = t
        t = cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new.copy(), gtd_new
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom: shrink the bracket by cubic interpolation until the conditions hold
    insufficient_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # a point too close to an end of the bracket makes little progress: move it inside
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insufficient_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        f_new, g_new = evaluate(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high] = t, f_new
            bracket_g[high], bracket_gtd[high] = g_new.copy(), gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low] = t, f_new
            bracket_g[low], bracket_gtd[low] = g_new.copy(), gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    r"""L-BFGS (Liu and Nocedal, 1989), as ``torch.optim.LBFGS``: ``step(closure)`` runs up to
    ``max_iter`` quasi-Newton iterations.

    The direction is $d = -H_k g$ by the two-loop recursion over the last ``history_size``
    pairs $s_i = x_{i+1} - x_i$, $y_i = g_{i+1} - g_i$ (pairs with $y^\top s \le 10^{-10}$
    are skipped), with $H_0 = \frac{y^\top s}{y^\top y} I$. The step is t = lr, except the very
    first, $t = \min(1, 1/\lVert g\rVert_1)\,lr$; with ``line_search_fn="strong_wolfe"`` t is
    chosen by :func:`strong_wolfe` instead. An iteration loop stops at ``max_iter`` iterations,
    ``max_eval`` evaluations, $\lVert g\rVert_\infty \le$ ``tolerance_grad``, a step or a change
    in f below ``tolerance_change``, or a non-descent direction.

    ``closure()`` must re-evaluate the loss, call ``zero_grad()`` and ``backward()``, and return
    the loss. One parameter group only (all parameters are one flat vector).

    Defaults: lr=1, max_iter=20, max_eval=max_iter·5//4, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None.
    """

    _integer_state = ("func_evals", "n_iter")
    _free_state = (
        "d",
        "t",
        "old_dirs",
        "old_stps",
        "ro",
        "H_diag",
        "prev_flat_grad",
        "prev_loss",
        "al",
    )
    requires_closure = True
    elementwise = False

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group):
        """Add the one parameter group; LBFGS refuses a second, as PyTorch's does."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _validate(self, group):
        check_lr(group["lr"])
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"only 'strong_wolfe' is supported: line_search_fn={group['line_search_fn']!r}"
            )
        if (
            isinstance(group["history_size"], bool)
            or not isinstance(group["history_size"], int)
            or group["history_size"] < 1
        ):
            raise ValueError(
                f"Invalid history_size: {group['history_size']!r} (must be an int >= 1)"
            )

    # -- flat views of all parameters -----------------------------------------------------------

    def _flat_grad(self):
        parts = [
            np.zeros(p.size, p.dtype) if p.grad is None else p.grad.data.reshape(-1)
            for p in self._params
        ]
        return np.concatenate(parts).astype(self._params[0].dtype, copy=False)

    def _add(self, t, d):
        offset = 0
        for p in self._params:
            n = p.size
            p.data += (t * d[offset : offset + n]).reshape(p.shape).astype(p.dtype, copy=False)
            p._bump_version()
            offset += n

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        return loss, float(loss.item() if isinstance(loss, Tensor) else loss)

    def step(self, closure=None):
        """One L-BFGS step (up to ``max_iter`` iterations); returns the closure's first loss."""
        if closure is None:
            raise TypeError(
                "LBFGS.step() requires a closure that re-evaluates the loss and its gradient"
            )
        group = self.param_groups[0]
        lr = learning_rate(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss, loss = self._evaluate(closure)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad().copy()
        if np.max(np.abs(flat_grad)) <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep only pairs that keep the inverse Hessian positive definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                # two-loop recursion: d = −H g
                al = state.setdefault("al", [None] * history_size)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ d) * ro[i]
                    d += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.sum(np.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:  # not a descent direction
                break

            evals = 0
            if group["line_search_fn"] == "strong_wolfe":
                x0 = [p.data.copy() for p in self._params]

                def evaluate(step, x0=x0, d=d):
                    self._add(step, d)
                    _, value = self._evaluate(closure)
                    g = self._flat_grad().copy()
                    for p, x in zip(self._params, x0, strict=True):
                        p.data[...] = x
                    return value, g

                loss, flat_grad, t, evals = strong_wolfe(
                    evaluate, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add(t, d)
                converged = np.max(np.abs(flat_grad)) <= tolerance_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:
                    _, loss = self._evaluate(closure)
                    flat_grad = self._flat_grad().copy()
                    converged = np.max(np.abs(flat_grad)) <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or converged:
                break
            if (
                np.max(np.abs(d * t)) <= tolerance_change
                or abs(loss - prev_loss) < tolerance_change
            ):
                break

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            ro=ro,
            H_diag=h_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss

    def _init_state(self, param, group):  # pragma: no cover - step is overridden
        return {}

    def _update(self, param, grad, state, group):  # pragma: no cover - step is overridden
        raise NotImplementedError
