"""``tg.compile``: a function of Tensors traced once per signature into one fused primitive.

On small problems the cost of value + gradient is Python bookkeeping per graph node, not
arithmetic. ``compile(f)`` runs ``f`` once on tracing Tensors, reads the recorded graph, and
generates two straight-line Python functions of NumPy calls:

* the forward, which returns f's value and the intermediates the backward needs (nothing else);
* the vector-Jacobian product, which computes only the gradients that reach an input that
  requires grad (dead gradients are never computed), shares common subexpressions, and skips
  ``unbroadcast`` where the shapes, known at trace time, already agree.

Values that do not depend on the inputs were computed once while tracing: they are the
constants of the generated code (constant folding comes for free). Each operation is either
inlined as the NumPy expression its primitive evaluates, or calls the primitive's own
``forward``/``vjp`` (any primitive of :mod:`tinygrad_opt.ops` works), so the compiled function
computes the same operations in the same order as eager ``f``: values and gradients are equal.

The compiled function is itself a single primitive: a call records one graph node, so
``loss = fc(p); loss.backward()``, optimizers, ``tg.grad(fc)`` and ``tg.minimize(...,
compile=True)`` work unchanged. Second derivatives (``backward(create_graph=True)``) go
through the eager graph of ``f``.
"""

from __future__ import annotations

import ast
import collections
import functools
import itertools
import math
import re
import sys
import threading
import types
import warnings
from heapq import heappop, heappush

import numpy as np

from . import ops
from .tensor import Tensor, _mode, _node, enable_grad, wrap

__all__ = ["compile", "CompiledFunction", "CompileWarning"]


def _versions(args):
    """The versions of the Tensors among ``args`` (None for constants), for the engine's check
    that nothing a node saved was changed in place before its backward."""
    return tuple([x._version if isinstance(x, Tensor) else None for x in args])


class CompileWarning(UserWarning):
    """``tg.compile`` gave up compiling a function and runs it eagerly (the message says why)."""


class _Escape(BaseException):
    """Raised inside a trace when f reads a traced value; a BaseException so that an
    ``except Exception`` in f cannot swallow it."""


# Reads of a traced tensor's ``.data`` that are part of the engine, not of f's logic: the
# engine's modules pass the value on to a recorded operation; the listed functions read only
# its shape and dtype. Any other read abandons the trace (a new helper that reads values is
# then run eagerly, never compiled wrong).
_PACKAGE = __name__.rpartition(".")[0]
_ENGINE = {f"{_PACKAGE}.{m}" for m in ("tensor", "ops", "compile")}
_SHAPE_READERS = {
    (f"{_PACKAGE}.functional", "data_of"),
    (f"{_PACKAGE}.numpy_dispatch", "_strip"),
    (f"{_PACKAGE}.numpy_dispatch", "handler"),
}
# the library's own layers, skipped when naming the line of f that read a value
_CORE = _ENGINE | {f"{_PACKAGE}.{m}" for m in ("functional", "numpy_dispatch")}


