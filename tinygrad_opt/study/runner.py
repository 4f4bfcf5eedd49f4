"""``compare``: the fair comparison protocol, run as batched descents in worker processes.

The protocol (COCO's and DeepOBS's, see docs):

1. **Problems**: each function (in ``dim`` dimensions, each instance) gets its evaluation starts
   and, from a separate seed stream, its tuning starts, uniform in its domain; every method
   starts from the same points.
2. **Learning rate**: unless given, every method runs at every lr of a log grid from the tuning
   starts; the lr with the highest success rate wins, ties broken by the smaller expected
   running time (ERT), then by the smaller median final f − f*. ``tune_by="function"`` picks
   one lr per function (DeepOBS), ``"suite"`` one per method for the whole suite (COCO).
3. **Runs**: a run stops when f − f* falls below every target (the smallest target and
   ``tol``), when it diverges (a non-finite value or gradient, or leaving the function's
   ``bound``), or after ``max_iter`` steps. It records the first step and gradient evaluation
   at which f − f* fell below each target, and the minimum it ended in.
4. **Success** means reaching f − f* <= ``tol``.

Every (problem, method) is one *block*: all its starts at every grid lr run at once, as the
columns of one descent, so NumPy does the work and Python's per-step overhead is paid once.
Blocks are independent and seeded by the problem, so they can run in worker processes (joblib,
or Dask through joblib) and the records do not depend on how many workers ran them.
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
import sys
import zlib

import numpy as np

from .. import minimize as _minimize
from ..tensor import Parameter, Tensor, enable_grad
from . import functions as _functions

__all__ = ["compare", "DEFAULT_TARGETS", "DEFAULT_LR_GRID", "curve_steps", "value_and_grad_columns"]

DEFAULT_TARGETS = [10.0**-k for k in range(-1, 9)]  # 1e1, 1e0, ..., 1e-8 (COCO's ladder)
DEFAULT_LR_GRID = [float(v) for v in np.logspace(-4, 1, 16)]
SECOND_ORDER = {"newton"}
# a run that has not lowered its best f − f* by a millionth in this many steps has stalled (at a
# local minimum, or oscillating) and stops: its remaining budget would change none of its records
PATIENCE = 100  # not first-order methods: left out of the default study

# seed streams: the same seed gives independent starts for tuning and for evaluation
STARTS, TUNING, NOISE = 0, 1, 2


def curve_steps(max_iter):
    """0, 1, 2, 4, 8, ... and max_iter: where every run's best-so-far curve is sampled."""
    steps = [0] + [2**i for i in range(64) if 2**i < max_iter] + [max_iter]
    return sorted(set(steps))


# -- evaluating a function on the columns of an array ---------------------------------------------


def value_and_grad_columns(f):
    """``evaluate(X) -> (values (S,), gradients (n, S))`` for the S columns of X.

    The one place the study evaluates f: a function with a ``value_and_grad`` attribute (a
    compiled one, say) is used through it; otherwise f runs on a Tensor and is differentiated
    by reverse mode.
    """
    fast = getattr(f, "value_and_grad", None)
    if fast is not None:
        return fast
    return functools.partial(_autodiff_columns, f)


def _autodiff_columns(f, X):
    x = Tensor(X, requires_grad=True)
    with enable_grad():
        out = f(x)
        if not isinstance(out, Tensor):
            return np.asarray(out, dtype=float).reshape(X.shape[1]), np.zeros_like(X)
        values = np.asarray(out.data, dtype=float).reshape(X.shape[1])
        if out.requires_grad:
            out.sum().backward()
    g = x.grad.data if x.grad is not None else np.zeros_like(X)
    return values, np.array(g, dtype=float)


# -- methods --------------------------------------------------------------------------------------


def _registry():
    methods = _minimize.METHODS
    return list(methods) if not callable(getattr(methods, "names", None)) else list(methods.names())


def _class_and_name(method):
    cls = _minimize.optimizer_class(method)
    name = _minimize.method_name(method) if isinstance(method, str) or cls in _registry_classes() \
        else cls.__name__  # fmt: skip
    return cls, name.lower()


def _registry_classes():
    return [_minimize.optimizer_class(n) for n in _registry()]


def default_methods(reasons=False):
    """The default study's methods: every first-order method of the registry whose runs batch.

    Left out (name them to include them): second-order methods (Newton), and methods whose
    update mixes a parameter's entries (Adafactor, Muon) or couples parameters (L-BFGS), which
    run a start or a parameter at a time and would make the default study many times slower.
    With ``reasons=True`` returns ``(names, {left-out name: reason})``.
    """
    out, left_out = [], {}
    for name in _registry():
        cls = _minimize.optimizer_class(name)
        name = name.lower()
        if name in SECOND_ORDER or getattr(cls, "second_order", False):
            left_out[name] = "second-order"
            continue
        mode = batch_mode(cls, tuple(sorted(hyperparameters_for(cls).items())))
        if mode != "array":
            left_out[name] = "not elementwise: runs one start at a time" if mode == "single" else \
                "not elementwise: runs one parameter per start"  # fmt: skip
            continue
        out.append(name)
    return (out, left_out) if reasons else out


