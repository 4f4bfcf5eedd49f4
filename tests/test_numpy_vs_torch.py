"""The gradients of NumPy functions on Tensors against PyTorch's, at kinks and in np.linalg.

Skipped when torch is not installed (it is never a dependency).
"""

import warnings

import numpy as np
import pytest

import tinygrad_opt as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(7)


def _torch_grad(f, x):
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    f(t).backward()
    return t.grad.numpy()


def _sym(a):
    return (a + np.swapaxes(a, -1, -2)) / 2


EDGES = [  # (NumPy on Tensors, the same in torch, input)
    (lambda x: np.power(x, 0.0), lambda t: torch.pow(t, 0.0), 0.0),
    (np.std, lambda t: torch.std(t, correction=0), np.array([3.5])),
    (np.std, lambda t: torch.std(t, correction=0), np.full(3, 2.0)),
    (np.var, lambda t: torch.var(t, correction=0), np.full(3, 2.0)),
    (np.linalg.norm, torch.linalg.norm, np.zeros(3)),
    (lambda x: np.linalg.norm(x, 3), lambda t: torch.linalg.vector_norm(t, 3), np.zeros(3)),
    (np.sqrt, torch.sqrt, 0.0),
    (np.abs, torch.abs, 0.0),
    (np.max, torch.amax, np.array([1.0, 3.0, 3.0])),
    (lambda x: np.maximum(x[0], x[1]), lambda t: torch.maximum(t[0], t[1]), np.array([2.0, 2.0])),
    (lambda x: np.clip(x, 0, 1).sum(), lambda t: torch.clamp(t, 0, 1).sum(), np.array([0.0, 1.0])),
    (
        lambda x: np.mod(5.0, x),
        lambda t: torch.remainder(torch.tensor(5.0, dtype=torch.float64), t),
        2.0,
    ),
    (
        lambda x: np.fmod(-5.0, x),
        lambda t: torch.fmod(torch.tensor(-5.0, dtype=torch.float64), t),
        2.0,
    ),
    (lambda x: np.sort(x)[0], lambda t: torch.sort(t, stable=True).values[0], np.array([1.0, 1.0])),
    (np.prod, torch.prod, np.array([0.0, 2.0, 3.0])),
    (np.prod, torch.prod, np.array([0.0, 0.0, 3.0])),
]


@pytest.mark.parametrize("ours, theirs, x", EDGES)
def test_edges_match_pytorch(ours, theirs, x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        np.testing.assert_array_equal(tg.grad(ours)(x), _torch_grad(theirs, x))


LINALG = [  # (NumPy on Tensors, the same in torch, input); symmetric inputs where torch assumes them
    (
        lambda a: np.linalg.det(a).sum(),
        lambda t: torch.linalg.det(t).sum(),
        RNG.normal(size=(2, 3, 3)),
    ),
    (
        lambda a: np.linalg.slogdet(a)[1].sum(),
        lambda t: torch.linalg.slogdet(t)[1].sum(),
        RNG.normal(size=(3, 3)),
    ),
    (
        lambda a: (np.linalg.inv(a) ** 2).sum(),
        lambda t: (torch.linalg.inv(t) ** 2).sum(),
        RNG.normal(size=(3, 3)),
    ),
    (
        lambda a: np.linalg.pinv(a).sum(),
        lambda t: torch.linalg.pinv(t).sum(),
        RNG.normal(size=(4, 2)),
    ),
    (
        lambda a: np.linalg.norm(a, 2),
        lambda t: torch.linalg.matrix_norm(t, 2),
        RNG.normal(size=(3, 4)),
    ),
    (
        lambda a: np.linalg.norm(a, "nuc"),
        lambda t: torch.linalg.matrix_norm(t, "nuc"),
        RNG.normal(size=(3, 4)),
    ),
    (
        lambda a: np.linalg.norm(a, -2),
        lambda t: torch.linalg.matrix_norm(t, -2),
        RNG.normal(size=(3, 3)),
    ),
    (
        lambda a: (
            (np.linalg.svd(a, full_matrices=False)[0][:, 0] ** 4).sum() + np.linalg.svd(a)[1].sum()
        ),
        lambda t: (
            (torch.linalg.svd(t, full_matrices=False)[0][:, 0] ** 4).sum()
            + torch.linalg.svdvals(t).sum()
        ),
        RNG.normal(size=(3, 3)),
    ),
    (
        lambda a: (np.linalg.qr(a)[0] ** 3).sum() + np.linalg.qr(a)[1].sum(),
        lambda t: (torch.linalg.qr(t)[0] ** 3).sum() + torch.linalg.qr(t)[1].sum(),
        RNG.normal(size=(4, 3)),
    ),
]


@pytest.mark.parametrize("ours, theirs, x", LINALG)
def test_linalg_gradients_match_pytorch(ours, theirs, x):
    np.testing.assert_allclose(tg.grad(ours)(x), _torch_grad(theirs, x), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize(
    "fn, tfn",
    [
        # eigenvectors have arbitrary signs: a loss even in each of them compares the same function
        (
            lambda a: (
                (np.linalg.eigh(a)[1] ** 4 @ np.arange(3.0)).sum()
                + np.linalg.eigh(a)[0] @ np.arange(3.0)
            ),
            lambda t: (
                (torch.linalg.eigh(t)[1] ** 4 @ torch.arange(3.0, dtype=torch.float64)).sum()
                + torch.linalg.eigh(t)[0] @ torch.arange(3.0, dtype=torch.float64)
            ),
        ),
        (
            lambda a: (np.linalg.cholesky(a) ** 2).sum(),
            lambda t: (torch.linalg.cholesky(t) ** 2).sum(),
        ),
    ],
)
def test_symmetric_routines_match_pytorch_through_a_symmetric_parametrization(fn, tfn):
    b = RNG.normal(size=(3, 3))
    x = b @ b.T + 3 * np.eye(3)  # distinct eigenvalues, positive definite
    # through S = (X + Xᵀ)/2 both libraries see only symmetric perturbations, where they must agree
    ours = tg.grad(lambda a: fn((a + a.T) / 2))(x)
    theirs = _torch_grad(lambda t: tfn((t + t.T) / 2), x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10)