def _user_location():
    """``file:line`` of the innermost frame outside the core modules (the line of f that did it)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") in _CORE:
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


# ---------------------------------------------------------------------------------------------
# tracing


class _NonDiff(ops.Primitive):
    """A traced operation with no gradient (comparisons, sign, detach): its value still depends
    on the inputs, so the compiled code recomputes it."""

    def __init__(self, func, name):
        self.func = func
        self.name = name

    def forward(self, *inputs):
        return self.func(*inputs)

    def vjp(self, g, out, needs, *inputs):
        return (None,) * len(inputs)


def _same(a):
    return a


_IDENTITY = _NonDiff(_same, "detach")


class _Trace:
    """The state of one trace (``_mode.trace`` while f runs on tracing Tensors)."""

    def __init__(self):
        self.escaped = None  # (what, where) once f read a traced value
        self.nondiff = {}  # id(data) -> the _NonDiff node that made it (to find by identity)

    def escape(self, what):
        if self.escaped is None:
            self.escaped = (what, _user_location())
        raise _Escape

    def constant(self, func, args):
        vals = tuple(x.data if isinstance(x, Tensor) else x for x in args)
        out = func(*vals)
        if not any(isinstance(x, Tensor) and x.requires_grad for x in args):
            return wrap(out)
        op = _NonDiff(func, getattr(func, "__name__", "constant"))
        node = _node(out, op, args, vals, (False,) * len(args), (), _versions(args))
        self.nondiff[id(out)] = node
        return node

    def detach(self, t):
        node = _node(t.data, _IDENTITY, (t,), (t.data,), (False,), (), (t._version,))
        self.nondiff[id(t.data)] = node
        return node


# While a trace runs, ``Tensor.data`` becomes a property that notices reads of traced values
# from outside the core modules (``float(x.data[0])`` in f). Installed for the duration of
# traces only (counted, as traces may run in several threads at once).
_DATA_SLOT = Tensor.__dict__["data"]
_data_lock = threading.Lock()
_data_users = 0


def _get_data(t):
    trace = _mode.trace
    if trace is not None and t.requires_grad:
        frame = sys._getframe(1)
        module = frame.f_globals.get("__name__")
        if module not in _ENGINE and (module, frame.f_code.co_name) not in _SHAPE_READERS:
            trace.escape(".data")
    return _DATA_SLOT.__get__(t)


def _set_data(t, value):
    _DATA_SLOT.__set__(t, value)


_DATA_PROPERTY = property(_get_data, _set_data, doc=_DATA_SLOT.__doc__)


def _watch_data(on):
    global _data_users
    with _data_lock:
        _data_users += 1 if on else -1
        Tensor.data = _DATA_PROPERTY if _data_users else _DATA_SLOT


# ---------------------------------------------------------------------------------------------
# signatures: what a call's arguments say about the code that fits them


_NUMBERS = (bool, int, float, complex, str, bytes, type(None))


def _describe(x, dynamic):
    """The cache-key part of one argument; Tensors and float arrays are appended to ``dynamic``
    (they become inputs of the compiled code), everything else is a constant of it."""
    if isinstance(x, Tensor):
        d = x.data
        if d.dtype.kind != "f":  # integer or boolean Tensors (labels, masks): keyed by value
            return ("TC", d.shape, d.dtype, np.asarray(d).tobytes())
        dynamic.append(x)
        return ("T", d.shape, d.dtype, x.requires_grad)
    t = type(x)
    if t is float:  # repr tells -0.0 from 0.0 and makes nan equal to itself
        return (t, repr(x))
    if t in _NUMBERS:
        return (t, x)
    if isinstance(x, (np.ndarray, np.generic)):
        if x.dtype.kind == "f":
            dynamic.append(x)
            return ("A", type(x), np.shape(x), x.dtype)
        if x.dtype.kind in "biu":  # indices and labels: constants, keyed by value
            return ("C", type(x), np.shape(x), x.dtype, np.asarray(x).tobytes())
    elif isinstance(x, (tuple, list)):
        return (t, tuple(_describe(v, dynamic) for v in x))
    elif isinstance(x, dict):
        return (t, tuple((k, _describe(v, dynamic)) for k, v in x.items()))
    elif isinstance(x, (slice, np.dtype, type(Ellipsis))):
        return (t, repr(x))
    elif isinstance(x, _FUNCTIONS):  # the object itself (held by the key: its id stays its own)
        return ("F", x)
    raise _Unsupported(type(x).__name__)


_FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, np.ufunc)


class _Unsupported(Exception):
    pass


_SLOT = object()  # where a dynamic argument goes, in the layout an entry keeps of f's arguments


def _rebuild(x, dynamic):
    """``x`` with its dynamic parts taken in order from the iterator ``dynamic``."""
    if x is _SLOT:
        return next(dynamic)
    if isinstance(x, Tensor):
        if x.dtype.kind == "f":
            return next(dynamic)
        return wrap(np.array(x.data))  # a constant of the code (keyed by value): a copy
    if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind == "f":
        return next(dynamic)
    if isinstance(x, (tuple, list)):
        return type(x)(_rebuild(v, dynamic) for v in x)
    if isinstance(x, dict):
        return {k: _rebuild(v, dynamic) for k, v in x.items()}
    return x


# ---------------------------------------------------------------------------------------------
# code generation

# Operations inlined as the NumPy expression their primitive's forward evaluates; the others
# call ``forward`` of their primitive. (Same operations, same order: the values are equal.)
_FORWARD = {
    ops.Add: "{0} + {1}",
    ops.Subtract: "{0} - {1}",
    ops.Multiply: "{0} * {1}",
    ops.Divide: "{0} / {1}",
    ops.Power: "{0} ** {1}",
    ops.Negative: "-{0}",
    ops.Exp: "np.exp({0})",
    ops.Log: "np.log({0})",
    ops.Sqrt: "np.sqrt({0})",
    ops.Sin: "np.sin({0})",
    ops.Cos: "np.cos({0})",
    ops.Tanh: "np.tanh({0})",
    ops.Matmul: "np.matmul({0}, {1})",
    ops.GetItem: "{0}[{1}]",
    ops.Maximum: "np.maximum({0}, {1})",
    ops.Minimum: "np.minimum({0}, {1})",
    ops.Where: "np.where({0}, {1}, {2})",
    ops.Log1p: "np.log1p({0})",
    ops.Expm1: "np.expm1({0})",
    ops.Tan: "np.tan({0})",
    ops.Relu: "np.maximum({0}, 0)",
    ops.Abs: "np.abs({0})",
    ops.Clip: "np.clip({0}, {1}, {2})",
    ops.Sum: "np.sum({0}, axis={1}, keepdims={2})",
    ops.Max: "np.max({0}, axis={1}, keepdims={2})",
    ops.Min: "np.min({0}, axis={1}, keepdims={2})",
    ops.Reshape: "np.reshape({0}, {1})",
    ops.Transpose: "np.transpose({0}, {1})",
    ops.BroadcastTo: "np.broadcast_to({0}, {1})",
}

# The gradient rules of the common elementwise primitives, inlined (as in ops.py); ``{g}`` is
# the incoming gradient, ``{out}`` the node's value, ``{0}``, ``{1}`` its inputs. The result
# has the output's shape, and is summed down to an input's shape (unbroadcast) only where the
# two differ.
_VJP = {
    ops.Add: ("{g}", "{g}"),
    ops.Subtract: ("{g}", "-{g}"),
    ops.Multiply: ("{g} * {1}", "{g} * {0}"),
    ops.Divide: ("{g} / {1}", "-{g} * {out} / {1}"),
    ops.Power: ("{g} * {1} * {0} ** ({1} - 1)", None),  # the exponent's rule: ops.Power.vjp
    ops.Negative: ("-{g}",),
    ops.Exp: ("{g} * {out}",),
    ops.Log: ("{g} / {0}",),
    ops.Sqrt: ("{g} * 0.5 / {out}",),
    ops.Sin: ("{g} * np.cos({0})",),
    ops.Cos: ("-{g} * np.sin({0})",),
    ops.Tanh: ("{g} * (1 - {out} * {out})",),
    ops.Log1p: ("{g} / (1 + {0})",),
    ops.Expm1: ("{g} * ({out} + 1)",),
    ops.Tan: ("{g} * (1 + {out} * {out})",),
    ops.Sigmoid: ("{g} * {out} * (1 - {out})",),
    ops.Relu: ("{g} * ({0} > 0)",),
    ops.Abs: ("{g} * np.sign({0})",),
    ops.Where: (None, "np.where({0}, {g}, 0)", "np.where({0}, 0, {g})"),
}


def _is_basic_int_index(index):
    """An index that selects each position at most once and needs no array: ints and slices."""
    items = index if isinstance(index, tuple) else (index,)
    return all(type(i) is int or type(i) is slice for i in items)


class _Codegen:
    """Turns a traced graph into the source of ``forward`` and ``backward``."""

    def __init__(self, out, inputs, trace):
        self.namespace = {"np": np, "unbroadcast": ops.unbroadcast, "Tensor": Tensor}
        self.names = {}  # id(Tensor) -> its variable
        self.consts = {}  # id(value) -> its namespace name
        self.keep = []  # keeps constants alive, so their ids stay theirs
        self.defining = {}  # variable -> the node that defines it (the first of its duplicates)
        self.merged = 0  # how many operations were found to repeat an earlier one
        self.trace = trace
        self.inputs = list(inputs)  # the tracing leaves of the dynamic arguments
        self.captured = []  # leaf Tensors of f's closure (parameters of a model, ...)
        for i, t in enumerate(self.inputs):
            self.names[id(t)] = f"a{i}"
        self.out = out
        self.nodes = self._collect(out)

    # -- the graph ----------------------------------------------------------------------------

    def _collect(self, out):
        """The nodes out depends on, oldest first, and the closure's leaves (``captured``)."""
        seen = set()
        nodes = []
        stack = [out]
        while stack:
            t = stack.pop()
            if id(t) in seen:
                continue
            seen.add(id(t))
            if id(t) in self.names:
                continue
            if t._op is None:  # a leaf that is not an argument: read at every call
                self.names[id(t)] = f"a{len(self.inputs) + len(self.captured)}"
                self.captured.append(t)
                continue
            if t._args is None:
                raise RuntimeError("compile: f returned a tensor whose graph was already freed")
            nodes.append(t)
            for x in t._args:
                if isinstance(x, Tensor):
                    stack.append(x)
                elif isinstance(x, np.ndarray) and id(x) in self.trace.nondiff:
                    stack.append(self.trace.nondiff[id(x)])
        nodes.sort(key=lambda t: t._seq)
        return nodes

    def _arg(self, x):
        """The source text of a node argument: a variable, a literal or a named constant."""
        if isinstance(x, Tensor):
            return self.names[id(x)]
        if isinstance(x, np.ndarray) and id(x) in self.trace.nondiff:
            return self.names[id(self.trace.nondiff[id(x)])]
        t = type(x)
        if t is bool or x is None:
            return repr(x)
        if t is int:
            return repr(x) if x >= 0 else f"({x!r})"
        if t is float and math.isfinite(x):
            return repr(x) if math.copysign(1.0, x) > 0 else f"({x!r})"
        if t is tuple and all(type(v) is int for v in x):
            return repr(x)
        key = id(x)
        if key not in self.consts:
            self.consts[key] = name = f"c{len(self.consts)}"
            self.namespace[name] = x
            self.keep.append(x)
        return self.consts[key]

    def _op_name(self, op):
        key = id(op)
        if key not in self.consts:
            label = re.sub(r"\W", "_", op.name)
            self.consts[key] = name = f"P{len(self.consts)}_{label}"
            self.namespace[name] = op
            self.keep.append(op)
        return self.consts[key]

    # -- forward ------------------------------------------------------------------------------

    def forward(self):
        lines = []
        cse = {}
        for k, node in enumerate(self.nodes):
            op = node._op
            args = [self._arg(x) for x in node._args]
            key = (id(op), tuple(args))
            if key in cse:  # the same operation on the same values: computed once
                self.names[id(node)] = cse[key]
                self.merged += 1
                continue
            name = f"v{k}"
            self.names[id(node)] = cse[key] = name
            self.defining[name] = node
            template = _FORWARD.get(op) if type(op) is type else None
            if template is not None:
                expr = template.format(*args)
            elif isinstance(op, _NonDiff):  # a comparison, sign, ...: the NumPy function itself
                expr = f"{self._op_name(op)}.func({', '.join(args)})"
            else:
                expr = f"{self._op_name(op)}.forward({', '.join(args)})"
            lines.append(f"    {name} = {expr}")
        return lines

    # -- backward -----------------------------------------------------------------------------

    def backward(self, wants):
        """Lines computing the gradients of the inputs flagged in ``wants`` (a bool per input)."""
        leaves = self.inputs + self.captured
        relevant = {id(t) for t, w in zip(leaves, wants, strict=True) if w}
        differentiable = []
        for node in self.nodes:
            if isinstance(node._op, _NonDiff):
                continue
            if any(isinstance(x, Tensor) and id(x) in relevant for x in node._args):
                relevant.add(id(node))
                differentiable.append(node)
        lines = []
        grads = {}  # variable -> (gradient variable, whether it is a buffer this code owns)
        out_name = self.names[id(self.out)]
        if id(self.out) not in relevant:
            return lines, {}
        grads[out_name] = ("g", False)
        counter = 0
        for node in reversed(differentiable):
            name = self.names[id(node)]
            # A merged duplicate's gradient is propagated once, from the oldest of them: it
            # comes last, when the consumers of every duplicate have contributed.
            if self.defining[name] is not node or name not in grads:
                continue
            g = grads[name][0]
            op = node._op
            args = [self._arg(x) for x in node._args]
            needs = tuple(isinstance(x, Tensor) and id(x) in relevant for x in node._args)
            parts = self._vjp_parts(node, op, g, name, args, needs, lines, counter)
            counter += 1
            for i, x in enumerate(node._args):
                if not needs[i]:
                    continue
                target = self.names[id(x)]
                self._accumulate(lines, grads, target, parts[i], x)
        return lines, {n: grads[n][0] for n in grads}

    def _vjp_parts(self, node, op, g, name, args, needs, lines, k):
        """Per input: ("expr", text) or ("scatter", (g, index, shape)) for the needed ones."""
        rules = _VJP.get(op) if type(op) is type else None
        if rules is not None and all(rules[i] is not None for i in range(len(args)) if needs[i]):
            out_shape = node.data.shape
            parts = []
            for i, x in enumerate(node._args):
                if not needs[i]:
                    parts.append(None)
                    continue
                rule = rules[i]
                if op is ops.Power and type(node._args[1]) in (int, float):
                    b = node._args[1]  # the exponent minus one, folded (as eager computes it)
                    rule = (
                        "{g} * {1} * {0}"
                        if b - 1 == 1
                        else "{g} * {1} * {0} ** " + self._arg(b - 1)
                    )
                expr = rule.format(*args, g=g, out=name)
                if x.data.shape != out_shape:
                    expr = f"unbroadcast({expr}, {args[i]})"
                parts.append(("expr", expr))
            return parts
        if op is ops.Sum:  # g copied back over the summed axes, as Sum.vjp does
            shape = node._args[0].data.shape
            if not node._args[2]:  # keepdims=False: the summed axes are put back first
                axis = node._args[1]
                keep = (
                    (1,) * len(shape)
                    if axis is None
                    else tuple(1 if i in axis else n for i, n in enumerate(shape))
                )
                g = f"{g}.reshape({keep!r})"
            return [("expr", f"np.broadcast_to({g}, {shape!r})"), None, None]
        if op is ops.GetItem and _is_basic_int_index(node._args[1]):
            return [("scatter", (g, args[1], node._args[0].data.shape)), None]
        result = f"t{k}"
        lines.append(
            f"    {result} = {self._op_name(op)}.vjp({g}, {name}, {needs!r}, {', '.join(args)})"
        )
        return [("expr", f"{result}[{i}]") if need else None for i, need in enumerate(needs)]

    def _accumulate(self, lines, grads, target, part, x):
        kind, value = part
        current = grads.get(target)
        if kind == "scatter":
            g, index, shape = value
            if current is None:  # a buffer of zeros with g at index, as ScatterAdd makes it
                gname = f"g_{target}"
                lines.append(f"    {gname} = np.zeros({shape!r}, dtype={g}.dtype)")
                lines.append(f"    {gname}[{index}] = {g}")
                grads[target] = (gname, True)
            elif current[1]:  # add in place into the buffer this code owns
                lines.append(f"    {current[0]}[{index}] += {g}")
            else:
                add = f"{self._op_name(ops.ScatterAdd)}.forward({g}, {index}, {shape!r})"
                lines.append(f"    g_{target} = {current[0]} + {add}")
                grads[target] = (f"g_{target}", True)
            return
        if current is None:
            if re.fullmatch(r"\w+", value):  # a name: no copy needed
                grads[target] = (value, False)
                return
            gname = f"g_{target}"
            lines.append(f"    {gname} = {value}")
            grads[target] = (gname, False)
        else:  # a new array: owned
            lines.append(f"    g_{target} = {current[0]} + {value}")
            grads[target] = (f"g_{target}", True)


