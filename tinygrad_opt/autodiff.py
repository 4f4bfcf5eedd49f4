"""Gradients as functions: ``autograd.grad`` (functional, as ``torch.autograd.grad``) and the
transformations built on it: grad, value_and_grad, jacobian, hessian, hvp, elementwise_grad,
gradcheck.

At top level, like HIPS autograd and JAX, ``grad(f)`` is a new function that returns NumPy arrays,
so it drops into code that expects a hand-written gradient (the post's ``gfx``). Inside another
differentiation (an outer transformation is evaluating its function, or the argument is a Tensor
that requires grad) it returns Tensors computed with ``create_graph=True``, so the outer one can
differentiate through them: ``grad(grad(f))`` is f''. The inner input is then a fresh node of the
outer graph (an identity on the argument), never the argument itself, so a closure over the outer
variable is not confused with the inner one (HIPS autograd's "enclosing scope" case), and no
transformation ever touches a ``.grad``.
"""

from __future__ import annotations

import functools
import threading

import numpy as np

from . import ops
from .tensor import (
    Tensor,
    _run_backward,
    check_dtype,
    creation_number,
    enable_grad,
    is_grad_enabled,
    no_grad,
    owned_alone,
    to_array,
    unary,
    wrap,
)

__all__ = [
    "autograd_grad", "grad", "value_and_grad", "jacobian", "hessian", "hvp", "elementwise_grad",
    "gradcheck", "GradcheckError",
]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# the functional gradient


def _tensors(x, who, what):
    """``x`` (a Tensor or a sequence of them) as a tuple of Tensors."""
    items = (x,) if isinstance(x, Tensor) else x
    try:
        items = tuple(items)
    except TypeError:
        raise TypeError(
            f"{who}: {what} must be a Tensor or a sequence of Tensors, got {type(x).__name__}"
        ) from None
    for k, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{who}: {what}[{k}] is a {type(t).__name__}, not a Tensor")
    return items


def _seed(out, given, k, create_graph):
    """dL/d(out) for output ``k``: ``given`` checked, or 1 for a one-element output."""
    if given is None:
        if out.size != 1:
            raise RuntimeError(
                f"autograd.grad: grad can be implicitly created only for one-element outputs, but "
                f"output {k} has shape {out.shape}; pass grad_outputs"
            )
        ones = np.ones(out.shape, out.dtype) if out.ndim else out.dtype.type(1)
        return wrap(ones) if create_graph else ones
    if isinstance(given, Tensor):
        g = given
    else:
        arr = np.asarray(given)
        check_dtype(arr, "autograd.grad(grad_outputs)")
        g = wrap(arr)
    if g.shape != out.shape:
        raise ValueError(
            f"autograd.grad: grad_outputs[{k}] has shape {g.shape} but output {k} has shape "
            f"{out.shape}"
        )
    if g.dtype != out.dtype:
        g = g.astype(out.dtype) if create_graph else wrap(g.data.astype(out.dtype))
    return g if create_graph else g.data