def _defaults(cls):
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return {}
    return {k: p.default for k, p in params.items() if p.default is not inspect.Parameter.empty}


def hyperparameters_for(cls, given=None):
    """The class's defaults but lr, with a default weight decay turned off unless ``given``.

    A non-zero default weight decay (AdamW's 1e-2) moves the minimiser of f + λ‖x‖²/2 away from
    f's, so a run could never reach f's minimum; the study measures f.
    """
    hyper = dict(given or {})
    hyper.pop("lr", None)
    wd = _defaults(cls).get("weight_decay")
    if isinstance(wd, numbers.Real) and wd != 0 and "weight_decay" not in hyper:
        hyper["weight_decay"] = 0.0
    return hyper


def _probe_function(X):
    """A small smooth non-separable function with its gradient, for checking optimizers."""
    a, b = X[0], X[1]
    values = a**2 + 3 * b**2 + np.sin(3 * a) * b + 0.5 * a * b
    grads = np.stack([2 * a + 3 * np.cos(3 * a) * b + 0.5 * b, 6 * b + np.sin(3 * a) + 0.5 * a])
    return values, grads


def _probe_path(cls, hyper, X0, lr, mode="array", steps=8):
    batch = _BATCHES[mode](cls, hyper, X0, lr)
    active = np.ones(X0.shape[1], dtype=bool)
    path = []

    def closure():
        values, grads = _probe_function(batch.current())
        batch.set_grad(grads, active)
        return Tensor(np.array(values.sum()))

    for _ in range(steps):
        batch.step(closure, active)
        path.append(batch.current().copy())
    return np.stack(path)


@functools.lru_cache(maxsize=128)
def batch_mode(cls, frozen):
    """How a block's columns run with optimizer ``cls``, checked on a small probe problem.

    "array": one Parameter holding every column, an lr per column (elementwise rules: SGD,
    Adam, ...); "params": one Parameter and parameter group per column, in one optimizer (rules
    that mix a parameter's entries but not parameters: Adafactor, Muon); "single": one run at a
    time (rules that couple all parameters: L-BFGS's line search). A mode is used only when
    its path equals each run made alone.
    """
    hyper = dict(frozen)
    rng = np.random.default_rng(20240521)
    X0 = rng.uniform(-1.5, 1.5, (2, 4))
    lrs = np.array([1e-3, 0.05, 0.3, 0.05])
    try:
        with np.errstate(all="ignore"):
            alone = [_probe_path(cls, hyper, X0[:, [s]], float(lrs[s]))[:, :, 0] for s in range(4)]
    except Exception:
        return "single"
    modes = ("array", "params") if getattr(cls, "elementwise", True) else ("params",)
    for mode in modes:
        try:
            with np.errstate(all="ignore"):
                batch = _probe_path(cls, hyper, X0, lrs, mode)
        except Exception:
            continue
        if all(np.allclose(batch[:, :, s], alone[s], rtol=1e-12, atol=1e-14) for s in range(4)):
            return mode
    return "single"


def _same_updates(cls_a, hyper_a, cls_b, hyper_b):
    rng = np.random.default_rng(7)
    X0 = rng.uniform(-1.5, 1.5, (2, 1))
    try:
        with np.errstate(all="ignore"):
            return all(
                np.array_equal(_probe_path(cls_a, hyper_a, X0, lr), _probe_path(cls_b, hyper_b, X0, lr))
                for lr in (1e-2, 0.3)
            )  # fmt: skip
    except Exception:
        return False


def _make_optimizer(cls, hyper, p, lr):
    if np.ndim(lr) == 0:
        return cls([p], lr=float(lr), **hyper)
    lr = np.asarray(lr, dtype=float)
    opt = cls([p], lr=float(lr[0]), **hyper)
    for group in opt.param_groups:
        group["lr"] = lr.reshape(1, -1)  # one lr per column, broadcast over the coordinates
    return opt


