"""``minimize``: run an optimizer on a function of a vector until it stops moving.

The stopping rule is the post's: stop when a step moves x by less than ``tol`` in total,
Σ|x_new − x| < tol. A run that meets a non-finite value, gradient or iterate stops at once,
reports ``success=False`` and keeps the last point whose value and gradient were finite.

The loop itself (:func:`descend`) works on many starts at once, one per column, so that the
comparison study runs all its starts as one vectorized descent; every column follows exactly
the trajectory it would follow alone, because the optimizers' updates are elementwise. The
optimizers whose rule is not elementwise (Adafactor, Muon, LBFGS, Newton) run one column at a
time instead; LBFGS and Newton are driven through ``step(closure)``.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from . import optim
from .compile import compile as _compile
from .tensor import Parameter, Tensor, wrap

__all__ = ["minimize", "OptimizeResult", "METHODS", "optimizer_class"]

# every optimizer by its lower-case name (optim.available()); method names are case-insensitive
METHODS = {name: optim.get(name) for name in optim.available()}

DEFAULT_LR = 0.1  # the post's learning rate for all three of its optimizers


@dataclasses.dataclass
class OptimizeResult:
    """The outcome of :func:`minimize` (like SciPy's; ``result["x"]`` works too).

    Attributes
    ----------
    x : ndarray
        The final point.
    fun : float
        f(x).
    nit : int
        Number of optimizer steps taken.
    nfev : int
        Number of evaluations of f with its gradient (LBFGS and Newton evaluate several
        times per step: their line search or trial points, and Newton's Hessian).
    success : bool
        True when the stopping rule Σ|x_new − x| < tol was met.
    message : str
        Why the run stopped.
    path : ndarray, shape (nit + 1, n)
        x₀, x₁, ..., the iterates.
    values : ndarray, shape (nit + 1,)
        f at each iterate.
    method : str
        The optimizer's name.
    """

    x: np.ndarray
    fun: float
    nit: int
    nfev: int = 0
    success: bool = False
    message: str = ""
    path: np.ndarray = None
    values: np.ndarray = None
    method: str = ""

    def __getitem__(self, key):
        return getattr(self, key)

    def keys(self):
        """The field names, so that ``dict(result)``-style code and ``result[key]`` work."""
        return [f.name for f in dataclasses.fields(self)]

    def __repr__(self):
        keys = ("method", "success", "message", "nit", "fun", "x")
        body = "\n".join(f"{k:>8}: {getattr(self, k)!r}" for k in keys)
        return f"OptimizeResult(\n{body}\n)"


def optimizer_class(method):
    """The Optimizer class for a method name (case-insensitive) or class; ValueError otherwise."""
    try:
        return optim.get(method)
    except ValueError:
        raise ValueError(
            f"unknown method {method!r}; choose from {', '.join(METHODS)} or an Optimizer class"
        ) from None


def method_name(method):
    cls = optimizer_class(method)
    for name, known in METHODS.items():
        if cls is known:
            return name
    return cls.__name__


def _check_start(x0):
    try:
        x = np.array(x0, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"minimize: x0 must be a 1-D array of numbers, got {x0!r}") from None
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"minimize: x0 must be a non-empty 1-D array, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"minimize: x0 must be finite, got {x}")
    return x


def descend(evaluate, starts, method, max_iter, tol, hyperparameters, callback=None):
    """Minimize from every column of ``starts`` (shape (n, S)) at once.

    ``evaluate(X)`` maps a Tensor of shape (n, S) to the S values f(X[:, s]). Returns one
    OptimizeResult per column. NumPy's overflow and invalid-value warnings are silenced while it
    runs: a run that meets them stops and says so in its result.
    """
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _descend(evaluate, starts, method, max_iter, tol, hyperparameters, callback)


def _descend(evaluate, starts, method, max_iter, tol, hyperparameters, callback):
    cls = optimizer_class(method)
    name = method_name(method)
    if not isinstance(max_iter, numbers.Integral) or max_iter < 0:
        raise ValueError(f"minimize: max_iter must be a non-negative int, got {max_iter!r}")
    if not tol >= 0:
        raise ValueError(f"minimize: tol must be >= 0, got {tol!r}")
    hyper = dict(hyperparameters)
    closure_based = cls.requires_closure
    if not closure_based:  # LBFGS and Newton keep their own lr (1: the full quasi-Newton step)
        hyper.setdefault("lr", DEFAULT_LR)
    _n, count = starts.shape
    if count > 1 and not cls.elementwise:
        # the rule mixes elements, so stacked starts would be coupled: one column at a time
        results = []
        for s in range(count):
            results += _descend(evaluate, starts[:, [s]].copy(), method, max_iter, tol, hyper, None)
        return results
    p = Parameter(starts)
    opt = cls([p], **hyper)

    active = np.ones(count, dtype=bool)
    stop_iter = np.full(count, -1)  # index into the path of each column's final point
    success = np.zeros(count, dtype=bool)
    messages = [""] * count
    path = [p.data.copy()]
    values = []
    evaluations = 0

    def closure():
        nonlocal evaluations
        evaluations += 1
        if cls.closure_calls_backward:
            opt.zero_grad()
        loss = evaluate(p).sum()
        if cls.closure_calls_backward and loss.requires_grad:
            loss.backward()
        return loss

    def finish(columns, k, ok, message):
        for s in np.flatnonzero(columns):
            stop_iter[s], success[s], messages[s] = k, ok, message
        active[columns] = False

    for k in range(max_iter + 1):
        opt.zero_grad()
        out = evaluate(p)
        evaluations += 1
        vals = np.asarray(out.data, dtype=float).reshape(count)
        values.append(vals.copy())
        if out.requires_grad:
            out.sum().backward()
        grad = p.grad.data if p.grad is not None else np.zeros_like(p.data)

        bad_value = active & ~np.isfinite(vals)
        bad_grad = active & ~bad_value & ~np.all(np.isfinite(grad), axis=0)
        finish(bad_value, k - 1, False, f"stopped: f was not finite at iteration {k}")
        finish(bad_grad, k - 1, False, f"stopped: the gradient was not finite at iteration {k}")
        if k == max_iter:
            finish(
                active.copy(),
                k,
                False,
                f"stopped: the maximum number of iterations ({max_iter}) was reached",
            )
        if not active.any():
            break
        if callback is not None and count == 1:
            if callback(OptimizeResult(x=p.data[:, 0].copy(), fun=float(vals[0]), nit=k)):
                finish(active.copy(), k, False, f"stopped by the callback at iteration {k}")
                break

        before = p.data.copy()
        if closure_based:
            opt.step(closure)
        else:
            opt.step()
        frozen = ~active
        p.data[:, frozen] = before[:, frozen]  # finished runs stay where they ended
        path.append(p.data.copy())

        bad_x = active & ~np.all(np.isfinite(p.data), axis=0)
        finish(bad_x, k, False, f"stopped: the step at iteration {k} gave a non-finite x")
        p.data[:, bad_x] = before[:, bad_x]
        moved = np.sum(np.abs(p.data - before), axis=0)
        finish(
            active & (moved < tol),
            k + 1,
            True,
            f"converged: a step moved x by less than tol={tol} (sum of |Δx|)",
        )

    # row j of `values` is f at row j of `path`; a run that converged on the loop's last step
    # ends at a point not yet evaluated, hence one more evaluation (of every column)
    values.append(np.asarray(evaluate(wrap(p.data)).data, dtype=float).reshape(count))
    path = np.stack(path)  # (steps + 1, n, S)
    values = np.stack(values)
    results = []
    for s in range(count):
        last = max(int(stop_iter[s]), 0)
        results.append(OptimizeResult(
            x=path[last, :, s].copy(), fun=float(values[last, s]), nit=last, nfev=evaluations,
            success=bool(success[s]), message=messages[s], path=path[: last + 1, :, s].copy(),
            values=values[: last + 1, s].copy(), method=name,
        ))  # fmt: skip
    return results


def minimize(
    f, x0, method="adam", max_iter=1000, tol=1e-5, callback=None, compile=False, **hyperparameters
):
    """Minimize ``f`` from ``x0`` with a first-order optimizer; returns an :class:`OptimizeResult`.

    Parameters
    ----------
    f : callable
        f(x) for a 1-D x, returning one number; written with Tensor operations or plain NumPy
        (NumPy dispatch records it), e.g. the post's ``fx`` or ``tg.functions.rosenbrock``.
    x0 : array_like
        The start: a finite 1-D array of numbers (ValueError otherwise).
    method : str or Optimizer class
        Any optimizer's name, case-insensitive (``optim.available()``: "adam", "sgd",
        "nadam", "lbfgs", "newton", ...), or a class such as ``optim.Adam``. LBFGS and Newton
        run through ``step(closure)``; each of their steps may evaluate f several times.
    max_iter : int
        The most steps to take.
    tol : float
        Stop when a step moves x by less than tol in total: Σ|x_new − x| < tol (the post's rule).
    callback : callable, optional
        Called before each step with an OptimizeResult holding ``x``, ``fun`` and ``nit``;
        returning True stops the run.
    compile : bool
        Run ``f`` through :func:`tinygrad_opt.compile` (traced once, then one fused operation
        per evaluation): the same iterates, faster on small problems.
    **hyperparameters
        Passed to the optimizer (``lr``, ``betas``, ``momentum``, ...). ``lr`` defaults to 0.1,
        the post's step size, rather than the optimizer class's own default (LBFGS and Newton
        keep theirs, 1).

    A non-finite value, gradient or step stops the run with ``success=False`` and the last
    point whose value and gradient were finite.
    """
    x = _check_start(x0)

    def evaluate(p):
        out = f(p[:, 0])
        if not isinstance(out, Tensor):
            out = wrap(np.asarray(out, dtype=float))
        if out.size != 1:
            raise ValueError(
                f"minimize: f must return a single number, but it returned shape {out.shape}"
            )
        return out.reshape(1)

    if compile:
        evaluate = _compile(evaluate)
    return descend(evaluate, x.reshape(-1, 1), method, max_iter, tol, hyperparameters, callback)[0]