def autograd_grad(
    outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False,
    materialize_grads=False,
):  # fmt: skip
    r"""The gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    Returns the tuple $\left(\sum_k g_k^\top \, \partial y_k / \partial x_i\right)_i$ of
    vector-Jacobian products, one Tensor of ``inputs[i]``'s shape and dtype per input, where
    $y_k$ are the outputs and $g_k$ the ``grad_outputs``. Unlike ``backward`` it never touches
    any ``.grad``, and it visits only the part of the graph that leads to ``inputs``.

    Parameters
    ----------
    outputs : Tensor or sequence of Tensors
        Tensors that require grad (made from ``inputs``).
    inputs : Tensor or sequence of Tensors
        Tensors that require grad: leaves, or intermediate results (then the gradient is that of
        the paths through them).
    grad_outputs : array_like, Tensor or sequence of them, optional
        $g_k$, of the shape of each output; None (or a None entry) means 1 and is allowed only
        for one-element outputs.
    retain_graph : bool, optional
        Keep the visited part of the graph for another pass; defaults to ``create_graph``.
    create_graph : bool
        Record the computation of the gradients, so that they can be differentiated again.
    allow_unused : bool
        Return None for an input the outputs do not depend on, instead of raising.
    materialize_grads : bool
        Return zeros instead of None for such inputs (implies ``allow_unused``).

    Raises
    ------
    RuntimeError
        An output or input does not require grad, an input is not used (unless allowed), a
        non-scalar output has no grad_output, the graph was freed, or a value saved for the
        gradient was modified in place.
    """
    who = "autograd.grad"
    outs = _tensors(outputs, who, "outputs")
    ins = _tensors(inputs, who, "inputs")
    if not outs or not ins:
        raise ValueError(f"{who}: give at least one output and one input")
    if retain_graph is None:
        retain_graph = create_graph
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    grad_outputs = list(grad_outputs)
    if len(grad_outputs) != len(outs):
        raise ValueError(
            f"{who}: {len(grad_outputs)} grad_outputs for {len(outs)} outputs; give one per output"
        )
    for k, y in enumerate(outs):
        if not y.requires_grad:
            raise RuntimeError(
                f"{who}: output {k} (shape {y.shape}) does not require grad: it was not computed "
                f"from a tensor that requires grad (or it was computed under no_grad)"
            )
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise RuntimeError(
                f"{who}: input {i} (shape {x.shape}) does not require grad, so it has no gradient"
            )
    seeds = [
        _seed(y, g, k, create_graph)
        for k, (y, g) in enumerate(zip(outs, grad_outputs, strict=True))
    ]
    return _gradients(
        outs, seeds, ins, retain_graph, create_graph, None, allow_unused, materialize_grads
    )


def _gradients(outs, seeds, ins, retain_graph, create_graph, floor, allow_unused, materialize):
    """Run the engine for ``ins`` and shape its answer: a Tensor per input, None where unused."""
    if create_graph:
        with enable_grad():
            found = _run_backward(outs, seeds, retain_graph, True, ins, floor)
    else:
        found = _run_backward(outs, seeds, retain_graph, False, ins, floor)
    result = []
    for i, x in enumerate(ins):
        g = found[i]
        found[i] = None  # so that owned_alone can tell whether g is ours alone
        if g is None:
            if not (allow_unused or materialize):
                raise RuntimeError(
                    f"autograd.grad: input {i} (shape {x.shape}) was not used to compute the "
                    f"outputs; pass allow_unused=True to get None for it"
                )
            result.append(wrap(np.zeros_like(x.data)) if materialize else None)
            continue
        if g.shape != x.shape:  # a wrong rule must fail loudly, never broadcast silently
            raise RuntimeError(
                f"internal error: gradient of shape {g.shape} for an input of shape {x.shape}"
            )
        if create_graph:
            if not isinstance(g, Tensor):
                g = wrap(np.asarray(g))
            result.append(g if g.dtype == x.dtype else g.astype(x.dtype))
        else:
            owned = owned_alone(g)
            if not (owned and g.dtype == x.dtype and g.strides == x.data.strides):
                # a copy, in the input's layout: the array may be shared by several gradients
                out = np.empty_like(x.data)
                out[...] = g
                g = out
            result.append(wrap(g))
    return tuple(result)


# ---------------------------------------------------------------------------------------------
# transformations


class _Depth(threading.local):
    value = 0  # how many transformations are evaluating their function in this thread
    calls = 0  # how many evaluations have started in this thread


_depth = _Depth()


def _evaluate(f, args, kwargs, floor):
    """``f(*args, **kwargs)`` recorded, with the transformation depth raised meanwhile.

    Returns the output and the ``floor`` for backward: kept when no other transformation ran
    inside ``f``; None otherwise (their graphs, made after the floor, need not lead to this
    one's inputs, so backward walks the graph to find the part that does).
    """
    _depth.value += 1
    _depth.calls += 1
    calls = _depth.calls
    try:
        with enable_grad():
            out = f(*args, **kwargs)
    finally:
        _depth.value -= 1
    return out, (floor if _depth.calls == calls else None)