def _build(out, inputs, trace, wants_inputs, name):
    """The generated source and the forward and backward functions."""
    gen = _Codegen(out, inputs, trace)
    fwd_lines = gen.forward()
    captured = gen.captured
    wants = list(wants_inputs) + [t.requires_grad for t in captured]
    bwd_lines, grads = gen.backward(wants)
    leaves = [f"a{i}" for i in range(len(gen.inputs) + len(captured))]
    out_name = gen.names[id(out)]
    returned = [grads.get(a) if w else None for a, w in zip(leaves, wants, strict=True)]
    bwd_text = "\n".join(bwd_lines)
    # the forward's variables the backward reads, and nothing else, are kept
    used = set(re.findall(r"\b[va]\d+\b", bwd_text))
    defined = {gen.names[id(n)] for n in gen.nodes} | set(leaves)
    saved = sorted(used & defined, key=lambda s: (s[0], int(s[1:])))
    saved_text = "".join(f"{s}, " for s in saved)
    src = [f"def forward({', '.join(leaves)}):", *fwd_lines]
    src.append(f"    return {out_name}, ({saved_text})")
    src.append("")
    src.append("")
    src.append("def backward(g, out, needs, saved, *inputs):")
    src.append("    if isinstance(g, Tensor):  # create_graph=True: the eager graph of f")
    src.append("        return graph_vjp(g, needs, inputs)")
    if saved:
        src.append(f"    {saved_text}= saved")
    returns = f"    return (None, {''.join(f'{r}, ' for r in returned)})"
    namespace = dict(gen.namespace)
    if out.data.shape == () and out.data.dtype.kind == "f" and bwd_lines:
        # backward() seeds a one-element output with 1: a copy of the code for that seed, with
        # every scalar that follows from it computed now (multiplying by 1 is exact, and the
        # rest are the same NumPy operations on the same values)
        one = out.data.dtype.type(1)
        folded = _fold([*bwd_lines, returns], "g", one, namespace)
        namespace["ONE"] = one
        src.append("    if g.__class__ is ONE.__class__ and g == ONE:  # the seed of backward()")
        src.extend("    " + line for line in folded)
    src.extend(bwd_lines)
    src.append(returns)
    source = "\n".join(src) + "\n"
    code = builtins_compile(source, f"<tg.compile {name}>", "exec")
    exec(code, namespace)
    relevant = [i for i, r in enumerate(returned) if r is not None]
    return source, namespace, captured, wants, relevant, gen.merged


