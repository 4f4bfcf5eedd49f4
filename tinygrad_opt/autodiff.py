"""Function transformations on top of ``backward``: grad, value_and_grad, hessian, gradcheck.

Like HIPS autograd and JAX, ``grad(f)`` is a new function that returns NumPy arrays, so it drops
into code that expects a hand-written gradient (the post's ``gfx``).
"""

from __future__ import annotations

import functools

import numpy as np

from .tensor import Tensor, enable_grad, no_grad, to_array, wrap

__all__ = ["grad", "value_and_grad", "hessian", "gradcheck", "GradcheckError"]


def _leaf(x, who):
    """A fresh float leaf that requires grad, holding a copy of ``x``."""
    data = to_array(x.data if isinstance(x, Tensor) else x, who)
    if data.dtype.kind != "f":
        data = data.astype(np.float64)
    return wrap(data, requires_grad=True)


def _with_arg(args, argnum, value, who):
    if not -len(args) <= argnum < len(args):
        raise ValueError(
            f"{who}: argnum={argnum}, but the function was called with {len(args)} positional "
            f"argument(s)"
        )
    args = list(args)
    original = args[argnum]
    args[argnum] = value(original)
    return args


def _scalar_output(out, who):
    """The output as a one-element Tensor (numbers become constants); ValueError otherwise."""
    if not isinstance(out, Tensor):
        out = wrap(np.asarray(out, dtype=np.float64))
    if out.size != 1:
        raise ValueError(f"{who}: f must return a single number, but it returned shape {out.shape}")
    return out


def _value_and_grad(f, argnum, args, kwargs, who):
    leaf = None

    def make_leaf(x):
        nonlocal leaf
        leaf = _leaf(x, who)
        return leaf

    args = _with_arg(args, argnum, make_leaf, who)
    with enable_grad():
        out = _scalar_output(f(*args, **kwargs), who)
    if out.requires_grad:
        out.backward()
    g = leaf.grad.data if leaf.grad is not None else np.zeros_like(leaf.data)
    value = out.data
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return value, g


def grad(f, argnum=0):
    """The gradient of a scalar function: ``grad(f)(x)`` is df/dx as a NumPy array.

    ``f`` may use Tensor operations or plain NumPy calls (NumPy dispatch records them), so a
    function written for arrays, such as the post's ``fx``, differentiates unchanged. The
    argument in position ``argnum`` is differentiated (copied into a float leaf first; integers
    become float64); the others are passed through as they are.

    Raises ValueError when ``f`` returns more than one number.
    """

    @functools.wraps(f)
    def gradient(*args, **kwargs):
        return _value_and_grad(f, argnum, args, kwargs, "grad")[1]

    return gradient


def value_and_grad(f, argnum=0):
    """Like :func:`grad`, but returns ``(f(x), df/dx)`` from one evaluation of ``f``."""

    @functools.wraps(f)
    def both(*args, **kwargs):
        return _value_and_grad(f, argnum, args, kwargs, "value_and_grad")

    return both


def hessian(f, argnum=0):
    """The Hessian of a scalar function by double backward: ``hessian(f)(x)[i, j] = ∂²f/∂xᵢ∂xⱼ``.

    For ``x`` of shape S the result has shape S + S.
    """

    @functools.wraps(f)
    def hess(*args, **kwargs):
        leaf = None

        def make_leaf(x):
            nonlocal leaf
            leaf = _leaf(x, "hessian")
            return leaf

        args = _with_arg(args, argnum, make_leaf, "hessian")
        n = leaf.size
        result = np.zeros((n, n), dtype=leaf.dtype)
        with enable_grad():
            out = _scalar_output(f(*args, **kwargs), "hessian")
            if out.requires_grad:
                out.backward(create_graph=True)
            first = leaf.grad
            if first is not None and first.requires_grad:
                flat = first.reshape(-1)
                for i in range(n):
                    leaf.grad = None
                    component = flat[i]
                    if component.requires_grad:
                        component.backward(retain_graph=True)
                        if leaf.grad is not None:
                            result[i] = leaf.grad.data.reshape(-1)
        return result.reshape(leaf.shape + leaf.shape)

    return hess


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when reverse mode and central differences disagree."""


def gradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check reverse-mode gradients of ``f`` against central differences; True or raises.

    Every input is copied to float64 and differentiated. For each output element k and input
    element j, the analytic ∂f_k/∂x_j (one backward pass per output element) is compared with
    (f(x + eps e_j) − f(x − eps e_j)) / (2 eps); they agree when
    ``|analytic − numerical| <= atol + rtol |numerical|``.

    Raises GradcheckError naming the worst entry (input, element, both values) otherwise, and
    ValueError for non-positive ``eps`` or negative tolerances.
    """
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
    if atol < 0 or rtol < 0:
        raise ValueError(f"gradcheck: atol and rtol must be non-negative, got {atol} and {rtol}")
    if not inputs:
        raise ValueError("gradcheck: give at least one input")
    values = [_leaf(x, "gradcheck").data.astype(np.float64) for x in inputs]
    leaves = [wrap(v, requires_grad=True) for v in values]
    with enable_grad():
        out = f(*leaves)
    out_data = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
    m = out_data.size

    analytic = [np.zeros((m, v.size)) for v in values]
    if isinstance(out, Tensor) and out.requires_grad:
        for k in range(m):
            seed = np.zeros(m)
            seed[k] = 1.0
            for leaf in leaves:
                leaf.grad = None
            out.backward(gradient=seed.reshape(out.shape), retain_graph=True)
            for leaf, jac in zip(leaves, analytic, strict=True):
                if leaf.grad is not None:
                    jac[k] = leaf.grad.data.reshape(-1)

    def evaluate(i, x):
        args = [wrap(v) for v in values]
        args[i] = wrap(x)
        with no_grad():
            y = f(*args)
        return np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64).reshape(-1)

    worst = None
    for i, (v, jac) in enumerate(zip(values, analytic, strict=True)):
        for j in range(v.size):
            up, down = v.copy(), v.copy()
            up.flat[j] += eps
            down.flat[j] -= eps
            numerical = (evaluate(i, up) - evaluate(i, down)) / (2 * eps)
            excess = np.abs(jac[:, j] - numerical) - (atol + rtol * np.abs(numerical))
            k = int(np.argmax(excess)) if m else 0
            if m and excess[k] > 0 and (worst is None or excess[k] > worst[0]):
                worst = (excess[k], i, j, k, jac[k, j], numerical[k])
    if worst is not None:
        _, i, j, k, a, n = worst
        where = [int(w) for w in np.unravel_index(j, values[i].shape)]
        out_where = [int(w) for w in np.unravel_index(k, out_data.shape)]
        out_name = f"output{out_where}" if out_where else "output"
        raise GradcheckError(
            f"gradcheck: d({out_name})/d(input {i}{where}) is {float(a)!r} by reverse mode but "
            f"{float(n)!r} by central differences (eps={eps}, atol={atol}, rtol={rtol})"
        )
    return True
