"""The configurations and the deterministic problem that torch.optim's recorded trajectories use.

Shared by ``tests/data/record_torch_optim.py`` (which runs PyTorch and writes the .npz files)
and ``tests/test_optim_torch_recorded.py`` (which replays them through ours, without PyTorch).
The configurations are PyTorch's own optimizer test inputs (``optim_inputs_func_*`` in
``torch/testing/_internal/common_optimizers.py``, CPU ones; ``capturable`` is CUDA-only there)
plus Tensor learning rates, ``maximize`` and ``weight_decay`` variants. A Tensor lr is written
``{"tensor": value}``.
"""

import numpy as np

STEPS = 10  # optimizer steps per configuration (LBFGS: calls of step(closure))
CLOSURE_STEPS = 4

T = {"tensor": 1e-3}

CONFIGS = {
    "SGD": [
        {},
        {"lr": 0.01},
        {"lr": {"tensor": 0.01}},
        {"momentum": 0.9},
        {"momentum": 0.9, "dampening": 0.5},
        {"momentum": 0.9, "weight_decay": 0.1},
        {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 0.01, "momentum": 0.9, "maximize": True},
    ],
    "Adagrad": [
        {},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 0.1},
        {"initial_accumulator_value": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1},
        {"lr": {"tensor": 0.001}},
        {"eps": 1e-6, "maximize": True},
    ],
    "RMSprop": [
        {},
        {"lr": 0.01},
        {"lr": {"tensor": 0.001}},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "centered": True},
        {"weight_decay": 0.1, "centered": True, "momentum": 0.1},
        {"weight_decay": 0.1, "centered": True, "momentum": 0.1, "maximize": True},
        {"alpha": 0.5, "momentum": 0.9},
    ],
    "Adam": [
        {},
        {"lr": 0.01},
        {"lr": {"tensor": 0.001}},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"weight_decay": 0.1, "amsgrad": True},
        {"weight_decay": 0.1, "amsgrad": True, "maximize": True},
        {"betas": (0.8, 0.99), "eps": 1e-6},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
        {"lr": {"tensor": 0.01}, "amsgrad": True},
    ],
    "AdamW": [
        {},
        {"lr": 0.01},
        {"lr": {"tensor": 0.001}},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"weight_decay": 0.1, "amsgrad": True},
        {"weight_decay": 0.1, "amsgrad": True, "maximize": True},
    ],
    "NAdam": [
        {},
        {"lr": 1e-3},
        {"momentum_decay": 6e-3},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "momentum_decay": 6e-3},
        {"weight_decay": 0.1, "momentum_decay": 6e-3, "decoupled_weight_decay": True},
        {"weight_decay": 0.1, "maximize": True},
        {
            "lr": {"tensor": 0.001},
            "weight_decay": 0.9,
            "momentum_decay": 6e-3,
            "decoupled_weight_decay": True,
        },
    ],
    "RAdam": [
        {},
        {"lr": 2e-3},
        {"eps": 1e-6},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": {"tensor": 0.001}, "weight_decay": 0.1, "decoupled_weight_decay": True},
        {"betas": (0.9, 0.9)},
    ],  # rho_t > 5 from step 3: both branches of the rule
    "Adamax": [
        {},
        {"lr": 0.1},
        {"weight_decay": 0.1},
        {"maximize": True},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": {"tensor": 0.001}, "weight_decay": 0.9, "maximize": False},
    ],
    "Adadelta": [
        {},
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"maximize": True},
        {"weight_decay": 0.1, "maximize": True},
        {"rho": 0.95, "weight_decay": 0.9},
        {"lr": {"tensor": 0.001}},
    ],
    "Rprop": [
        {},
        {"lr": 2e-4},
        {"etas": (0.5, 1.5)},
        {"step_sizes": (2e-6, 100)},
        {"maximize": True},
        {"lr": {"tensor": 0.001}},
        {"lr": 0.5},
    ],
    "ASGD": [
        {},
        {"lambd": 0.1},
        {"lr": 0.02},
        {"t0": 100},
        {"t0": 3},
        {"maximize": True},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": {"tensor": 0.001}, "weight_decay": 0.1, "maximize": True},
    ],
    "Adafactor": [
        {},
        {"weight_decay": 0.1, "lr": 0.01},
        {"weight_decay": 0.1, "maximize": True},
        {"beta2_decay": -1.0},
        {"d": 1.5},
        {"lr": {"tensor": 0.01}},
        {"eps": (1e-30, 1e-3)},
    ],
    "Muon": [
        {},
        {"lr": 0.01},
        {"lr": {"tensor": 0.001}},
        {"weight_decay": 0.2},
        {"momentum": 0.8},
        {"ns_steps": 6},
        {"ns_coefficients": (3.4, -4.7, 2.0)},
        {"nesterov": False},
        {"adjust_lr_fn": "match_rms_adamw"},
    ],
    "LBFGS": [
        {},
        {"lr": 0.01},
        {"lr": {"tensor": 0.001}},
        {"tolerance_grad": 1e-6},
        {"line_search_fn": "strong_wolfe"},
        {"line_search_fn": "strong_wolfe", "history_size": 3},
        {"max_iter": 5, "history_size": 2},
        {"lr": 0.5, "max_iter": 7, "max_eval": 9},
        {"line_search_fn": "strong_wolfe", "max_iter": 30, "tolerance_change": 1e-12},
    ],
}

CLOSURE_BASED = {"LBFGS"}
ONE_GROUP = {"LBFGS"}


def shapes(name):
    """Parameter shapes: a matrix and a vector (Adafactor factors one, not the other); Muon
    takes matrices only."""
    return [(4, 3), (3, 5)] if name == "Muon" else [(4, 3), (3,)]


def initial_params(name):
    rng = np.random.default_rng(1234)
    return [rng.normal(size=s) for s in shapes(name)]


def loss_and_grads(params, sign=1.0):
    """A smooth non-convex loss of all parameters (double wells coupled to neighbours, plus a
    pull to a target), with its gradient in closed form: the same numbers on both sides.

    f = Σ (x² − 1)²/4 + ½ Σ (x − c)² + 0.3 Σ x_i x_{i+1} over each parameter's flat values.
    """
    total = 0.0
    grads = []
    for k, p in enumerate(params):
        x = p.reshape(-1)
        c = np.linspace(-1.0, 1.0, x.size) * (k + 1)
        f = np.sum((x * x - 1) ** 2) / 4 + 0.5 * np.sum((x - c) ** 2) + 0.3 * np.sum(x[:-1] * x[1:])
        g = (x * x - 1) * x + (x - c)
        g[:-1] += 0.3 * x[1:]
        g[1:] += 0.3 * x[:-1]
        total += f
        grads.append((sign * g).reshape(p.shape))
    return sign * total, grads


def groups(name, hyper):
    """Two parameter groups, the second with half the learning rate (one for LBFGS)."""
    if name in ONE_GROUP:
        return [[0, 1]], [{}]
    lr = hyper.get("lr")
    if isinstance(lr, dict):
        second = {"lr": {"tensor": lr["tensor"] / 2}}
    elif lr is not None:
        second = {"lr": lr / 2}
    else:
        second = {}
    return [[0], [1]], [{}, second]


def case_id(name, i, hyper):
    return f"{name}-{i}-" + ",".join(f"{k}={v}" for k, v in hyper.items())
