"""The Optimizer base class: parameter groups, per-parameter state, state_dict, validation.

Subclasses supply their defaults, ``_validate`` for a group's hyperparameters, and
``_update(param, grad, state, group)``, which calls the optimizer's pure update function.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..tensor import Tensor, enable_grad

__all__ = [
    "Optimizer", "check_number", "check_lr", "check_betas", "learning_rate", "blockwise",
    "direction", "implementation_flags",
]  # fmt: skip

# Elements per block for the update functions. Smaller blocks keep temporaries in L1/L2 but pay
# Python's per-ufunc overhead more often; on a 2-core EPYC (512 KiB L2 per core, 16 MiB L3),
# Adam on 4M float32 took 17.4 ms at 8K, 12.9 ms at 16K, 10.9 ms at 64K and 10.6 ms at 128K.
BLOCK = 65536


def blockwise(update, written, read=()):
    """Run ``update(*blocks, scratch_a, scratch_b)`` over cache-sized blocks of equal-shape arrays.

    NumPy cannot fuse elementwise expressions, so an update written with whole-array temporaries
    streams every temporary through main memory. Cutting the arrays into blocks and using
    ``out=`` on two scratch buffers keeps the temporaries in cache. ``written`` arrays are
    updated in place (through flat views, so large ones must be C-contiguous; otherwise the
    update runs once on the whole arrays); ``read`` arrays are only read.
    """
    first = written[0]
    n = first.size
    if n <= BLOCK or not all(a.flags.c_contiguous for a in written):
        # one block: the update is elementwise, so it works on the arrays as they are
        update(*written, *read, np.empty_like(first), np.empty_like(first))
        return
    flat = [a.reshape(-1) for a in written] + [np.ravel(a) for a in read]
    scratch_a, scratch_b = np.empty(BLOCK, first.dtype), np.empty(BLOCK, first.dtype)
    for start in range(0, n, BLOCK):
        stop = start + BLOCK
        blocks = [a[start:stop] for a in flat]
        k = blocks[0].size
        update(*blocks, scratch_a[:k], scratch_b[:k])


def direction(p, g, a, b, maximize, weight_decay):
    """The direction every rule starts from, d = ∓g + λθ (− for ``maximize``, λ = weight_decay).

    Written into the scratch buffer ``a`` (``b`` is used and clobbered) when it differs from g;
    g itself is returned, untouched, when there is nothing to change.
    """
    d = g
    if maximize:
        d = np.negative(d, out=a)
    if weight_decay != 0:
        np.multiply(p, weight_decay, out=b)
        d = np.add(d, b, out=a)
    return d


def check_number(what, name, value, low=0.0, high=None, high_inclusive=False, message=None):
    """Raise ValueError unless ``low <= value (<|<=) high``.

    The message starts as PyTorch's does, ``"Invalid {what}: {value}"`` (or ``message``, a
    format string with ``{value}``, where PyTorch words it differently), and names the argument
    and the bound after it.
    """
    head = (message or f"Invalid {what}: {{value}}").format(value=value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{head} ({name}={value!r} is not a number)")
    if math.isnan(value):
        raise ValueError(f"{head} ({name}={value!r})")
    if value < low:
        raise ValueError(f"{head} ({name}={value!r} must be >= {low})")
    if high is not None and (value > high or (value == high and not high_inclusive)):
        bound = "<=" if high_inclusive else "<"
        raise ValueError(f"{head} ({name}={value!r} must be {bound} {high})")


def learning_rate(lr):
    """A group's ``lr`` as a float: it may be a number or a one-element Tensor, as in PyTorch."""
    return float(lr.item()) if isinstance(lr, Tensor) else lr


def check_lr(lr, message=None):
    """Validate a learning rate: a number >= 0, or a one-element Tensor holding one."""
    if isinstance(lr, Tensor):
        if lr.size != 1:
            raise ValueError(f"Tensor lr must be 1-element (got shape {lr.shape})")
        lr = learning_rate(lr)
    check_number("learning rate", "lr", lr, message=message)