builtins_compile = compile  # the built-in, before this module's ``compile`` shadows it


class _Folder(ast.NodeTransformer):
    """Replaces every scalar subexpression of known values by a constant computed now."""

    def __init__(self, known, namespace):
        self.known = known  # variable -> its value
        self.namespace = namespace
        self.created = set()

    def value(self, node):
        if isinstance(node, ast.Name) and node.id in self.created:
            return True, self.namespace[node.id]
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return True, node.value
        return False, None

    def constant(self, value):
        name = f"K{sum(1 for k in self.namespace if k.startswith('K'))}"
        self.namespace[name] = value
        self.created.add(name)
        return ast.Name(id=name, ctx=ast.Load())

    def visit_Name(self, node):
        if node.id in self.known:  # rename: the variable itself may be assigned later
            return self.constant(self.known[node.id])
        return node

    def _fold(self, node, operands, compute):
        values = [self.value(x) for x in operands]
        if all(ok for ok, _ in values):
            result = compute(*[v for _, v in values])
            if isinstance(result, (np.generic, int, float)):  # never a (mutable) array
                return self.constant(result)
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        node.left, node.right = self.visit(node.left), self.visit(node.right)
        op = _BINOPS.get(type(node.op))
        if op is None:
            return node
        return self._fold(node, [node.left, node.right], op)

    def visit_UnaryOp(self, node):
        node.operand = self.visit(node.operand)
        if not isinstance(node.op, ast.USub):
            return node
        return self._fold(node, [node.operand], lambda a: -a)