class _OneParameter:
    """Every column in one Parameter (n, C) with an lr per column, for elementwise rules."""

    def __init__(self, cls, hyper, X0, lr):
        self.p = Parameter(np.array(X0, dtype=float))
        self.opt = _make_optimizer(cls, hyper, self.p, lr)

    def current(self):
        return self.p.data

    def set_grad(self, grads, active):
        self.p.grad = grads

    def step(self, closure, active):
        before = self.p.data.copy()
        self.opt.step(closure)
        self.p.data[:, ~active] = before[:, ~active]  # stopped runs stay where they ended

    def clip(self, lo, hi):
        np.clip(self.p.data, lo, hi, out=self.p.data)


class _ColumnParameters:
    """One Parameter (n, 1) and parameter group (its lr) per column, all in one optimizer.

    For rules that mix the entries of a parameter (Adafactor's factored statistics, Muon's
    orthogonalisation) but treat parameters separately: each run sees itself alone. A stopped
    run gets no gradient, so ``step`` skips it.
    """

    def __init__(self, cls, hyper, X0, lr):
        count = X0.shape[1]
        lrs = np.broadcast_to(np.asarray(lr, dtype=float), (count,))
        self.ps = [Parameter(np.array(X0[:, [c]], dtype=float)) for c in range(count)]
        groups = [{"params": [p], "lr": float(r)} for p, r in zip(self.ps, lrs, strict=True)]
        self.opt = cls(groups, lr=float(lrs[0]), **hyper)

    def current(self):
        return np.concatenate([p.data for p in self.ps], axis=1)

    def set_grad(self, grads, active):
        for c, p in enumerate(self.ps):
            p.grad = grads[:, c : c + 1].copy() if active[c] else None

    def step(self, closure, active):
        self.opt.step(closure)

    def clip(self, lo, hi):
        for p in self.ps:
            np.clip(p.data, lo, hi, out=p.data)


_BATCHES = {"array": _OneParameter, "params": _ColumnParameters}


# -- one descent ----------------------------------------------------------------------------------


def descent(f, cls, hyper, X0, lr, *, max_iter, thresholds, sample_at, noise=None, noise_columns=None,
            mode="array", history=True):  # fmt: skip
    """Run ``cls`` from the columns of X0 (n, C) with learning rate(s) ``lr`` (scalar or (C,)).

    Returns a dict of per-column arrays: x (n, C) final points, fun (C,) final values (NaN when
    diverged), diverged, nit, ngev, hit_steps and hit_evals (T, C; −1 = never), curve (len
    sample_at, C; best-so-far f − f*, NaN after divergence). ``thresholds`` are the values of
    f − f* whose first hits are recorded (descending). ``noise`` (steps, n, K) with
    ``noise_columns`` (C,) adds ``noise[k][:, noise_columns]`` to the gradients at step k.
    """
    if mode != "single" or X0.shape[1] == 1:
        with np.errstate(all="ignore"):
            return _descent(f, cls, hyper, X0, lr, max_iter, np.asarray(thresholds, dtype=float),
                            list(sample_at), noise, noise_columns, history,
                            mode if mode != "single" else "array")  # fmt: skip
    parts = []
    for c in range(X0.shape[1]):
        rate = lr if np.ndim(lr) == 0 else float(np.asarray(lr)[c])
        cols = None if noise_columns is None else np.asarray(noise_columns)[[c]]
        parts.append(descent(f, cls, hyper, X0[:, [c]], rate, max_iter=max_iter, thresholds=thresholds,
                             sample_at=sample_at, noise=noise, noise_columns=cols, history=history))  # fmt: skip
    return {k: np.concatenate([p[k] for p in parts], axis=-1) for k in parts[0]}