def check_betas(
    group, message="Invalid beta parameter at index {index}: {value}", allow_tensors=False
):
    """Validate ``group["betas"]``, a pair in [0, 1) each (stored back as a tuple).

    With ``allow_tensors`` (Adam and AdamW, as in PyTorch) the pair may also be two one-element
    Tensors; the update then reads their values.
    """
    betas = group["betas"]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(f"Invalid betas: betas={betas!r} (expected a pair (beta1, beta2))")
    group["betas"] = tuple(betas)
    tensors = [isinstance(b, Tensor) for b in betas]
    if any(tensors):
        if not allow_tensors:
            raise ValueError(
                f"Invalid betas: betas={betas!r} (Tensor betas are supported by Adam and AdamW only)"
            )
        if not all(tensors):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, beta in enumerate(betas):
            if beta.size != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element (got shape {beta.shape})")
        betas = [learning_rate(b) for b in betas]
    for i, beta in enumerate(betas):
        check_number(
            "", f"betas[{i}]", beta, 0.0, 1.0, message=message.format(index=i, value="{value}")
        )


def implementation_flags(name, foreach=None, fused=None, capturable=False, differentiable=False):
    """Check PyTorch's implementation flags, which choose kernels, not the update rule.

    ``foreach``, ``fused`` and ``capturable`` select how PyTorch runs the same rule (grouped
    kernels, one fused kernel, CUDA-graph capture): accepted and ignored here, where every update
    is one blocked NumPy loop. ``differentiable=True`` would record the update itself for
    autodiff, which these updates (in place, on arrays) do not do: refused.
    """
    if differentiable:
        raise ValueError(
            f"{name}: differentiable=True is not supported: the update runs in place on NumPy "
            f"arrays and is not recorded for autodiff"
        )
    del foreach, fused, capturable


def _param_list(params, where):
    if isinstance(params, Tensor):
        return [params]
    if isinstance(params, (set, frozenset)):
        raise TypeError(
            f"{where}: parameters must be in an ordered collection such as a list, not a set "
            f"(a set's order changes between runs, and state_dict relies on the order)"
        )
    if isinstance(params, np.ndarray):
        raise TypeError(
            f"{where}: got a NumPy array; optimizers update Parameters: wrap it, tg.Parameter(array)"
        )
    try:
        return list(params)
    except TypeError:
        raise TypeError(
            f"{where}: params must be an iterable of Parameters or of dicts, got "
            f"{type(params).__name__}"
        ) from None


