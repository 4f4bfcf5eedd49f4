"""The backward engine: accumulation, shared nodes, deep graphs, freeing, create_graph, grad mode."""

import gc
import threading
import weakref

import numpy as np
import pytest

import tinygrad_opt as tg


def test_gradients_accumulate_across_backward_calls():
    p = tg.Parameter([1.0, 2.0])
    (p * p).sum().backward()
    (p * 3).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), 2 * np.array([1.0, 2.0]) + 3)


def test_a_node_used_several_times():
    p = tg.Parameter(1.5)
    a = p * 2
    y = a * a + a * 3 - a / a  # a used five times
    y.backward()
    # y = 4p² + 6p - 1  =>  dy/dp = 8p + 6
    assert p.grad.item() == pytest.approx(8 * 1.5 + 6, rel=1e-14)


def test_the_same_leaf_in_both_operands_and_through_indexing():
    p = tg.Parameter([1.0, 2.0, 3.0])
    y = (p * p).sum() + p[0] * p[2] + p[np.array([1, 1, 1])].sum()
    y.backward()
    np.testing.assert_allclose(p.grad.numpy(), [2 + 3, 4 + 3, 6 + 1])


def test_repeated_integer_indices_accumulate():
    p = tg.Parameter([1.0, 2.0, 3.0])
    p[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [3.0, 0.0, 1.0])


def test_boolean_mask_indexing():
    p = tg.Parameter([1.0, -2.0, 3.0])
    (p[p > 0] ** 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 0.0, 6.0])


def test_chain_of_100000_ops_without_recursion_error():
    p = tg.Parameter(1.0)
    y = p
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert p.grad.item() == pytest.approx(1.00001**100_000, rel=1e-9)


def test_graph_is_freed_after_backward():
    p = tg.Parameter([1.0, 2.0])
    mid = p * 2
    ref = weakref.ref(mid)
    y = (mid * mid).sum()
    del mid
    gc.collect()
    assert ref() is not None  # still held by the graph
    y.backward()
    gc.collect()
    assert ref() is None


def test_second_backward_raises_unless_retain_graph():
    p = tg.Parameter(2.0)
    y = p * p * p
    y.backward(retain_graph=True)
    y.backward()
    assert p.grad.item() == pytest.approx(2 * 12.0)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_backward_through_a_freed_subgraph_raises():
    p = tg.Parameter(2.0)
    mid = p * p
    (mid * 2).backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        (mid + 1).backward()


def test_backward_needs_gradient_for_non_scalar_outputs():
    p = tg.Parameter([1.0, 2.0])
    y = p * 2
    with pytest.raises(RuntimeError, match=r"one-element.*\(2,\).*gradient="):
        y.backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\).*output has shape \(2,\)"):
        y.backward(gradient=np.ones(3))
    y.backward(gradient=np.array([1.0, 10.0]))
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 20.0])


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.Tensor(1.0).backward()


def test_backward_on_a_leaf():
    p = tg.Parameter(3.0)
    p.backward()
    assert p.grad.item() == 1.0


def test_create_graph_gives_differentiable_gradients():
    p = tg.Parameter(1.5)
    y = p**3
    y.backward(create_graph=True)
    g = p.grad
    assert g.requires_grad and g.item() == pytest.approx(3 * 1.5**2)
    p.grad = None
    g.backward()
    assert p.grad.item() == pytest.approx(6 * 1.5)


def test_third_derivative_of_sin():
    p = tg.Parameter(0.7)
    p.sin().backward(create_graph=True)
    d1 = p.grad
    p.grad = None
    d1.backward(create_graph=True)
    d2 = p.grad
    p.grad = None
    d2.backward()
    assert p.grad.item() == pytest.approx(-np.cos(0.7), rel=1e-12)


def test_no_grad_records_nothing_and_restores():
    p = tg.Parameter([1.0])
    with tg.no_grad():
        y = p * 2
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            assert (p * 2).requires_grad
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf


def test_no_grad_as_decorator():
    @tg.no_grad()
    def f(t):
        return t * 2

    assert not f(tg.Parameter([1.0])).requires_grad


def test_no_grad_is_thread_local():
    seen = []

    def worker():
        seen.append((tg.Parameter([1.0]) * 2).requires_grad)

    with tg.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
    assert seen == [True]


def test_an_error_in_backward_leaves_no_partial_gradient():
    p = tg.Parameter([1.0, 2.0])
    shared = p * 2
    (shared * 3).sum().backward()  # frees the graph through `shared`
    with pytest.raises(RuntimeError):
        (shared.sum() + (p * p).sum()).backward()
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), [6.0 + 2.0, 6.0 + 4.0])


def test_leaf_gradients_never_share_memory_with_each_other_or_the_seed():
    # the engine hands its own arrays to .grad without a copy only when nothing else holds them
    a, b = tg.Parameter(np.ones((2, 3))), tg.Parameter(np.ones((2, 3)))
    c = tg.Parameter(np.ones(6))
    seed = np.arange(6.0).reshape(2, 3)
    (a + b + c.reshape(2, 3) + (a * 2).reshape(2, 3)).backward(gradient=seed)
    grads = [a.grad.data, b.grad.data, c.grad.data]
    for i, g in enumerate(grads):
        assert not np.shares_memory(g, seed)
        for h in grads[i + 1 :]:
            assert not np.shares_memory(g, h)
    np.testing.assert_array_equal(a.grad.data, 3 * seed)
    np.testing.assert_array_equal(c.grad.data, seed.reshape(6))
    a.grad.data[...] = -1  # an optimizer writing into one gradient changes no other
    np.testing.assert_array_equal(b.grad.data, seed)


def test_gradients_accumulate_in_place_into_an_existing_grad():
    # as PyTorch: with zero_grad(set_to_none=False) the same .grad buffer is reused
    w = tg.Parameter(np.ones((3, 2)))
    (np.ones((4, 3)) @ w).sum().backward()
    first = w.grad
    buffer = first.data
    (np.ones((4, 3)) @ w).sum().backward()
    assert w.grad is first and w.grad.data is buffer
    np.testing.assert_array_equal(buffer, 8.0)
    assert w.grad.data.strides == w.data.strides