def _argnums(argnum, nargs, who):
    """``argnum`` (an int or a tuple of ints) as a tuple of non-negative positions."""
    many = isinstance(argnum, (tuple, list))
    nums = tuple(argnum) if many else (argnum,)
    out = []
    for a in nums:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{who}: argnum must be an int or a tuple of ints, got {argnum!r}")
        if not -nargs <= a < nargs:
            raise ValueError(
                f"{who}: argnum={argnum}, but the function was called with {nargs} positional "
                f"argument(s)"
            )
        out.append(int(a) % nargs)
    if not out or len(set(out)) != len(out):
        raise ValueError(f"{who}: argnum={argnum!r} must name distinct positions")
    return tuple(out), many


def _prepare(args, nums, who):
    """Replace the differentiated arguments by fresh inputs.

    Returns (args, inputs, nested, create, floor): ``nested`` when an outer differentiation may
    go through the result (then Tensors are returned), ``create`` when the gradients must be
    differentiable (recorded with create_graph), ``floor`` a creation number below that of the
    inputs (so backward skips the graph that existed before them).
    """
    floor = creation_number()
    recording = is_grad_enabled()
    traced = [isinstance(args[i], Tensor) and args[i].requires_grad for i in nums]
    nested = _depth.value > 0 or (recording and any(traced))
    create = nested and recording
    args = list(args)
    inputs = []
    for i, is_traced in zip(nums, traced, strict=True):
        x = args[i]
        if create and is_traced:  # a new node of the outer graph, distinct from x itself
            t = unary(ops.Reshape, x, x.shape)
        else:  # a fresh float leaf holding a copy (integers become float64)
            if type(x) is np.ndarray and x.dtype.kind == "f":
                data = x.copy()
            else:
                data = to_array(x.data if isinstance(x, Tensor) else x, who)
                if data.dtype.kind != "f":
                    data = data.astype(np.float64)
            t = wrap(data, requires_grad=True)
        args[i] = t
        inputs.append(t)
    return args, inputs, nested, create, floor


def _as_output(out, who, scalar):
    if not isinstance(out, Tensor):
        arr = np.asarray(out)
        check_dtype(arr, who)
        out = wrap(arr.astype(np.float64) if arr.dtype.kind != "f" else arr)
    if scalar and out.size != 1:
        raise ValueError(f"{who}: f must return a single number, but it returned shape {out.shape}")
    return out


def _vjp(out, inputs, seed, create, retain, floor):
    """Gradients of ``out`` (seeded with ``seed``, None for 1) for ``inputs``; zeros where unused."""
    if not out.requires_grad:
        return [wrap(np.zeros_like(x.data)) for x in inputs]
    if seed is None:  # a NumPy scalar for a 0-d output: arithmetic on 0-d arrays is slower
        seed = np.ones(out.shape, out.dtype) if out.ndim else out.dtype.type(1)
    if create:
        seed = wrap(seed)
    return _gradients((out,), (seed,), inputs, retain, create, floor, True, True)


def _returned(t, nested):
    """A Tensor when nested, else its NumPy value (a 0-d result as a NumPy scalar)."""
    if nested:
        return t
    value = t.data
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def _value_and_grad(f, argnum, args, kwargs, who):
    nums, many = _argnums(argnum, len(args), who)
    args, inputs, nested, create, floor = _prepare(args, nums, who)
    out, floor = _evaluate(f, args, kwargs, floor)
    out = _as_output(out, who, scalar=True)
    grads = _vjp(out, inputs, None, create, create, floor)
    grads = [g if nested else g.data for g in grads]
    return _returned(out, nested), (tuple(grads) if many else grads[0])