class Optimizer:
    """Base class of all optimizers, with PyTorch's ``torch.optim.Optimizer`` interface.

    Parameters
    ----------
    params : iterable
        Parameters (Tensors with ``requires_grad``), or dicts ``{"params": [...], "lr": ...}``
        that form parameter groups with their own hyperparameters.
    defaults : dict
        Hyperparameters for groups that do not set them.

    Attributes
    ----------
    param_groups : list of dict
        Each group's ``"params"`` and hyperparameters; schedulers change ``"lr"`` here.
    state : dict
        Per-parameter state (moment estimates, step counts), keyed by parameter.

    Raises TypeError for a bare Tensor, a set, NumPy arrays or other non-Tensors; ValueError for
    an empty parameter list, a non-leaf tensor, a parameter listed twice, or a hyperparameter
    out of range (naming the argument and the value).
    """

    # state entries restored as ints, and entries not shaped like their parameter (load_state_dict
    # checks the shape of every other array)
    _integer_state: tuple[str, ...] = ("step",)
    _free_state: tuple[str, ...] = ()
    # False where the rule mixes elements (norms, matrix products, line searches): a batch of
    # independent runs stacked in one parameter would then be coupled
    elementwise = True
    # True where step() needs a closure (LBFGS, Newton); the closure calls zero_grad() and
    # backward() itself unless closure_calls_backward is False (Newton differentiates it twice)
    requires_closure = False
    closure_calls_backward = True

    def __init__(self, params, defaults):
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of Parameters (e.g. "
                f"[p]), got a single {type(params).__name__}"
            )
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        groups = _param_list(params, type(self).__name__)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"

    # -- groups ---------------------------------------------------------------------------------

    def add_param_group(self, param_group):
        """Add a group of parameters, with hyperparameters defaulting to ``defaults``."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group must be a dict, got {type(param_group).__name__}"
            )
        if "params" not in param_group:
            raise ValueError(f"{name}: a parameter group needs a 'params' entry")
        params = _param_list(param_group["params"], name)
        if not params:
            raise ValueError(f"{name}: a parameter group has an empty parameter list")
        for p in params:
            if not isinstance(p, Tensor):
                hint = " (wrap arrays in tg.Parameter)" if isinstance(p, np.ndarray) else ""
                raise TypeError(
                    f"{name} can only optimize Tensors, but got a {type(p).__name__}{hint}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: cannot optimize a non-leaf Tensor (one computed by operations); "
                    f"optimize the Parameters it was computed from"
                )
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: a parameter is listed twice in one parameter group")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if seen.intersection(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        group = dict(param_group)
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(
                f"{name}: unknown hyperparameter(s) {sorted(unknown)} in a parameter group"
            )
        self._validate(group)
        self.param_groups.append(group)

    def _validate(self, group):  # pragma: no cover - every optimizer overrides it
        raise NotImplementedError

    # -- the step -------------------------------------------------------------------------------

    def zero_grad(self, set_to_none=True):
        """Reset the gradients: to None (the default, as in PyTorch) or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.data[...] = 0

    def step(self, closure=None):
        """Update every parameter that has a gradient; parameters without one are skipped.

        ``closure``, if given, re-evaluates the model and returns the loss (it should call
        ``zero_grad`` and ``backward``); it runs first, and its loss is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            if isinstance(group["lr"], Tensor):  # the update functions read a float
                group = dict(group, lr=learning_rate(group["lr"]))
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.data.shape:
                    raise ValueError(
                        f"{type(self).__name__}: gradient of shape {grad.shape} for a parameter "
                        f"of shape {p.data.shape}"
                    )
                if grad.dtype != p.data.dtype:
                    grad = grad.astype(p.data.dtype)
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self._init_state(p, group)
                self._update(p.data, grad, state, group)
                p._bump_version()  # a graph that saved p must not use its new values
        return loss

    def _init_state(self, param, group):  # pragma: no cover - every optimizer overrides it
        raise NotImplementedError

    def _update(self, param, grad, state, group):  # pragma: no cover - every optimizer overrides it
        raise NotImplementedError

    # -- state_dict -----------------------------------------------------------------------------

    def state_dict(self):
        """The optimizer's state in PyTorch's layout.

        ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``: parameters
        are numbered in the order of the groups. The arrays are the live state (not copies),
        as in PyTorch; ``tg.save`` writes them out.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore a ``state_dict()``: hyperparameters and per-parameter state (copied).

        Raises ValueError when the saved groups do not match this optimizer's (their number,
        their sizes, or a state array's shape).
        """
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(
                f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups'"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} parameter group(s), "
                f"this optimizer has {len(self.param_groups)}"
            )
        by_index = {}
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} "
                    f"parameter(s) in the state but {len(group['params'])} here"
                )
            for index, p in zip(saved["params"], group["params"], strict=True):
                by_index[int(index)] = p
        new_state = {}
        for index, saved in state_dict["state"].items():
            if int(index) not in by_index:
                raise ValueError(f"{name}.load_state_dict: state for unknown parameter {index}")
            p = by_index[int(index)]
            entry = {}
            for key, value in saved.items():
                if key in self._integer_state:
                    entry[key] = int(value)
                elif key in self._free_state:
                    entry[key] = _copy_state(value, p.data.dtype)
                elif isinstance(value, numbers.Number) and not isinstance(value, np.ndarray):
                    entry[key] = _restore(value)
                else:
                    value = np.asarray(value)
                    if value.shape != p.data.shape:
                        raise ValueError(
                            f"{name}.load_state_dict: state {key!r} of parameter {index} has "
                            f"shape {value.shape}, but the parameter has shape {p.data.shape}"
                        )
                    entry[key] = np.array(value, dtype=p.data.dtype)
            new_state[p] = entry
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            merged = {k: _restore(v) for k, v in saved.items() if k != "params"}
            if isinstance(group["lr"], Tensor) and not isinstance(merged.get("lr"), Tensor):
                # a Tensor lr was saved as an array: keep the group's lr a Tensor
                merged["lr"] = Tensor(
                    np.asarray(merged["lr"], dtype=group["lr"].dtype).reshape(group["lr"].shape)
                )
            merged["params"] = group["params"]
            self._validate(merged)
            new_groups.append(merged)
        self.state = new_state
        self.param_groups = new_groups


def _restore(value):
    """Hyperparameters come back from a checkpoint as NumPy scalars or lists: make them plain."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value.item()
    if isinstance(value, list):
        return tuple(value)
    return value


def _copy_state(value, dtype):
    """A copy of state that is not shaped like its parameter (lists of arrays, numbers, None)."""
    if isinstance(value, Tensor):
        value = value.data
    if isinstance(value, np.ndarray):
        return np.array(value, dtype=dtype) if value.dtype.kind == "f" else value.copy()
    if isinstance(value, (list, tuple)):
        return [_copy_state(v, dtype) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