_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b, ast.Pow: lambda a, b: a**b,
}  # fmt: skip


def _fold(lines, seed, value, namespace):
    """``lines`` (ending with the return) with ``seed`` known to be ``value``, and every scalar
    that follows from it computed now."""
    known = {seed: value}
    out = []
    for line in lines:
        tree = ast.parse(line.strip())
        stmt = tree.body[0]
        folder = _Folder(known, namespace)
        if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
            target = stmt.targets[0].id
            stmt.value = folder.visit(stmt.value)
            ok, result = folder.value(stmt.value)
            if ok:  # the whole right side is known: no line, a known value
                known[target] = result
                continue
            known.pop(target, None)
        else:
            tree = folder.visit(tree)
        out.append("    " + ast.unparse(tree))
    return out


# ---------------------------------------------------------------------------------------------
# the compiled function


class _Entry:
    """The compiled code for one signature."""

    __slots__ = ("op", "forward", "source", "captured", "guards", "wants", "relevant", "needs",
                 "layout", "merged")  # fmt: skip


def _graph_vjp(out, targets, g):
    """dout/dtargets · g with a graph (Tensors in, Tensors out): backward of the eager graph,
    stopping at ``targets``; used for ``create_graph=True``."""
    index = {id(t): i for i, t in enumerate(targets)}
    result = [None] * len(targets)
    pending = {id(out): g}
    if id(out) in index:
        result[index[id(out)]] = g
        return result
    heap = [(-out._seq, id(out), out)] if out._op is not None else []
    seen = {id(out)}
    while heap:
        node = heappop(heap)[2]
        gn = pending.pop(id(node))
        parts = node._op.vjp(gn, node, node._needs, *node._args)
        for i, x in node._parents:
            gx = parts[i]
            if gx is None:
                continue
            if id(x) in index:
                j = index[id(x)]
                result[j] = gx if result[j] is None else result[j] + gx
                continue
            if x._op is None:
                continue
            prev = pending.get(id(x))
            pending[id(x)] = gx if prev is None else prev + gx
            if id(x) not in seen:
                seen.add(id(x))
                heappush(heap, (-x._seq, id(x), x))
    return result