def grad(f, argnum=0):
    r"""The gradient of a scalar function: ``grad(f)(x)`` is $\nabla f(x) = \partial f/\partial x$.

    ``f`` may use Tensor operations or plain NumPy calls (NumPy dispatch records them), so a
    function written for arrays, such as the post's ``fx``, differentiates unchanged. The
    argument in position ``argnum`` is differentiated (copied into a float input first; integers
    become float64); the others are passed through as they are. With a tuple ``argnum`` the
    result is a tuple of gradients, one per position.

    At top level the gradient is a NumPy array. Inside another differentiation (another
    transformation's function, or an argument that is a Tensor requiring grad) it is a Tensor
    that can be differentiated again, so transformations nest: ``grad(grad(f))`` is $f''$ and
    ``grad(lambda x: grad(f)(x) @ v)`` is the Hessian-vector product $\nabla^2 f(x)\, v$.

    Raises ValueError when ``f`` returns more than one number.
    """

    @functools.wraps(f)
    def gradient(*args, **kwargs):
        return _value_and_grad(f, argnum, args, kwargs, "grad")[1]

    return gradient


def value_and_grad(f, argnum=0):
    """Like :func:`grad`, but returns ``(f(x), grad f(x))`` from one evaluation of ``f``."""

    @functools.wraps(f)
    def both(*args, **kwargs):
        return _value_and_grad(f, argnum, args, kwargs, "value_and_grad")

    return both


def _single(argnum, who):
    if not isinstance(argnum, (int, np.integer)) or isinstance(argnum, bool):
        raise TypeError(f"{who}: argnum must be an int, got {argnum!r}")
    return argnum


def jacobian(f, argnum=0):
    r"""The Jacobian $J_{k j} = \partial f_k / \partial x_j$ of a function with any output shape.

    For an output of shape O and ``x`` of shape S the result has shape O + S (so for a scalar
    ``f`` it is the gradient). It takes one reverse pass per output element.
    """
    argnum = _single(argnum, "jacobian")

    @functools.wraps(f)
    def jac(*args, **kwargs):
        nums, _ = _argnums(argnum, len(args), "jacobian")
        args, (x,), nested, create, floor = _prepare(args, nums, "jacobian")
        out, floor = _evaluate(f, args, kwargs, floor)
        out = _as_output(out, "jacobian", scalar=False)
        m = out.size
        rows = []
        for k in range(m):
            seed = np.zeros(m, out.dtype)
            seed[k] = 1
            retain = create or k < m - 1
            rows.append(_vjp(out, [x], seed.reshape(out.shape), create, retain, floor)[0])
        shape = out.shape + x.shape
        if not nested:
            return np.stack([r.data for r in rows]).reshape(shape) if m else np.zeros(shape)
        if not m:
            return wrap(np.zeros(shape, x.dtype))
        from .functional import stack  # functional imports tensor: resolved at call time

        return stack(rows).reshape(shape)

    return jac


def hessian(f, argnum=0):
    r"""The Hessian of a scalar function by double backward: $H_{ij} = \partial^2 f / \partial x_i
    \partial x_j$, the Jacobian of the gradient.

    For ``x`` of shape S the result has shape S + S. Use :func:`hvp` for products $H v$ without
    forming $H$.
    """
    argnum = _single(argnum, "hessian")
    return functools.wraps(f)(jacobian(grad(f, argnum), argnum))


def hvp(f, argnum=0):
    r"""The Hessian-vector product $\nabla^2 f(x)\, v$ without forming the Hessian.

    ``hvp(f)(*args, v)``: the last positional argument is $v$ (the shape of the differentiated
    argument), the others go to ``f``. By double backward:
    $\nabla^2 f(x)\, v = \nabla_x \left( \nabla f(x) \cdot v \right)$, two reverse passes
    whatever the size of $x$.
    """
    argnum = _single(argnum, "hvp")
    inner = grad(f, argnum)

    @functools.wraps(f)
    def product(*args, **kwargs):
        if len(args) < 2:
            raise TypeError("hvp: call it as hvp(f)(*args, v): the function's arguments, then v")
        *args, v = args
        nums, _ = _argnums(argnum, len(args), "hvp")
        x = args[nums[0]]
        v_shape = v.shape if isinstance(v, Tensor) else np.shape(v)
        if tuple(v_shape) != np.shape(x.data if isinstance(x, Tensor) else x):
            raise ValueError(
                f"hvp: v has shape {tuple(v_shape)} but argument {nums[0]} has shape "
                f"{np.shape(x.data if isinstance(x, Tensor) else x)}"
            )
        return grad(lambda *a, **k: (inner(*a, **k) * v).sum(), argnum)(*args, **kwargs)

    return product


