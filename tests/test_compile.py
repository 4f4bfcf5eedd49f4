"""tg.compile: compiled functions give eager f's values and gradients, and never a wrong one.

Equality is to the last bit (``np.array_equal``) where the compiled code runs the eager
operations in the eager order; where common subexpressions were merged the gradients are
summed in another order, and agree to 1e-15 relative.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

import tinygrad_opt as tg
from tests.post_code import fx, gfx
from tests.test_primitives import CASES
from tinygrad_opt import ops, optim
from tinygrad_opt.compile import CompileWarning
from tinygrad_opt.tensor import Tensor, apply

SEEDS = st.integers(0, 2**32 - 1)


def _value_and_grads(f, arrays, wants=None):
    """f's value and the gradients of its Tensor arguments, on fresh leaves."""
    wants = [True] * len(arrays) if wants is None else wants
    leaves = [Tensor(a, requires_grad=w) for a, w in zip(arrays, wants, strict=True)]
    out = f(*leaves)
    if out.requires_grad:
        out.backward()
    return out.numpy().copy(), [None if t.grad is None else t.grad.numpy().copy() for t in leaves]


def _assert_same(f, arrays, wants=None, exact=None):
    """Compiled and eager f agree; exactly unless the compiled code merged operations."""
    fc = tg.compile(f)
    for _ in range(2):  # the trace, then a cached call
        value, grads = _value_and_grads(fc, arrays, wants)
    eager_value, eager_grads = _value_and_grads(f, arrays, wants)
    if exact is None:
        exact = fc._last.merged == 0
    check = np.testing.assert_array_equal if exact else _close
    check(value, eager_value)
    for g, e in zip(grads, eager_grads, strict=True):
        assert (g is None) == (e is None)
        if g is not None:
            assert g.shape == e.shape and g.dtype == e.dtype
            check(g, e)
    return fc


def _close(a, b):
    scale = max(1.0, float(np.max(np.abs(b), initial=0)))
    np.testing.assert_allclose(a, b, rtol=1e-15, atol=1e-15 * scale)


# ---------------------------------------------------------------------------------------------
# the built-in functions, the post, the docs' examples


@pytest.mark.parametrize("name", list(tg.functions.ALL))
def test_every_builtin_function_compiles_exactly(name):
    f = tg.functions.ALL[name]
    rng = np.random.default_rng(0)
    (lo0, hi0), (lo1, hi1) = f.domain
    for _ in range(3):
        x = np.array([rng.uniform(lo0, hi0), rng.uniform(lo1, hi1)])
        fc = _assert_same(f, [x])
        assert fc.traces == 1
    batch = np.stack([rng.uniform(lo0, hi0, 5), rng.uniform(lo1, hi1, 5)])  # many points at once
    _assert_same(lambda X: f(X).sum(), [batch])


def test_the_post_gradient_equals_its_hand_written_gfx():
    fc = tg.compile(fx)
    x = np.array([0.7, -2.5])
    np.testing.assert_allclose(tg.grad(fc)(x), gfx(x), rtol=1e-14)
    np.testing.assert_array_equal(tg.grad(fc)(x), tg.grad(fx)(x))
    assert "def forward" in fc.source and "def backward" in fc.source


def _mlp_example():
    rng = np.random.default_rng(1)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4, rng=rng), tg.nn.Tanh(), tg.nn.Linear(4, 2, rng=rng))
    x = rng.normal(size=(5, 3))
    labels = rng.integers(0, 2, size=5)
    return model, x, labels


def test_a_model_in_the_closure_gets_its_gradients():
    """The tutorial's pattern: a loss of a model's parameters, reached through the closure."""
    model, x, labels = _mlp_example()

    def loss(inputs, labels):
        return tg.nn.cross_entropy(model(inputs), labels)

    grads = {}
    for name, f in (("eager", loss), ("compiled", tg.compile(loss))):
        for p in model.parameters():
            p.grad = None
        value = f(Tensor(x), labels)
        value.backward()
        grads[name] = (value.numpy(), [p.grad.numpy().copy() for p in model.parameters()])
    np.testing.assert_array_equal(grads["compiled"][0], grads["eager"][0])
    for a, b in zip(grads["compiled"][1], grads["eager"][1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_model_trains_the_same_compiled():
    runs = []
    for compiled in (False, True):
        model, x, labels = _mlp_example()
        opt = optim.Adam(model.parameters(), lr=0.05)

        def loss(inputs, model=model, labels=labels):
            return tg.nn.cross_entropy(model(inputs), labels)

        f = tg.compile(loss) if compiled else loss
        for _ in range(20):
            opt.zero_grad()
            f(Tensor(x)).backward()
            opt.step()
        runs.append([p.numpy().copy() for p in model.parameters()])
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a, b)


def test_softmax_logsumexp_where_and_comparisons_follow_new_values():
    def f(x):
        s = tg.softmax(x * 3) * tg.log_softmax(x)
        return (tg.where(x > 0, s, x * x) + tg.logsumexp(x) + tg.relu(x) * (x < 0.5)).sum()

    fc = tg.compile(f)
    rng = np.random.default_rng(2)
    for scale in (1.0, 30.0, 800.0):  # comparisons flip; logsumexp's shift must follow
        x = rng.normal(size=4) * scale
        a, ga = _value_and_grads(fc, [x])
        b, gb = _value_and_grads(f, [x])
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ga[0], gb[0])
    assert fc.traces == 1


