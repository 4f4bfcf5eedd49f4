"""Tensor and Parameter: construction, dtypes, attributes, repr, and bad input."""

import numpy as np
import pytest

import tinygrad_opt as tg


def test_python_numbers_and_lists_become_float64():
    assert tg.Tensor(3).dtype == np.float64
    assert tg.Tensor([1, 2]).dtype == np.float64
    assert tg.Tensor([[1.5, 2.0]]).shape == (1, 2)


def test_arrays_keep_their_float_dtype_and_integers_become_float64():
    assert tg.Tensor(np.ones(3, np.float32)).dtype == np.float32
    assert tg.Tensor(np.arange(3)).dtype == np.float64


def test_data_is_copied():
    a = np.zeros(2)
    t = tg.Tensor(a)
    a[0] = 5
    assert t.data[0] == 0


def test_attributes():
    t = tg.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.is_leaf and t.requires_grad and t.grad is None
    assert isinstance(t.numpy(), np.ndarray)
    assert tg.Tensor([2.5]).item() == 2.5
    y = t * 2
    assert not y.is_leaf and y.grad_fn == "multiply"
    d = y.detach()
    assert d.is_leaf and not d.requires_grad
    np.testing.assert_array_equal(d.numpy(), y.numpy())


def test_repr_shows_values_and_grad_state():
    assert repr(tg.Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    assert "requires_grad=True" in repr(tg.Parameter([1.0]))
    assert "grad_fn=add" in repr(tg.Parameter([1.0]) + 1)
    assert "dtype=float32" in repr(tg.Tensor(np.ones(2, np.float32)))


def test_parameter_is_a_float_leaf_requiring_grad():
    p = tg.Parameter(np.array([0, 0]))  # the post's start
    assert isinstance(p, tg.Tensor)
    assert p.dtype == np.float64 and p.requires_grad and p.is_leaf
    assert tg.Parameter(np.ones(2, np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "bad", [np.array([1 + 2j]), ["a", "b"], "text", np.array([object()]), [1j]]
)
@pytest.mark.parametrize("cls", [tg.Tensor, tg.Parameter])
def test_complex_strings_and_objects_raise_type_error(cls, bad):
    with pytest.raises(TypeError, match=r"complex|numbers|string"):
        cls(bad)


def test_ragged_data_is_a_clear_value_error():
    with pytest.raises(ValueError, match="could not make an array"):
        tg.Tensor([[1, 2], [3]])


def test_requires_grad_needs_floats():
    with pytest.raises(TypeError, match="floating-point"):
        tg.Tensor(np.array([True]), requires_grad=True)


def test_item_and_bool_of_several_elements():
    with pytest.raises(ValueError, match=r"one-element.*\(2,\)"):
        tg.Tensor([1.0, 2.0]).item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tg.Tensor([1.0, 2.0]))
    assert bool(tg.Tensor(1.0))


def test_len_and_iteration_of_0d():
    with pytest.raises(TypeError, match="0-d"):
        len(tg.Tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(tg.Tensor(1.0))


def test_float32_stays_float32_through_ops_with_python_scalars():
    p = tg.Parameter(np.array([0.5, 1.5], np.float32))
    y = (np.exp(p / 5) + 5 * p**2 - 2.5 * p + 1).sum()
    assert y.dtype == np.float32
    y.backward()
    assert p.grad.dtype == np.float32
    for f in (tg.sigmoid, tg.tanh, tg.relu, tg.softmax, tg.log_softmax, tg.sqrt):
        assert f(tg.Tensor(np.ones(3, np.float32))).dtype == np.float32


def test_float32_gradient_with_a_float64_constant_is_cast_back():
    p = tg.Parameter(np.ones(2, np.float32))
    (p * np.ones(2)).sum().backward()  # float64 result, float32 parameter
    assert p.grad.dtype == np.float32


def test_comparisons_carry_no_gradient():
    p = tg.Parameter([1.0, -1.0])
    for r in (p > 0, p >= 0, p < 0, p <= 0, p == 1, p != 1):
        assert isinstance(r, tg.Tensor) and not r.requires_grad and r.dtype == bool
    np.testing.assert_array_equal((p > 0).numpy(), [True, False])


def test_setitem_on_a_tensor_requiring_grad_is_refused_but_allowed_under_no_grad():
    p = tg.Parameter([1.0, 2.0])
    with pytest.raises(RuntimeError, match="in-place"):
        p[0] = 5.0
    with tg.no_grad():
        p[0] = 5.0
    assert p.data[0] == 5.0


def test_implicit_numpy_conversion_of_a_tensor_requiring_grad_is_refused():
    p = tg.Parameter([1.0, 2.0])
    with pytest.raises(TypeError, match="detach"):
        np.asarray(p)
    np.testing.assert_array_equal(np.asarray(p.detach()), [1.0, 2.0])


def test_reshape_transpose_flatten_squeeze():
    t = tg.Tensor(np.arange(6.0))
    assert t.reshape(2, 3).shape == (2, 3)
    assert t.reshape((3, -1)).shape == (3, 2)
    assert t.reshape(2, 3).T.shape == (3, 2)
    assert t.reshape(1, 2, 3).transpose(2, 0, 1).shape == (3, 1, 2)
    assert t.reshape(2, 3).flatten().shape == (6,)
    assert t.reshape(1, 6, 1).squeeze().shape == (6,)
    with pytest.raises(ValueError, match=r"reshape.*\(6,\).*\(4, 2\)"):
        t.reshape(4, 2)


@pytest.mark.parametrize("index, match", [
    (1.5, r"index 1.5 into a tensor of shape \(3,\)"), (5, r"index 5 .*out of bounds"),
    ((slice(None), 0), "too many indices"), (np.array([0.5]), "integers or booleans"),
])  # fmt: skip
def test_bad_indices_name_the_index_and_the_shape(index, match):
    with pytest.raises(IndexError, match=match):
        tg.Parameter([1.0, 2.0, 3.0])[index]
    with pytest.raises(IndexError, match="0-d"):
        tg.Tensor(1.0)[0]


def test_grad_assignment_is_checked_and_arrays_are_accepted():
    p = tg.Parameter([1.0, 2.0])
    p.grad = np.array([0.5, 0.5])  # NumPy habit: becomes a Tensor
    assert isinstance(p.grad, tg.Tensor)
    tg.optim.SGD([p], lr=1.0).step()
    np.testing.assert_array_equal(p.numpy(), [0.5, 1.5])
    with pytest.raises(ValueError, match=r"shape \(3,\) for a tensor of shape \(2,\)"):
        p.grad = np.zeros(3)
    with pytest.raises(TypeError, match="string"):
        p.grad = "abc"
    p.grad = None
    assert p.grad is None


def test_in_place_updates_under_no_grad_keep_the_parameter():
    p = tg.Parameter(np.array([3.0, -2.0], np.float32))
    data = p.data
    for _ in range(100):  # plain gradient descent, written the PyTorch way
        p.grad = None
        (p * p).sum().backward()
        with tg.no_grad():
            p -= 0.1 * p.grad
    assert p.data is data and p.dtype == np.float32
    np.testing.assert_allclose(p.numpy(), 0.0, atol=1e-8)
    with tg.no_grad():
        p += 1
        p *= 2.0
        p /= np.array([2.0, 4.0])
    np.testing.assert_allclose(p.numpy(), [1.0, 0.5], atol=1e-6)
    with pytest.raises(RuntimeError, match="no_grad"):
        p += 1


def test_in_place_on_a_plain_tensor():
    t = tg.Tensor([1.0, 2.0])
    t += tg.Tensor([1.0, 1.0])
    np.testing.assert_array_equal(t.numpy(), [2.0, 3.0])