def _descent(f, cls, hyper, X0, lr, max_iter, thresholds, sample_at, noise, noise_columns,
             history=True, mode="array", patience=None):  # fmt: skip
    patience = PATIENCE if patience is None else patience
    evaluate = value_and_grad_columns(f)
    f_star = f.minimum
    n, C = X0.shape
    lo, hi = (np.array(v, dtype=float).reshape(n, 1) for v in zip(*f.bound, strict=True))
    clip = f.constrained
    batch = _BATCHES[mode](cls, hyper, X0, lr)

    active = np.ones(C, dtype=bool)
    diverged = np.zeros(C, dtype=bool)
    nit = np.full(C, max_iter)
    ngev = np.zeros(C, dtype=np.int64)
    last = np.full(C, np.nan)
    # every value and evaluation count, so that hits and curves are worked out once at the end
    rows = max_iter + 1 if history else 1
    values_at = np.empty((rows, C))
    evals_at = np.empty((rows, C), dtype=np.int64)
    final = float(np.min(thresholds))
    k = 0

    def noisy(grads, step):
        if noise is not None:
            grads = grads + noise[step][:, noise_columns]
        grads[:, ~active] = 0.0
        return grads

    best = np.full(C, np.inf)
    # progress means best f − f* falling below `mark` (a millionth under its value when it last
    # made progress, at step `mark_step`)
    mark = np.full(C, np.inf)
    mark_step = np.zeros(C, dtype=np.int64)
    for k in range(max_iter + 1):
        x = batch.current()
        if active.all() or active.sum() > C // 2:
            values, grads = evaluate(x)
        else:  # most runs have stopped: evaluate the others only
            idx = np.flatnonzero(active)
            v, g = evaluate(x[:, idx])
            values, grads = last.copy(), np.zeros_like(x)
            values[idx], grads[:, idx] = v, g
        ngev += active
        if history:
            values_at[k] = values
            evals_at[k] = ngev
        ok = np.isfinite(values) & np.all(np.isfinite(grads), axis=0)
        if not clip:
            ok &= np.all((x >= lo) & (x <= hi), axis=0)
        bad = active & ~ok
        if bad.any():
            diverged |= bad
            nit[bad] = k
            active &= ~bad
        last = np.where(active, values, last)
        delta = values - f_star
        best = np.where(active, np.minimum(best, delta), best)
        progress = best < mark
        if progress.any():
            mark[progress] = best[progress] - 1e-6 * np.abs(best[progress])
            mark_step[progress] = k
        # reached the final target, or stalled: no progress for `patience` steps
        done = active & ((delta <= final) | (k - mark_step >= patience))
        if done.any():
            nit[done] = k
            active &= ~done
        if k == max_iter or not active.any():
            nit[active] = k
            break
        closure = _Closure(
            batch,
            evaluate,
            noisy(grads, k),
            values,
            active.copy(),
            ngev,
            lambda g, k=k: noisy(g, k),
        )
        batch.step(closure, active)
        if clip:
            batch.clip(lo, hi)
    out = {"x": batch.current().copy(), "fun": np.where(diverged, np.nan, last), "diverged": diverged,
           "nit": nit, "ngev": ngev}  # fmt: skip
    if history:
        out.update(_hits_and_curves(values_at[: k + 1] - f_star, evals_at[: k + 1], nit, diverged,
                                    thresholds, sample_at))  # fmt: skip
    return out


class _Closure:
    """The closure handed to ``step``: its first call gives the gradient already computed at
    the current point; any further call (a line search) evaluates anew and is counted."""

    def __init__(self, batch, evaluate, grads, values, running, ngev, noisy):
        self.batch, self.evaluate, self.grads, self.values = batch, evaluate, grads, values
        self.running, self.ngev, self.noisy, self.calls = running, ngev, noisy, 0

    def __call__(self):
        self.calls += 1
        values, grads = self.values, self.grads
        if self.calls > 1:
            values, grads = self.evaluate(self.batch.current())
            self.ngev[self.running] += 1
            grads = self.noisy(grads)
        self.batch.set_grad(grads, self.running)
        return Tensor(np.array(float(np.sum(values[self.running]))))


def _hits_and_curves(delta, evals, nit, diverged, thresholds, sample_at):
    """First hits per threshold and best-so-far curves from every step's f − f* (steps, C)."""
    steps, C = delta.shape
    k = np.arange(steps)[:, None]
    valid = (k < nit) | ((k == nit) & ~diverged)  # the step that diverged does not count
    best = np.minimum.accumulate(np.where(valid, delta, np.inf), axis=0)
    hit_steps = np.full((len(thresholds), C), -1, dtype=np.int64)
    hit_evals = np.full((len(thresholds), C), -1, dtype=np.int64)
    cols = np.arange(C)
    for i, t in enumerate(thresholds):
        reached = best <= t
        first = np.argmax(reached, axis=0)
        hit = reached[first, cols]
        hit_steps[i] = np.where(hit, first, -1)
        hit_evals[i] = np.where(hit, evals[first, cols], -1)
    curve = np.empty((len(sample_at), C))
    for i, s in enumerate(sample_at):
        curve[i] = best[min(s, steps - 1)]
        curve[i, diverged & (s >= nit)] = np.nan  # no curve after a divergence
    curve[~np.isfinite(curve)] = np.nan
    return {"hit_steps": hit_steps, "hit_evals": hit_evals, "curve": curve}


def classify(f, x, diverged):
    """The index of the known minimum each column of x (n, C) ended in, -1 for none, -2 diverged.

    A run ended in minimum m when it lies within 1% of the domain's narrowest width of m and
    its value is within 1e-3 (relative to max(1, |f(m)|)) of f(m): near it and settled there.
    """
    minima = f.all_minima
    labels = np.full(x.shape[1], -1, dtype=np.int64)
    if len(minima) and x.shape[1]:
        radius = 0.01 * min(hi - lo for lo, hi in f.domain)
        d = np.linalg.norm(x.T[:, None, :] - minima[None, :, :], axis=2)
        nearest = np.argmin(d, axis=1)
        with np.errstate(all="ignore"):
            values = np.asarray(f(np.where(np.isfinite(x), x, 0.0)), dtype=float).reshape(-1)
        levels = np.array([float(f(m)) for m in minima])[nearest]
        near = d[np.arange(x.shape[1]), nearest] <= radius
        near &= np.abs(values - levels) <= 1e-3 * np.maximum(1.0, np.abs(levels))
        labels[near] = nearest[near]
    labels[diverged] = -2
    return labels