def test_detach_stays_live():
    def f(x):
        return (x * x.detach()).sum() + (x - x.detach().mean()).sum()

    fc = _assert_same(f, [np.array([1.0, -2.0, 3.0])])
    _assert_same(f, [np.array([4.0, 5.0, -6.0])])
    assert fc.traces == 1


# ---------------------------------------------------------------------------------------------
# every primitive, and random expression graphs


@pytest.mark.parametrize("op", ops.PRIMITIVES, ids=lambda op: op.name)
@settings(max_examples=15)
@given(data=st.data(), seed=SEEDS)
def test_every_primitive_compiled_equals_eager(op, data, seed):
    """Each primitive of the table, inside Σ w · op(args): values and gradients to the bit."""
    rng = np.random.default_rng(seed)
    args, diff = CASES[op](data.draw, rng)
    weights = rng.normal(size=np.shape(op.forward(*args)))
    wants = [data.draw(st.booleans()) for _ in diff]
    if not any(wants):
        wants[0] = True

    def f(*xs):
        a = list(args)
        for i, x in zip(diff, xs, strict=True):
            a[i] = x
        return (apply(op, *a) * weights).sum()

    _assert_same(f, [args[i] for i in diff], wants, exact=True)


# A random program: each step applies a primitive to values drawn from the pool (inputs of
# mutually broadcastable shapes and earlier results), through a "safe" wrapper that keeps
# arguments in the primitive's domain. Operations may repeat (common subexpressions).
_UNARY = [
    lambda a: -a, lambda a: tg.exp(tg.tanh(a)), lambda a: tg.log(a * a + 1), tg.sin, tg.cos,
    tg.tanh, tg.sigmoid, tg.softplus, lambda a: tg.sqrt(a * a + 0.5), lambda a: tg.log1p(a * a),
    lambda a: tg.expm1(tg.tanh(a)), lambda a: tg.tan(tg.tanh(a)), abs, tg.relu,
    lambda a: a.clip(-0.5, 0.7), lambda a: a.sum(axis=-1, keepdims=True) if a.ndim else a,
    lambda a: a.max(axis=0, keepdims=True) if a.ndim else a, lambda a: a.mean(),
    lambda a: a.T, lambda a: a[0] if a.ndim else a, lambda a: a * 2.5, lambda a: 1 - a,
    lambda a: a.detach() * a, lambda a: a.reshape(-1), lambda a: a[np.array([0, 0, -1])] if a.ndim else a,
    lambda a: a @ a.T if a.ndim == 2 else a, lambda a: np.broadcast_to(a, (2, *a.shape)),
    lambda a: a.astype(np.float32).astype(np.float64), lambda a: tg.logsumexp(a),
]  # fmt: skip
_BINARY = [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
    lambda a, b: a / (b * b + 1), lambda a, b: tg.maximum(a, b), lambda a, b: tg.minimum(a, b),
    lambda a, b: (tg.sigmoid(a) + 0.5) ** b, lambda a, b: tg.where(a > b, a, b * 0.5),
    lambda a, b: a ** 2 + b ** 3, lambda a, b: tg.concatenate([a.reshape(-1), b.reshape(-1)]),
    lambda a, b: tg.stack([a, b]),
]  # fmt: skip


@st.composite
def _programs(draw):
    shapes = draw(mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=2, max_side=3))
    steps = []
    for k in range(draw(st.integers(1, 10))):
        pool = 3 + k
        if draw(st.booleans()):
            steps.append(
                ("u", draw(st.integers(0, len(_UNARY) - 1)), draw(st.integers(0, pool - 1)))
            )
        else:
            steps.append(
                (
                    "b",
                    draw(st.integers(0, len(_BINARY) - 1)),
                    draw(st.integers(0, pool - 1)),
                    draw(st.integers(0, pool - 1)),
                )
            )
    return shapes.input_shapes, steps