class CompiledFunction:
    """``f`` compiled: call it as f. See :func:`compile`."""

    def __init__(self, f, cache_size=8):
        if not callable(f):
            raise TypeError(f"compile: f must be callable, got {type(f).__name__}")
        if not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"compile: cache_size must be a positive int, got {cache_size!r}")
        self.f = f
        self.cache_size = cache_size
        self._cache = collections.OrderedDict()
        self._eager = None  # the reason f runs eagerly from now on, once it must
        self._last = None
        self._fast = None  # (entry, signature) of the last call, when its arguments are Tensors
        self.traces = 0  # how many times f was traced
        functools.update_wrapper(self, f, updated=())

    def __repr__(self):
        return f"<tg.compile of {getattr(self.f, '__qualname__', self.f)!r}>"

    @property
    def source(self):
        """The generated Python source of the signature called last (None before any call, or
        when f runs eagerly)."""
        return None if self._last is None else self._last.source

    def __call__(self, *args, **kwargs):
        if self._eager is not None or _mode.trace is not None:  # (inside a trace: inlined)
            return self.f(*args, **kwargs)
        fast = self._fast
        if fast is not None and not kwargs:
            # the common case: Tensor arguments only, with the signature of the last call
            entry, signature = fast
            if len(args) == 1:  # f(x): checked and run without loops
                (a,) = args
                shape, dtype, requires_grad = signature[0]
                if isinstance(a, Tensor):
                    d = a.data
                    if d.dtype is dtype and a.requires_grad is requires_grad and d.shape == shape:
                        out, saved = entry.forward(d)
                        if requires_grad and _mode.enabled and entry.relevant:
                            return _node(
                                out,
                                entry.op,
                                (saved, a),
                                (saved, d),
                                entry.needs,
                                ((1, a),),
                                (None, a._version),
                            )
                        return wrap(out)
            elif len(args) == len(signature):
                for a, (shape, dtype, requires_grad) in zip(args, signature, strict=True):
                    if not isinstance(a, Tensor):
                        break
                    d = a.data
                    if (
                        d.dtype is not dtype
                        or a.requires_grad is not requires_grad
                        or d.shape != shape
                    ):
                        break
                else:
                    vals = [a.data for a in args]
                    out, saved = entry.forward(*vals)
                    if _mode.enabled and entry.relevant:
                        parents = tuple([(i + 1, args[i]) for i in entry.relevant])
                        return _node(
                            out,
                            entry.op,
                            (saved, *args),
                            (saved, *vals),
                            entry.needs,
                            parents,
                            (None, *_versions(args)),
                        )
                    return wrap(out)
        dynamic = []
        try:
            key = (
                tuple([_describe(a, dynamic) for a in args]),
                tuple([(k, _describe(v, dynamic)) for k, v in kwargs.items()]) if kwargs else (),
            )
        except _Unsupported as exc:
            return self._give_up(
                f"an argument of type {exc} (supported: Tensors, NumPy "
                "arrays, numbers, and tuples, lists and dicts of them)",
                args,
                kwargs,
            )
        entry = self._cache.get(key)
        if entry is not None:
            for t, guard in zip(entry.captured, entry.guards, strict=True):
                d = t.data
                if (d.shape, d.dtype, t.requires_grad) != guard:
                    entry = None
                    break
        if entry is None:
            entry, result = self._trace(args, kwargs, key, dynamic)
            if entry is None:  # f cannot be compiled: it ran eagerly
                return result
        else:
            self._cache.move_to_end(key)
        self._last = entry
        self._fast = None
        if not kwargs and not entry.captured and all(isinstance(a, Tensor) for a in args):
            if len(dynamic) == len(args):  # (no boolean Tensors, which are keyed by value)
                self._fast = (
                    entry,
                    tuple((a.data.shape, a.data.dtype, a.requires_grad) for a in args),
                )
        return self._run(entry, dynamic)

    def _run(self, entry, dynamic):
        leaves = dynamic + entry.captured if entry.captured else dynamic
        vals = [t.data if isinstance(t, Tensor) else t for t in leaves]
        out, saved = entry.forward(*vals)
        if _mode.enabled:
            parents = tuple([(i + 1, leaves[i]) for i in entry.relevant])
            if parents:
                return _node(
                    out,
                    entry.op,
                    (saved, *leaves),
                    (saved, *vals),
                    entry.needs,
                    parents,
                    (None, *_versions(leaves)),
                )
        return wrap(out)

    def _give_up(self, reason, args, kwargs, stacklevel=3, result=None):
        self._eager = reason
        self._cache.clear()
        self._last = self._fast = None
        warnings.warn(
            f"tg.compile: {getattr(self.f, '__qualname__', 'f')} runs eagerly from now on: {reason}",
            CompileWarning,
            stacklevel=stacklevel,  # the line that called the compiled function
        )
        return result if args is None else self.f(*args, **kwargs)

    def _trace(self, args, kwargs, key, dynamic):
        self.traces += 1
        inputs = []
        for x in dynamic:
            inputs.append(wrap(x.data if isinstance(x, Tensor) else x, requires_grad=True))
        it = iter(inputs)
        targs = _rebuild(list(args), it)
        tkwargs = _rebuild(dict(kwargs), it)
        trace = _Trace()
        previous = _mode.trace
        _mode.trace = trace
        _watch_data(True)
        escaped = failure = None
        try:
            with enable_grad():
                out = self.f(*targs, **tkwargs)
        except _Escape:
            escaped = trace.escaped
        except Exception as exc:  # f may fail on tracing Tensors only: eager decides
            failure = exc
        finally:
            _mode.trace = previous
            _watch_data(False)
        if escaped is not None:
            what, where = escaped
            reason = (
                f"its Python code reads the value of a traced Tensor ({what} at {where}), "
                "so its operations depend on the values; pass such values as arguments, or "
                "use tg.where for value-dependent choices"
            )
            return None, self._give_up(reason, args, kwargs, stacklevel=4)
        if failure is not None:
            # an error of f itself is raised by the eager call, as it would be without compile
            result = self.f(*args, **kwargs)
            reason = f"tracing failed ({type(failure).__name__}: {failure})"
            return None, self._give_up(reason, None, None, stacklevel=4, result=result)
        if not isinstance(out, Tensor):
            reason = f"it returned {type(out).__name__}, not a single Tensor"
            return None, self._give_up(reason, args, kwargs, stacklevel=4)
        wants = [isinstance(x, Tensor) and x.requires_grad for x in dynamic]
        name = getattr(self.f, "__qualname__", "f")
        source, namespace, captured, wants, relevant, merged = _build(
            out, inputs, trace, wants, name
        )
        forward = namespace["forward"]
        entry = _Entry()
        entry.source = source
        entry.forward = forward
        entry.captured = captured
        entry.guards = [(t.data.shape, t.data.dtype, t.requires_grad) for t in captured]
        entry.wants = wants
        entry.relevant = relevant
        entry.merged = merged
        entry.needs = (False, *wants)
        # the arguments' structure and constants, without the dynamic values (not kept alive)
        slots = itertools.repeat(_SLOT)
        entry.layout = (_rebuild(list(args), slots), _rebuild(dict(kwargs), slots))
        entry.op = self._primitive(name, namespace, entry)
        self._cache[key] = entry
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return entry, None

    def _primitive(self, name, namespace, entry):
        f = self.f
        template_args, template_kwargs = entry.layout
        n_dynamic = len(entry.wants) - len(entry.captured)

        def graph_vjp(g, needs, inputs):
            """The vjp with a graph: f runs eagerly on the node's inputs and is differentiated."""
            it = iter(inputs[:n_dynamic])
            a = _rebuild(list(template_args), it)
            k = _rebuild(dict(template_kwargs), it)
            with enable_grad():
                eager_out = f(*a, **k)
                grads = _graph_vjp(eager_out, inputs, g)
            for i, (gr, x) in enumerate(zip(grads, inputs, strict=True)):
                if gr is None and needs[i + 1]:  # f does not depend on it: a zero gradient
                    grads[i] = wrap(np.zeros_like(x.data))
            return (
                None,
                *[gr if need else None for gr, need in zip(grads, needs[1:], strict=True)],
            )

        namespace["graph_vjp"] = graph_vjp
        vjp = namespace["backward"]
        return type(f"compiled_{name}", (ops.Primitive,), {
            "name": f"compiled {name}",
            "forward": staticmethod(lambda saved, *vals: entry.forward(*vals)[0]),
            "vjp": staticmethod(vjp),
        })  # fmt: skip


