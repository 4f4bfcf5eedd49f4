"""nn: Module bookkeeping, Linear's layout and initialisation, losses, saving, a toy model learns."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import nn, optim


class TwoLayer(nn.Module):
    def __init__(self, rng):
        self.hidden = nn.Linear(3, 4, rng=rng)
        self.out = nn.Linear(4, 2, rng=rng)
        self.scale = tg.Parameter(1.0)

    def forward(self, x):
        return self.out(self.hidden(x).tanh()) * self.scale


def test_linear_layout_initialisation_and_forward():
    layer = nn.Linear(5, 3, rng=0)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    bound = 1 / np.sqrt(5)
    assert np.all(np.abs(layer.weight.numpy()) <= bound) and np.all(
        np.abs(layer.bias.numpy()) <= bound
    )
    np.testing.assert_array_equal(nn.Linear(5, 3, rng=0).weight.numpy(), layer.weight.numpy())
    x = np.random.default_rng(1).normal(size=(7, 5))
    np.testing.assert_allclose(layer(x).numpy(), x @ layer.weight.numpy().T + layer.bias.numpy())
    assert nn.Linear(5, 3, bias=False, rng=0).bias is None
    assert nn.Linear(5, 3, dtype=np.float32).weight.dtype == np.float32
    with pytest.raises(ValueError, match=r"5 features.*\(7, 4\)"):
        layer(np.zeros((7, 4)))
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 3)


def test_initialisation_is_uniform_over_the_bound():
    w = nn.Linear(100, 200, rng=0).weight.numpy()
    assert abs(w.mean()) < 0.005 and w.std() == pytest.approx(0.1 / np.sqrt(3), rel=0.02)


def test_parameters_are_named_like_pytorch():
    model = nn.Sequential(nn.Linear(2, 3, rng=0), nn.ReLU(), nn.Linear(3, 1, rng=0))
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    custom = TwoLayer(0)
    assert [n for n, _ in custom.named_parameters()] == [
        "hidden.weight",
        "hidden.bias",
        "out.weight",
        "out.bias",
        "scale",
    ]
    assert len(custom.parameters()) == 5 and "Linear(in_features=3" in repr(custom)


def test_zero_grad_and_training_step():
    model = TwoLayer(0)
    loss = nn.mse_loss(model(np.ones((4, 3))), np.zeros((4, 2)))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_round_trip_through_a_checkpoint(tmp_path):
    model = TwoLayer(0)
    opt = optim.Adam(model.parameters(), lr=0.01)
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.zeros((8, 2))
    for _ in range(3):
        opt.zero_grad()
        nn.mse_loss(model(x), y).backward()
        opt.step()
    tg.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ck.npz")
    restored = TwoLayer(1)
    opt2 = optim.Adam(restored.parameters(), lr=0.01)
    saved = tg.load(tmp_path / "ck.npz")
    restored.load_state_dict(saved["model"])
    opt2.load_state_dict(saved["optimizer"])
    for m, o in ((model, opt), (restored, opt2)):
        o.zero_grad()
        nn.mse_loss(m(x), y).backward()
        o.step()
    for a, b in zip(model.parameters(), restored.parameters(), strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_load_state_dict_errors():
    model = TwoLayer(0)
    state = model.state_dict()
    with pytest.raises(ValueError, match="missing \\['scale'\\]"):
        model.load_state_dict({k: v for k, v in state.items() if k != "scale"})
    with pytest.raises(ValueError, match="unexpected \\['extra'\\]"):
        model.load_state_dict({**state, "extra": np.zeros(1)})
    with pytest.raises(ValueError, match=r"'out.bias' has shape \(3,\)"):
        model.load_state_dict({**state, "out.bias": np.zeros(3)})


@given(st.integers(0, 2**32 - 1))
def test_cross_entropy_equals_log_softmax_composition(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(5, 4)) * 5
    labels = rng.integers(0, 4, size=5)
    a, b = tg.Parameter(logits), tg.Parameter(logits)
    fused = nn.cross_entropy(a, labels)
    composed = -tg.log_softmax(b, axis=1)[np.arange(5), labels].mean()
    assert fused.item() == pytest.approx(composed.item(), rel=1e-12)
    fused.backward()
    composed.backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_losses_are_stable_for_extreme_logits():
    logits = tg.Parameter([[1000.0, -1000.0], [-1000.0, 1000.0]])
    loss = nn.cross_entropy(logits, [1, 1])
    assert loss.item() == pytest.approx(1000.0)
    loss.backward()
    assert np.all(np.isfinite(logits.grad.numpy()))
    x = tg.Parameter([1000.0, -1000.0, 0.0])
    bce = nn.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0, 1.0]))
    assert bce.item() == pytest.approx((1000 + 1000 + np.log(2)) / 3)
    bce.backward()
    np.testing.assert_allclose(x.grad.numpy(), [1 / 3, -1 / 3, -1 / 6])


def test_bce_matches_its_definition():
    x, y = np.array([-2.0, 0.5, 3.0]), np.array([0.0, 1.0, 0.3])
    s = 1 / (1 + np.exp(-x))
    expected = -np.mean(y * np.log(s) + (1 - y) * np.log(1 - s))
    assert nn.binary_cross_entropy_with_logits(x, y).item() == pytest.approx(expected, rel=1e-12)


def test_loss_input_errors():
    with pytest.raises(ValueError, match=r"\(3,\) but target has shape \(2,\)"):
        nn.mse_loss(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="label 3 is out of range for 3 classes"):
        nn.cross_entropy(np.zeros((2, 3)), [0, 3])
    with pytest.raises(TypeError, match="integers"):
        nn.cross_entropy(np.zeros((2, 3)), [0.0, 1.0])
    with pytest.raises(ValueError, match="2 rows"):
        nn.cross_entropy(np.zeros((2, 3)), [0])
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        nn.cross_entropy(np.zeros(3), [0])


def test_a_small_mlp_learns_xor():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    model = nn.Sequential(nn.Linear(2, 8, rng=0), nn.Tanh(), nn.Linear(8, 2, rng=1))
    opt = optim.Adam(model.parameters(), lr=0.05)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    np.testing.assert_array_equal(model(x).numpy().argmax(axis=1), y)