def _run_program(steps, inputs):
    pool = list(inputs)
    for step in steps:
        try:
            if step[0] == "u":
                pool.append(_UNARY[step[1]](pool[step[2]]))
            else:
                pool.append(_BINARY[step[1]](pool[step[2]], pool[step[3]]))
        except ValueError:  # shapes that do not broadcast after a reduction: skip the step
            pool.append(pool[-1])
    total = pool[0].sum() * 0.0
    for i, v in enumerate(pool[3:] or pool):
        total = total + (v * (i + 1)).sum()
    return total


@given(program=_programs(), seed=SEEDS, wants=st.lists(st.booleans(), min_size=3, max_size=3))
def test_random_expression_graphs_compiled_equal_eager(program, seed, wants):
    shapes, steps = program
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s) for s in shapes]

    def f(a, b, c):
        return _run_program(steps, [a, b, c])

    fc = _assert_same(f, arrays, wants)
    other = [rng.normal(size=s) for s in shapes]  # new values, same code
    value, grads = _value_and_grads(fc, other, wants)
    eager_value, eager_grads = _value_and_grads(f, other, wants)
    _close(value, eager_value)
    for g, e in zip(grads, eager_grads, strict=True):
        if e is not None:
            _close(g, e)
    assert fc.traces == 1


# ---------------------------------------------------------------------------------------------
# signatures and the cache


def test_new_signatures_trace_again_and_the_cache_is_bounded():
    fc = tg.compile(lambda x, k: (x * k).sum(), cache_size=3)
    for n in range(1, 6):  # new shapes
        assert fc(Tensor(np.ones(n)), 2.0).item() == 2.0 * n
    assert fc.traces == 5 and len(fc._cache) == 3
    fc(Tensor(np.ones(5)), 2.0)  # still cached
    assert fc.traces == 5
    assert fc(Tensor(np.ones(5)), 3.0).item() == 15.0  # a number is a constant of the code
    assert fc(Tensor(np.ones(5), requires_grad=True), 3.0).requires_grad  # requires_grad too
    assert fc(Tensor(np.ones(5, dtype=np.float32)), 3.0).dtype == np.float32
    assert fc.traces == 8 and len(fc._cache) == 3


def test_signed_zero_and_integer_arrays_are_part_of_the_signature():
    fc = tg.compile(lambda x, c, idx: (x * c)[idx])
    x = Tensor([1.0, 2.0, 3.0])
    assert math.copysign(1, fc(x, 0.0, 0).item()) == 1
    assert math.copysign(1, fc(x, -0.0, 0).item()) == -1
    assert fc(x, 1.0, np.array([0, 2])).numpy().tolist() == [1.0, 3.0]
    assert fc(x, 1.0, np.array([1, 2])).numpy().tolist() == [2.0, 3.0]


def test_array_arguments_are_inputs_not_constants():
    """Randomness is passed in as an argument: each call sees its own values."""
    fc = tg.compile(lambda w, noise: ((w + noise) ** 2).sum())
    w = tg.Parameter([1.0, 2.0])
    rng = np.random.default_rng(0)
    for _ in range(3):
        noise = rng.normal(size=2)
        w.grad = None
        out = fc(w, noise)
        out.backward()
        np.testing.assert_array_equal(out.numpy(), ((w.data + noise) ** 2).sum())
        np.testing.assert_array_equal(w.grad.numpy(), 2 * (w.data + noise))
    assert fc.traces == 1


def test_only_the_gradients_asked_for():
    fc = tg.compile(lambda a, b: (a * b).sum())
    a, b = tg.Parameter([1.0, 2.0]), Tensor([3.0, 4.0])
    fc(a, b).backward()
    assert b.grad is None and a.grad.numpy().tolist() == [3.0, 4.0]
    assert "g_a1" not in fc.source  # b's gradient is never computed
    unused = tg.Parameter([1.0])
    tg.compile(lambda a, u: (a * 2).sum())(a, unused).backward()
    assert unused.grad is None  # as in eager mode: not reached, no gradient


# ---------------------------------------------------------------------------------------------
# soundness: Python reading traced values