# -- one block: a (problem, method) pair -----------------------------------------------------------


def _problem_seed(seed, f, stream):
    return np.random.default_rng([seed, stream, zlib.crc32(f.name.encode()), f.dim, f.instance])


def draw_starts(f, count, seed, stream):
    """``count`` points uniform in f's domain, shape (n, count), from the given seed stream."""
    rng = _problem_seed(seed, f, stream)
    lo, hi = np.array(f.domain).T
    return lo[:, None] + (hi - lo)[:, None] * rng.random((f.dim, count))


def run_block(f, cls, hyper, lrs, tune_x, eval_x, settings):
    """Every lr in ``lrs`` from every tuning and evaluation start, as one batched descent.

    Returns per-column arrays of shape (len(lrs), starts) (and (..., T/n/samples) inside).
    """
    n = f.dim
    tune_x = np.zeros((n, 0)) if tune_x is None else tune_x
    starts = np.concatenate([tune_x, eval_x], axis=1)
    S = starts.shape[1]
    L = len(lrs)
    X0 = np.tile(starts, (1, L))
    lr_cols = np.repeat(np.asarray(lrs, dtype=float), S)
    noise = None
    if settings["noise"] > 0:
        rng = _problem_seed(settings["seed"], f, NOISE)
        noise = settings["noise"] * rng.standard_normal((settings["max_iter"] + 1, n, S))
    mode = batch_mode(cls, tuple(sorted(hyper.items())))
    out = descent(f, cls, hyper, X0, lr_cols, max_iter=settings["max_iter"],
                  thresholds=settings["thresholds"], sample_at=settings["sample_at"], noise=noise,
                  noise_columns=np.tile(np.arange(S), L), mode=mode,
                  history=settings.get("history", True))  # fmt: skip
    out["minimum"] = classify(f, out["x"], out["diverged"])
    out["x0"] = X0
    T = tune_x.shape[1]
    split = {}
    for key, value in out.items():
        v = value.reshape(value.shape[:-1] + (L, S))
        split[key] = (v[..., :T], v[..., T:])
    return split


