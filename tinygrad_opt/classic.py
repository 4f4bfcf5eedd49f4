r"""The blog post's three loops, with its signatures and return values, on the optimizer classes.

Each takes a gradient function ``gfx`` (hand-written, or ``tg.grad(fx)``) and a start ``x``,
logs every iterate, and stops when a step moves x by less than ``th`` in total,
$\sum_i |x^{\text{new}}_i - x_i| < \text{th}$, keeping the x it had (the step that fell under
``th`` is not taken).
They return ``(x, i, log)``: the final x, the loop counter when it stopped, and the iterates
as rows of ``log``.

The post's variants differ from PyTorch's defaults, and each is expressed with our classes:
AdaGrad and RMSProp start their accumulator h at 0.1 and have no eps; Adam's epsilon = 10e-8
(that is, 1e-7) is added outside the bias-corrected square root, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .optim import AdaGrad, Adam, Optimizer, RMSProp
from .tensor import Parameter, wrap

__all__ = ["adagrad", "rmsprop", "adam"]

Gradient = Callable[[np.ndarray], ArrayLike]
"""A gradient function: the current x in, the gradient at x out (``gfx`` in the post)."""
Result = tuple[np.ndarray, int, np.ndarray]
"""``(x, i, log)``: the final x, the loop counter when it stopped, the iterates as rows."""


def _start(x: ArrayLike, h: ArrayLike | None = None) -> tuple[Parameter, np.ndarray | None]:
    p = Parameter(x)
    if h is None:
        return p, None
    return p, np.broadcast_to(np.asarray(h, dtype=p.dtype), p.shape).copy()


def _take_step(p: Parameter, optimizer: Optimizer, gfx: Gradient, th: float) -> bool:
    """One step of the post's loop; True when it stops (the step is then undone)."""
    x = p.data.copy()
    p.grad = wrap(np.asarray(gfx(x), dtype=p.dtype))
    optimizer.step()
    if np.sum(np.abs(x - p.data)) < th:
        p.data[...] = x
        return True
    return False


def _run(p: Parameter, optimizer: Optimizer, gfx: Gradient, ir: int, th: float) -> Result:
    """The loop of the post's AdaGrad and RMSProp: at most ``ir`` steps; returns (x, i, log)."""
    log: list[np.ndarray] = []
    i = 0
    for i in range(ir):  # noqa: B007 - i is returned, as in the post
        log.append(p.data.copy())
        if _take_step(p, optimizer, gfx, th):
            break
    return p.data.copy(), i, np.array(log).reshape(-1, p.size)


def adagrad(
    f: Callable[..., Any] | None,
    gfx: Gradient,
    x: ArrayLike,
    ir: int = 100,
    h: ArrayLike = np.array([0.1, 0.1]),  # noqa: B008 - the post's default
    lamb: float = 0.1,
    th: float = 1e-5,
) -> Result:
    r"""The post's AdaGrad.

    $$h \leftarrow h + g^2, \qquad x \leftarrow x - \text{lamb}\, \frac{g}{\sqrt{h}}$$

    Runs on ``AdaGrad(lr=lamb, eps=0)`` with its sum of squares started at ``h``.

    Parameters
    ----------
    f : callable or None
        Not used (the post passes the function).
    gfx : callable
        The gradient, ``gfx(x) -> array``: hand-written, or ``tg.grad(f)``.
    x : array_like
        The start.
    ir : int
        The iteration limit.
    h : array_like
        The starting accumulator (PyTorch's ``initial_accumulator_value``), broadcast to x.
    lamb : float
        The learning rate.
    th : float
        The stopping threshold on $\sum_i |\Delta x_i|$.

    Returns
    -------
    x : numpy.ndarray
        The last iterate.
    i : int
        The loop counter when it stopped (562 from (0, 0) on the post's function).
    log : numpy.ndarray
        Every iterate, one row each.
    """
    p, h0 = _start(x, h)
    optimizer = AdaGrad([p], lr=lamb, eps=0.0)
    optimizer.state[p] = {"step": 0, "sum": h0}
    return _run(p, optimizer, gfx, ir, th)


def rmsprop(
    f: Callable[..., Any] | None,
    gfx: Gradient,
    x: ArrayLike,
    ir: int = 100,
    h: ArrayLike = np.array([0.1, 0.1]),  # noqa: B008 - the post's default
    gamma: float = 0.001,
    lamb: float = 0.1,
    rho: float = 0.5,
    th: float = 1e-5,
) -> Result:
    r"""The post's RMSProp.

    $$h \leftarrow \rho\, h + (1 - \rho)\, g^2, \qquad
    x \leftarrow x - \text{lamb}\, \frac{g}{\sqrt{h}}$$

    Runs on ``RMSProp(lr=lamb, alpha=rho, eps=0)`` with its square average started at ``h``.

    Parameters
    ----------
    f : callable or None
        Not used (the post's signature has it).
    gfx : callable
        The gradient, ``gfx(x) -> array``.
    x : array_like
        The start.
    ir : int
        The iteration limit.
    h : array_like
        The starting square average, broadcast to x.
    gamma : float
        Not used (the post's signature has it).
    lamb : float
        The learning rate.
    rho : float
        The decay of the square average (PyTorch's ``alpha``).
    th : float
        The stopping threshold on $\sum_i |\Delta x_i|$.

    Returns
    -------
    x : numpy.ndarray
        The last iterate.
    i : int
        The loop counter when it stopped (30 from (0, 0) with ``rho=0.8``).
    log : numpy.ndarray
        Every iterate, one row each.
    """
    p, h0 = _start(x, h)
    optimizer = RMSProp([p], lr=lamb, alpha=rho, eps=0.0)
    optimizer.state[p] = {"step": 0, "square_avg": h0}
    return _run(p, optimizer, gfx, ir, th)


def adam(
    gfx: Gradient,
    x: ArrayLike,
    ir: int = 1000,
    alpha: float = 0.1,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 10e-8,
    th: float = 1e-5,
) -> Result:
    r"""The post's Adam; its step counter t starts at 1 and is returned.

    $$m \leftarrow \beta_1 m + (1 - \beta_1) g, \quad
    v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \quad
    x \leftarrow x - \alpha \frac{m / (1 - \beta_1^t)}{\sqrt{v / (1 - \beta_2^t)} + \epsilon}$$

    Runs on ``Adam(lr=alpha, betas=(beta1, beta2), eps=epsilon)``.

    Parameters
    ----------
    gfx : callable
        The gradient, ``gfx(x) -> array``.
    x : array_like
        The start.
    ir : int
        The limit on t.
    alpha : float
        The learning rate.
    beta1, beta2 : float
        The decays of the first and second moment estimates.
    epsilon : float
        Added outside the square root; the post's default ``10e-8`` is $10^{-7}$.
    th : float
        The stopping threshold on $\sum_i |\Delta x_i|$.

    Returns
    -------
    x : numpy.ndarray
        The last iterate.
    t : int
        The step counter when it stopped (174 from (0, 0) on the post's function).
    log : numpy.ndarray
        Every iterate, one row each.
    """
    p, _ = _start(x)
    optimizer = Adam([p], lr=alpha, betas=(beta1, beta2), eps=epsilon)
    log: list[np.ndarray] = []
    t = 1
    while t < ir:
        log.append(p.data.copy())
        if _take_step(p, optimizer, gfx, th):
            break
        t += 1
    return p.data.copy(), t, np.array(log).reshape(-1, p.size)