def compile(f=None, *, cache_size=8):
    """Compile ``f`` (a function of Tensors returning one Tensor) into one fused primitive.

    ``tg.compile(f)`` returns a function called like ``f``. On the first call for a signature —
    the shapes and dtypes of the Tensor and float-array arguments, which of them require grad,
    and the values of all other arguments (numbers, integer arrays, ...) — it runs ``f`` once on
    tracing Tensors, then generates straight-line NumPy code for the forward pass and for the
    vector-Jacobian product. Later calls with that signature run the generated code and record
    one graph node, so ``loss = fc(p); loss.backward()``, optimizers, ``tg.grad(fc)`` and
    ``tg.value_and_grad(fc)`` work as with ``f``, only faster on small problems. Values and
    gradients equal eager ``f``'s. ``backward(create_graph=True)`` (second derivatives, Hessians)
    goes through the eager graph of ``f``.

    Parameters
    ----------
    f : callable
        The function; also usable as a decorator (``@tg.compile`` or
        ``@tg.compile(cache_size=4)``).
    cache_size : int
        The most signatures kept (least recently used dropped first).

    Returns
    -------
    CompiledFunction
        Call it as ``f``; ``.source`` shows the generated code of the last signature used,
        ``.traces`` counts traces.

    Notes
    -----
    Tracing records operations on Tensors, nothing else. Therefore:

    * If ``f``'s Python code reads a traced value — ``if x > 0:``, ``bool``, ``float``, ``int``,
      ``.item()``, ``.numpy()``, ``.data``, ``np.asarray(x)``, ``no_grad`` or ``backward``
      inside ``f`` — the code would depend on the values, so the trace is abandoned: ``f`` runs
      eagerly from then on, with one :class:`CompileWarning` naming the line. Use ``tg.where``
      for value-dependent choices; it is traced.
    * Values ``f`` computes without Tensors are frozen at trace time: random numbers, a global
      variable, an array made inside ``f``. Pass them as arguments instead, e.g.::

          @tg.compile
          def loss(w, noise):              # not: noise = rng.normal(size=3) inside
              return ((w + noise) ** 2).sum()

          loss(w, rng.normal(size=3))      # a float array argument: a new value each call

      Integer and boolean arrays (indices, labels, masks), numbers, strings and functions are
      constants of the code: a new value traces again (cached, at most ``cache_size``
      signatures). Other argument types make ``f`` run eagerly, with a warning.
    * Tensors ``f`` reaches through its closure (a model's parameters) are read at every call
      and receive gradients, as in eager mode.
    """
    if f is None:
        return functools.partial(CompiledFunction, cache_size=cache_size)
    return CompiledFunction(f, cache_size=cache_size)
