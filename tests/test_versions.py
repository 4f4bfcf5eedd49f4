"""Version counters, as PyTorch's: an in-place change to a value a recorded graph saved makes the
backward through it raise, naming the operation and the shape, instead of using the new value."""

import numpy as np
import pytest

import tinygrad_opt as tg

MODIFIED = r"{op} saved is at version {now}, expected {then}"


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.__iadd__(1.0),
        lambda t: t.__isub__(1.0),
        lambda t: t.__imul__(2.0),
        lambda t: t.__itruediv__(2.0),
        lambda t: t.__setitem__(0, 5.0),
        lambda t: t._bump_version(),  # what an optimizer step calls after writing p.data
    ],
    ids=["+=", "-=", "*=", "/=", "setitem", "bump"],
)
def test_every_in_place_change_bumps_the_version_and_backward_refuses(change):
    x = tg.Parameter([1.0, 2.0, 3.0])
    y = (x * x).sum()
    assert x._version == 0
    with tg.no_grad():
        change(x)
    assert x._version == 1
    message = MODIFIED.format(op="multiply", now=1, then=0)
    with pytest.raises(RuntimeError, match=r"the tensor of shape \(3,\) that " + message):
        y.backward()


def test_a_constant_operand_changed_in_place_is_caught():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    c = tg.Tensor([3.0, 4.0])  # no grad: it may change in place, but its old value was saved
    y = (x * c).sum()
    c += 1
    prefix = "one of the variables needed for gradient computation has been modified by an inplace "
    with pytest.raises(
        RuntimeError, match=prefix + "operation: .*" + MODIFIED.format(op="multiply", now=1, then=0)
    ):
        y.backward()
    assert x.grad is None


def test_a_result_changed_in_place_is_caught_when_its_rule_reads_it():
    x = tg.Tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # exp's gradient rule reuses its output
    with tg.no_grad():
        y *= 2
    with pytest.raises(
        RuntimeError, match=r"tensor of shape \(2,\) that exp saved is at version 1"
    ):
        y.sum().backward()


def test_create_graph_backward_checks_versions_too():
    x = tg.Parameter([1.0, 2.0])
    y = (x**3).sum()
    with tg.no_grad():
        x -= 0.5
    with pytest.raises(RuntimeError, match="power saved"):
        tg.autograd.grad(y, x, create_graph=True)


def test_rules_that_read_only_shapes_do_not_refuse():
    x = tg.Parameter([1.0, 2.0])
    y = (x + 1).reshape(2, 1).sum()
    with tg.no_grad():
        x *= 3
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_steps_on_leaves_whose_graph_was_freed_stay_free():
    # the training loop: forward, backward (frees the graph), in-place step, again
    w = tg.Parameter([1.0, -1.0])
    for step in range(3):
        w.grad = None
        loss = (w * w * w).sum()
        loss.backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
        assert w._version == step + 1
    np.testing.assert_allclose(w.grad.data, 3 * (w.data + 0.1 * w.grad.data) ** 2)


def test_a_retained_graph_refuses_after_the_step():
    w = tg.Parameter([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    with tg.no_grad():
        w.data -= 0.1 * w.grad.data
        w._bump_version()
    with pytest.raises(RuntimeError, match="version 1, expected 0"):
        loss.backward()


@pytest.mark.parametrize("name", ["sgd", "adam", "lbfgs", "newton"])
def test_an_optimizer_step_makes_a_retained_graph_refuse(name):
    from tinygrad_opt import optim

    w = tg.Parameter([1.0, 2.0])
    opt = optim.get(name)([w], lr=0.1)
    loss = (w * w * w).sum()
    if name in ("lbfgs", "newton"):

        def closure():
            opt.zero_grad()
            value = (w * w * w).sum()
            if name == "lbfgs":
                value.backward()
            return value

        opt.step(closure)
    else:
        loss.backward(retain_graph=True)
        opt.step()
    assert w._version >= 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_a_compiled_function_refuses_after_its_input_changed():
    fc = tg.compile(lambda x: (x * x * x).sum())
    x = tg.Parameter([1.0, 2.0])
    for _ in range(2):  # the first call traces, the second takes the cached path
        y = fc(x)
        with tg.no_grad():
            x += 1.0
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()