def _warns_once(fc, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = fc(*args)
        second = fc(*args)
    messages = [str(w.message) for w in caught if issubclass(w.category, CompileWarning)]
    assert len(messages) == 1, messages
    return first, second, messages[0]


def test_control_flow_on_a_traced_value_falls_back_to_eager_with_one_warning():
    def f(x):
        if x.sum() > 0:  # this line is named in the warning
            return (x * 2).sum()
        return (x * -3).sum()

    fc = tg.compile(f)
    line = f.__code__.co_firstlineno + 1
    first, second, message = _warns_once(fc, Tensor([1.0, 2.0]))
    assert f"test_compile.py:{line}" in message and "bool()" in message
    assert first.item() == 6.0 and second.item() == 6.0
    assert fc(Tensor([-1.0, -2.0])).item() == 9.0  # eager from now on: both branches right
    assert fc.source is None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tg.compile(f)(Tensor([1.0, 2.0]))
    assert caught[0].filename == __file__  # the warning points at the call


@pytest.mark.parametrize(
    "read",
    [
        lambda x: x * float(x[0]),
        lambda x: x * x.item(),
        lambda x: x * int(x[0]),
        lambda x: x * x.numpy()[0],
        lambda x: x * x.data[0],
        lambda x: x * np.asarray(x.detach())[0],
        lambda x: x * tg.Tensor(x),
        lambda x: x[x.argmax()],
        lambda x: x[x > 2],
    ],
    ids=["float", "item", "int", "numpy", "data", "asarray", "Tensor", "argmax", "mask"],
)
def test_every_way_of_reading_a_traced_value_is_caught(read):
    def f(x):
        return read(x).sum()

    fc = tg.compile(f)
    x = Tensor([1.5])
    first, _second, message = _warns_once(fc, x)
    assert "test_compile.py" in message
    assert first.item() == f(x).item()
    assert fc(Tensor([2.5])).item() == f(Tensor([2.5])).item()


def test_no_grad_and_backward_inside_f_fall_back():
    def inner_no_grad(x):
        with tg.no_grad():
            c = x * 2
        return (x * c).sum()

    def inner_backward(x):
        y = (x * x).sum()
        y.backward()
        return y

    _warns_once(tg.compile(inner_no_grad), Tensor([1.0, 2.0]))
    _warns_once(tg.compile(inner_backward), Tensor([1.0, 2.0], requires_grad=True))


def test_unsupported_arguments_and_outputs_fall_back():
    class Box:
        scale = 2.0

    first, _, message = _warns_once(
        tg.compile(lambda x, box: (x * box.scale).sum()), Tensor([1.0]), Box()
    )
    assert "Box" in message and first.item() == 2.0
    first, _, message = _warns_once(tg.compile(lambda x: (x.sum(), x.mean())), Tensor([1.0, 3.0]))
    assert "tuple" in message and first[1].item() == 2.0


def test_an_error_in_f_is_raised_as_eager_raises_it():
    fc = tg.compile(lambda x: x + np.ones(3))
    with pytest.raises(ValueError, match="shapes"), warnings.catch_warnings():
        warnings.simplefilter(
            "error", CompileWarning
        )  # and no warning: f is wrong, not untraceable
        fc(Tensor([1.0, 2.0]))
    assert fc(Tensor([1.0, 2.0, 3.0])).numpy().tolist() == [2.0, 3.0, 4.0]  # still compiled
    assert fc.source is not None


def test_a_function_that_only_fails_on_tracing_tensors_runs_eagerly():
    def f(x):
        return np.linalg.eigvals(x)  # no rule: fine on arrays, an error on a Tensor with grad

    first, _, message = _warns_once(tg.compile(f), np.array([[1.0, 0.0], [0.0, 2.0]]))
    assert "tracing failed" in message
    np.testing.assert_array_equal(first, [1.0, 2.0])


# ---------------------------------------------------------------------------------------------
# the compiled function among the rest of the library


def test_grad_value_and_grad_and_hessian_of_a_compiled_function():
    fc = tg.compile(fx)
    x = np.array([0.3, -1.2])
    np.testing.assert_array_equal(tg.grad(fc)(x), tg.grad(fx)(x))
    value, g = tg.value_and_grad(fc)(x)
    assert value == tg.value_and_grad(fx)(x)[0]
    np.testing.assert_array_equal(g, tg.grad(fx)(x))
    np.testing.assert_allclose(tg.hessian(fc)(x), tg.hessian(fx)(x), rtol=1e-15)  # eager graph
    np.testing.assert_allclose(
        tg.hessian(fc)(x), [[math.exp(0.06) / 25 + 10, -2], [-2, 6]], rtol=1e-12
    )


@pytest.mark.parametrize("method", ["sgd", "adagrad", "rmsprop", "adam", "adamw"])
def test_minimize_with_compile_follows_the_same_path(method):
    for f in (tg.functions.post, tg.functions.rosenbrock, tg.functions.ackley):
        x0 = np.array([0.5, -0.4])
        eager = tg.minimize(f, x0, method=method, max_iter=60, lr=0.01)
        compiled = tg.minimize(f, x0, method=method, max_iter=60, lr=0.01, compile=True)
        np.testing.assert_array_equal(compiled.path, eager.path)
        np.testing.assert_array_equal(compiled.values, eager.values)
        assert compiled.nit == eager.nit and compiled.message == eager.message


def test_optimizers_on_a_compiled_loss_match_the_post():
    fc = tg.compile(fx)
    _x, t, log = tg.classic.adam(tg.grad(fc), np.array([0.0, 0.0]))
    _x_e, t_e, log_e = tg.classic.adam(tg.grad(fx), np.array([0.0, 0.0]))
    np.testing.assert_array_equal(log, log_e)
    assert t == t_e


def test_no_graph_under_no_grad_and_a_decorator_form():
    @tg.compile(cache_size=2)
    def f(x):
        return (x * x).sum()

    p = tg.Parameter([1.0, 2.0])
    with tg.no_grad():
        assert not f(p).requires_grad
    out = f(p)
    assert out.requires_grad and out.grad_fn.startswith("compiled")
    assert f.__name__ == "f" and f.cache_size == 2


def test_a_compiled_function_inside_another_is_inlined():
    inner = tg.compile(lambda x: (x * x).sum())
    inner(Tensor([1.0, 2.0]))  # traced on its own first
    outer = _assert_same(lambda x: inner(x) * inner(x * 2), [np.array([1.0, 2.0])])
    assert "compiled" not in outer.source


def test_boolean_tensors_and_integer_labels_are_constants_keyed_by_value():
    fc = tg.compile(lambda x, mask: tg.where(mask, x, -x).sum())
    x = Tensor([1.0, 2.0, 3.0])
    for mask in ([True, False, True], [False, False, True], [True, False, True]):
        assert (
            fc(x, Tensor(np.array(mask))).item()
            == tg.where(Tensor(np.array(mask)), x, -x).sum().item()
        )
    assert fc.traces == 2
    model, inputs, labels = _mlp_example()
    fc = tg.compile(lambda inputs, labels: tg.nn.cross_entropy(model(inputs), labels))
    for lab in (labels, 1 - labels, labels):
        eager = tg.nn.cross_entropy(model(Tensor(inputs)), lab)
        np.testing.assert_array_equal(fc(Tensor(inputs), lab).numpy(), eager.numpy())
    assert fc.traces == 2


@pytest.mark.parametrize("name", ["post", "goldstein_price"])
def test_a_gradient_other_than_the_seed_one_takes_the_general_code(name):
    f = tg.functions.ALL[name]
    fc = tg.compile(f)
    x = np.array([0.3, -0.7])
    for scale in (1.0, 3.0, -0.5):
        got, _ = _value_and_grads(lambda t: fc(t) * scale, [x])  # noqa: B023
        want, _ = _value_and_grads(lambda t: f(t) * scale, [x])  # noqa: B023
        np.testing.assert_array_equal(got, want)
        a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
        (fc(a) * scale).backward()
        (f(b) * scale).backward()
        _close(a.grad.numpy(), b.grad.numpy())


def test_the_tutorials_functions_compile_exactly(capsys):
    """fx and fx_tensor as the tutorial defines them (its first two code blocks)."""
    from tests.test_docs import DOCS, _python_blocks

    namespace = {"__name__": "tutorial"}
    for block in _python_blocks(DOCS / "tutorial.md")[:2]:
        exec(block, namespace)  # the documentation's own code
    capsys.readouterr()
    for name in ("fx", "fx_tensor"):
        for x in ([0.0, 0.0], [1.5, -2.0]):
            _assert_same(namespace[name], [np.array(x)])


def test_the_cache_does_not_keep_the_arguments_alive():
    import gc
    import weakref

    fc = tg.compile(lambda x: (x * x).sum())
    x = Tensor(np.ones(1000), requires_grad=True)
    fc(x).backward()
    ref = weakref.ref(x)
    del x
    gc.collect()
    assert ref() is None


def test_function_arguments_are_part_of_the_signature():
    fc = tg.compile(lambda x, act: act(x).sum())
    x = Tensor([0.5, -1.0])
    assert fc(x, tg.tanh).item() == tg.tanh(x).sum().item()
    assert fc(x, np.exp).item() == np.exp(x).sum().item()
    assert fc(x, tg.tanh).item() == tg.tanh(x).sum().item()
    assert fc.traces == 2