# -- the study ------------------------------------------------------------------------------------


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _positive(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def _check_int(name, value, low):
    if not _is_int(value) or value < low:
        raise ValueError(f"compare: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _problems(functions, dim, instances):
    if dim is not None and (not _is_int(dim) or dim < 1):
        raise ValueError(f"compare: dim must be an integer >= 1, got {dim!r}")
    if _is_int(instances):
        if instances < 1:
            raise ValueError(
                f"compare: instances must be >= 1 (a count) or a list of ids, got {instances!r}"
            )
        ids = list(range(int(instances)))
    else:
        try:
            ids = [int(i) for i in instances]
        except (TypeError, ValueError):
            raise ValueError(
                f"compare: instances must be a count or a list of ids, got {instances!r}"
            ) from None
        if not ids or any(i < 0 for i in ids) or len(set(ids)) != len(ids):
            raise ValueError(f"compare: instances must be distinct ids >= 0, got {instances!r}")
    d = 2 if dim is None else int(dim)
    explicit = functions is not None
    if functions is None:
        functions = [
            n for n in _functions.names(d) if n not in ("rosenbrock", "dixon_price") or d >= 2
        ]
    elif isinstance(functions, (str, _functions.TestFunction)):
        functions = [functions]
    problems = []
    for spec in functions:
        if isinstance(spec, _functions.TestFunction):
            if spec.minimum is None:
                raise ValueError(f"compare: the function {spec.name!r} has no known minimum: give "
                                 f"custom(..., minima=...) or f_star=...")  # fmt: skip
            problems.append(spec)
            continue
        base = _functions.get(spec, dim=d)
        for i in ids:
            if i > 0 and base.constrained and not explicit:
                continue  # the default suite skips instances a constrained function cannot have
            problems.append(_functions.get(spec, dim=d, instance=i))
    keys = [(f.name, f.dim, f.instance) for f in problems]
    if len(set(keys)) != len(keys):
        raise ValueError(f"compare: a function is listed twice: {[f'{k[0]}' for k in keys]}")
    return problems, ids


def _methods(methods, hyperparameters):
    hyperparameters = dict(hyperparameters or {})
    explicit = methods is not None
    left_out = {}
    if methods is None:
        specs, left_out = default_methods(reasons=True)
    else:
        specs = [methods] if isinstance(methods, str) else list(methods)
    if not specs:
        raise ValueError("compare: methods is empty")
    resolved = []
    for spec in specs:
        cls, name = _class_and_name(spec)
        given = hyperparameters.get(
            name, hyperparameters.get(spec) if isinstance(spec, str) else None
        )
        resolved.append((name, cls, hyperparameters_for(cls, given)))
    names = [r[0] for r in resolved]
    if len(set(names)) != len(names):
        raise ValueError(f"compare: a method is listed twice: {names}")
    coincide = {}
    if not explicit:  # defaults that coincide once weight decay is off (AdamW and Adam): list once
        kept = []
        for name, cls, hyper in resolved:
            twin = next((k for k in kept if _same_updates(k[1], k[2], cls, hyper)), None)
            if twin is None:
                kept.append((name, cls, hyper))
            else:
                coincide[name] = twin[0]
        resolved = kept
    return resolved, coincide, left_out


def _check_lr(lr, names):
    if isinstance(lr, str):
        if lr != "tune":
            raise ValueError(
                f"compare: lr must be 'tune', a positive number or {{method: lr}}, got {lr!r}"
            )
        return {}
    if isinstance(lr, dict):
        fixed = {}
        for key, value in lr.items():
            name = _class_and_name(key)[1]
            if name not in names:
                raise ValueError(f"compare: lr names the method {key!r}, which is not compared "
                                 f"({', '.join(names)})")  # fmt: skip
            if not _positive(value):
                raise ValueError(f"compare: lr[{key!r}] must be a positive number, got {value!r}")
            fixed[name] = float(value)
        return fixed
    if not _positive(lr):
        raise ValueError(
            f"compare: lr must be 'tune', a positive number or {{method: lr}}, got {lr!r}"
        )
    return {name: float(lr) for name in names}


def _check_grid(lr_grid):
    if lr_grid is None:
        return list(DEFAULT_LR_GRID)
    try:
        grid = [float(v) for v in lr_grid]
    except (TypeError, ValueError):
        raise ValueError(
            f"compare: lr_grid must be a list of positive numbers, got {lr_grid!r}"
        ) from None
    if not grid:
        raise ValueError("compare: lr_grid is empty; give at least one learning rate")
    if not all(math.isfinite(v) and v > 0 for v in grid):
        raise ValueError(f"compare: lr_grid must hold positive finite numbers, got {grid}")
    return sorted(set(grid))


def _check_targets(targets):
    if targets is None:
        return list(DEFAULT_TARGETS)
    try:
        values = [float(v) for v in targets]
    except (TypeError, ValueError):
        raise ValueError(
            f"compare: targets must be a list of positive numbers, got {targets!r}"
        ) from None
    if not values or not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(
            f"compare: targets must be a non-empty list of positive numbers, got {targets!r}"
        )
    return sorted(set(values), reverse=True)


def _progress_bar(total, progress):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="compare", unit="block", leave=False)


def run_blocks(tasks, n_jobs, progress):
    """``run_block(*task)`` for every task, in order: here, or in joblib's workers."""
    bar = _progress_bar(len(tasks), progress)
    try:
        if n_jobs == 1:
            results = []
            for task in tasks:
                results.append(run_block(*task))
                if bar is not None:
                    bar.update(1)
            return results
        try:
            from joblib import Parallel, delayed
        except ImportError:
            raise ImportError(
                "compare: n_jobs != 1 needs joblib: pip install 'tinygrad_opt[parallel]'"
            ) from None
        results = []
        for result in Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(run_block)(*t) for t in tasks
        ):
            results.append(result)
            if bar is not None:
                bar.update(1)
        return results
    finally:
        if bar is not None:
            bar.close()