def elementwise_grad(f, argnum=0):
    r"""The sum of the Jacobian's rows: $\sum_k \partial f_k / \partial x$, one reverse pass.

    For a function applied elementwise ($f_k$ depends on $x_k$ alone) this is the derivative at
    every point, $f'(x_k)$, hence the name; it has the shape of ``x``.
    """
    argnum = _single(argnum, "elementwise_grad")

    @functools.wraps(f)
    def derivative(*args, **kwargs):
        nums, _ = _argnums(argnum, len(args), "elementwise_grad")
        args, (x,), nested, create, floor = _prepare(args, nums, "elementwise_grad")
        out, floor = _evaluate(f, args, kwargs, floor)
        out = _as_output(out, "elementwise_grad", scalar=False)
        seed = np.ones(out.shape, out.dtype)
        g = _vjp(out, [x], seed, create, create, floor)[0]
        return g if nested else g.data

    return derivative


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when reverse mode and central differences disagree."""


def _flat_outputs(f):
    """``f`` with a tuple or list of outputs joined into one flat Tensor (a single output as is)."""

    @functools.wraps(f)
    def joined(*args):
        out = f(*args)
        if not isinstance(out, (tuple, list)):
            return out
        if not out:
            raise ValueError("gradcheck: f returned an empty sequence")
        from .functional import as_tensor, concatenate  # functional imports this module's users

        return concatenate([as_tensor(o).reshape(-1) for o in out])

    return joined


def gradcheck(f, *inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check reverse-mode gradients of ``f`` against central differences; True or raises.

    Every input is copied to float64 and differentiated. For each output element k and input
    element j, the analytic ∂f_k/∂x_j (one backward pass per output element) is compared with
    (f(x + eps e_j) − f(x − eps e_j)) / (2 eps); they agree when
    ``|analytic − numerical| <= atol + rtol |numerical|``.

    ``f`` may return a Tensor or a tuple/list of Tensors (as ``np.split`` does); the outputs of a
    tuple are checked as one flat vector, in order.

    Raises GradcheckError naming the worst entry (input, element, both values) otherwise, and
    ValueError for non-positive ``eps`` or negative tolerances.
    """
    f = _flat_outputs(f)
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be positive, got {eps}")
    if atol < 0 or rtol < 0:
        raise ValueError(f"gradcheck: atol and rtol must be non-negative, got {atol} and {rtol}")
    if not inputs:
        raise ValueError("gradcheck: give at least one input")
    values = [to_array(x.data if isinstance(x, Tensor) else x, "gradcheck") for x in inputs]
    values = [v.astype(np.float64) for v in values]
    leaves = [wrap(v, requires_grad=True) for v in values]
    out, _ = _evaluate(f, leaves, {}, None)
    out_data = np.asarray(out.data if isinstance(out, Tensor) else out, dtype=np.float64)
    m = out_data.size

    analytic = [np.zeros((m, v.size)) for v in values]
    if isinstance(out, Tensor) and out.requires_grad:
        for k in range(m):
            seed = np.zeros(m, out.dtype)
            seed[k] = 1
            grads = autograd_grad(
                out, leaves, seed.reshape(out.shape), retain_graph=True, allow_unused=True
            )
            for g, jac in zip(grads, analytic, strict=True):
                if g is not None:
                    jac[k] = g.data.reshape(-1)

    def evaluate(i, x):
        args = [wrap(v) for v in values]
        args[i] = wrap(x)
        _depth.value += 1  # as in the recorded call, so that nested transformations return Tensors
        try:
            with no_grad():
                y = f(*args)
        finally:
            _depth.value -= 1
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