def compare(functions=None, methods=None, starts=20, seed=0, max_iter=1000, tol=1e-5, lr="tune",
            lr_grid=None, tune_starts=10, tune_by="function", targets=None, noise=0.0, n_jobs=1,
            progress=None, *, dim=None, instances=1, hyperparameters=None):  # fmt: skip
    """Compare optimizers on test functions under a fair, statistical protocol.

    Parameters
    ----------
    functions : list of str or TestFunction, optional
        Default: every built-in function in ``dim`` dimensions (``tg.functions.names(dim)``).
    methods : list of str or Optimizer class, optional
        Default: every first-order method of the registry whose runs batch (see
        :func:`default_methods`; what is left out and why is in ``config["left_out"]``);
        methods that coincide once a default weight decay is turned off (AdamW and Adam) are
        listed once.
    starts : int
        Evaluation starts per function, uniform in its domain, shared by every method.
    seed : int
        Seeds the starts, the tuning starts (another stream), the gradient noise and the
        bootstrap; the same seed gives the same records whatever ``n_jobs`` is.
    max_iter : int
        The budget: steps per run at most.
    tol : float
        A run succeeds when f − f* falls to ``tol`` or below.
    lr : "tune", float or dict
        "tune": each method's lr is chosen on ``lr_grid`` from ``tune_starts`` tuning starts
        (success rate, then ERT); a number or ``{method: lr}`` skips tuning (for the methods
        named).
    lr_grid : list of float, optional
        Default: 16 values log-spaced from 1e-4 to 10.
    tune_starts : int
        Tuning starts per function (a different seed stream from the evaluation starts).
    tune_by : "function" or "suite"
        One lr per (function, method) (DeepOBS), or one per method for the suite (COCO).
    targets : list of float, optional
        Targets on f − f* whose first hits are recorded; default 1e1, 1e0, ..., 1e-8.
    noise : float
        Standard deviation σ of Gaussian noise added to every gradient coordinate (seeded, the
        same noise for every method from the same start).
    n_jobs : int
        Worker processes for the (function, method) blocks (joblib, extra ``parallel``); under
        ``joblib.parallel_config(backend="dask")`` they run on a Dask cluster.
    progress : bool, optional
        A tqdm progress bar; default when stderr is a terminal.
    dim : int, optional
        Dimension for functions given by name (default 2).
    instances : int or list of int
        Instances per function: a count (0, 1, ..., count − 1) or a list of ids; 0 is the
        textbook function.
    hyperparameters : dict, optional
        ``{method: {name: value}}`` overriding the class defaults (e.g. AdamW's weight decay).

    Returns
    -------
    Comparison
        The records, statistics and configuration (:class:`~tinygrad_opt.study.records.Comparison`).

    Raises
    ------
    ValueError
        Naming the argument, for unknown names, out-of-range numbers, an empty grid, and so on.
    """
    from .records import Comparison

    starts = _check_int("starts", starts, 1)
    seed = _check_int("seed", seed, 0)
    max_iter = _check_int("max_iter", max_iter, 1)
    if not _positive(tol):
        raise ValueError(f"compare: tol must be a positive number, got {tol!r}")
    if not (
        isinstance(noise, numbers.Real)
        and not isinstance(noise, bool)
        and math.isfinite(noise)
        and noise >= 0
    ):
        raise ValueError(f"compare: noise must be a number >= 0, got {noise!r}")
    if tune_by not in ("function", "suite"):
        raise ValueError(f"compare: tune_by must be 'function' or 'suite', got {tune_by!r}")
    if not _is_int(n_jobs) or n_jobs == 0:
        raise ValueError(
            f"compare: n_jobs must be a non-zero integer (−1 for every core), got {n_jobs!r}"
        )
    grid = _check_grid(lr_grid)
    target_list = _check_targets(targets)
    problems, instance_ids = _problems(functions, dim, instances)
    resolved, coincide, left_out = _methods(methods, hyperparameters)
    names = [r[0] for r in resolved]
    fixed = _check_lr(lr, names)
    tuned = [n for n in names if n not in fixed]
    if tuned:
        tune_starts = _check_int("tune_starts", tune_starts, 1)

    settings = {
        "max_iter": max_iter, "thresholds": [*target_list, float(tol)], "noise": float(noise),
        "seed": seed, "sample_at": curve_steps(max_iter),
    }  # fmt: skip
    tasks, keys = [], []
    for f in problems:
        eval_x = draw_starts(f, starts, seed, STARTS)
        tune_x = draw_starts(f, tune_starts, seed, TUNING) if tuned else None
        for name, cls, hyper in resolved:
            lrs = [fixed[name]] if name in fixed else grid
            tasks.append((f, cls, hyper, lrs, None if name in fixed else tune_x, eval_x, settings))
            keys.append((f, name))
    results = run_blocks(tasks, n_jobs, progress)

    tol_row = len(target_list)
    tuning, chosen = _tune(results, keys, tuned, grid, tune_by, tol_row)
    runs = []
    for (f, name), res in zip(keys, results, strict=True):
        li = 0 if name in fixed else chosen[(_scope(f, tune_by), name)]
        rate = fixed.get(name, grid[li] if name not in fixed else None)
        runs += _records(f, name, rate, seed, res, li, tol_row)

    config = {
        "functions": [f.name for f in problems], "methods": names, "starts": starts, "seed": seed,
        "max_iter": max_iter, "tol": float(tol), "lr": lr if not isinstance(lr, dict) else
        {_class_and_name(k)[1]: float(v) for k, v in lr.items()}, "lr_grid": grid,
        "tune_starts": tune_starts if tuned else 0, "tune_by": tune_by, "targets": target_list,
        "noise": float(noise), "dims": sorted({f.dim for f in problems}), "instances": instance_ids,
        "hyperparameters": {n: _plain(h) for n, _, h in resolved}, "coincide": coincide,
        "left_out": left_out,
        "problems": [[f.name, f.dim, f.instance] for f in problems],
    }  # fmt: skip
    info = {}
    for f in problems:
        info[_info_key(f)] = f.info()
    return Comparison(
        config=config,
        runs=runs,
        tuning=tuning,
        functions_info=info,
        targets=target_list,
        curve_steps=settings["sample_at"],
    )


def _plain(hyper):
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in hyper.items()}


def _info_key(f):
    """functions_info's key: the name, with the dimension and instance when not the textbook 2-D."""
    key = f.name
    if f.dim != 2:
        key += f"-{f.dim}d"
    if f.instance:
        key += f"-i{f.instance}"
    return key


def _scope(f, tune_by):
    return (f.name, f.dim) if tune_by == "function" else None


def _tune(results, keys, tuned, grid, tune_by, tol_row):
    """Pool the tuning runs per (scope, method, lr) and choose each scope's lr."""
    pooled = {}
    for (f, name), res in zip(keys, results, strict=True):
        if name not in tuned:
            continue
        hits = res["hit_steps"][0][tol_row]  # (L, T)
        nit, ngev = res["nit"][0], res["ngev"][0]
        fun, div = res["fun"][0], res["diverged"][0]
        for li in range(len(grid)):
            entry = pooled.setdefault(
                (_scope(f, tune_by), name, li), {"ok": [], "cost": [], "delta": [], "ngev": 0}
            )
            ok = hits[li] >= 0
            entry["ok"] += ok.tolist()
            entry["cost"] += np.where(ok, hits[li], nit[li]).tolist()
            # a diverged run counts as infinitely far, so divergence never wins a tie
            entry["delta"] += np.where(div[li], np.inf, fun[li] - f.minimum).tolist()
            entry["ngev"] += int(ngev[li].sum())
    from .stats import ert

    tuning, chosen, best = [], {}, {}
    for (scope, name, li), e in pooled.items():
        rate = float(np.mean(e["ok"]))
        value = ert(e["cost"], e["ok"])
        median = float(np.median(e["delta"])) if e["delta"] else math.inf
        rank = (-rate, math.inf if value is None else value, median, li)
        if (scope, name) not in best or rank < best[(scope, name)]:
            best[(scope, name)] = rank
            chosen[(scope, name)] = li
        tuning.append({
            "function": None if scope is None else scope[0], "dim": None if scope is None else scope[1],
            "method": name, "lr": grid[li], "success_rate": rate, "ert": value, "runs": len(e["ok"]),
            "ngev": e["ngev"],
        })  # fmt: skip
    for t in tuning:
        scope = None if t["function"] is None else (t["function"], t["dim"])
        t["chosen"] = grid[chosen[(scope, t["method"])]] == t["lr"]
    return tuning, chosen


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else None


def _records(f, name, rate, seed, res, li, tol_row):
    out = []
    part = {k: v[1] for k, v in res.items()}  # the evaluation starts
    S = part["nit"].shape[-1]
    for s in range(S):
        div = bool(part["diverged"][li, s])
        fun = None if div else _num(part["fun"][li, s])
        hits = part["hit_steps"][:, li, s]
        evals = part["hit_evals"][:, li, s]
        minimum = int(part["minimum"][li, s])
        out.append({
            "function": f.name, "dim": f.dim, "instance": f.instance, "start": s,
            "x0": [float(v) for v in part["x0"][:, li, s]],
            "x": [_num(v) for v in part["x"][:, li, s]] if np.all(np.isfinite(part["x"][:, li, s])) else None,
            "method": name, "lr": float(rate),
            "seed": seed, "nit": int(part["nit"][li, s]), "ngev": int(part["ngev"][li, s]),
            "fun": fun, "delta_f": None if fun is None else fun - f.minimum,
            "minimum": minimum if minimum >= 0 else None, "diverged": div,
            "success": bool(hits[tol_row] >= 0),
            "hit_steps": [int(h) if h >= 0 else None for h in hits[:tol_row]],
            "hit_evals": [int(h) if h >= 0 else None for h in evals[:tol_row]],
            "success_step": int(hits[tol_row]) if hits[tol_row] >= 0 else None,
            "curve": [_num(v) for v in part["curve"][:, li, s]],
        })  # fmt: skip
    return out
