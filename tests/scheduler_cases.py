"""Scheduler configurations replayed in ours and in PyTorch, as plain data.

Each case names an optimizer and its parameter groups (a group's lr may be a 0-d Tensor, as in
PyTorch's own scheduler tests), the schedulers that step it (several stepping one optimizer
compose; ``ChainedScheduler`` and ``SequentialLR`` nest), and how they are driven. ``run``
builds a case with a *backend* (ours, or torch's through :func:`torch_backend`) and returns,
after construction and after every step, each group's lr and cycled momentum (``momentum`` or
``betas[0]``) and the last scheduler's ``get_last_lr()``; training cases (``train=True``) feed
fixed gradients to the optimizer and record the parameters too.

Most configurations are those of PyTorch's ``test/optim/test_lrscheduler.py``;
``tests/data/record_torch_schedulers.py`` records PyTorch's sequences into
``tests/data/torch_schedulers.json``.
"""

from __future__ import annotations

import warnings

import numpy as np

# -- callables (lr_lambda, scale_fn) named in the data ------------------------------------------


class LambdaObject:
    """A callable object as lr_lambda (its attributes travel through state_dict)."""

    def __init__(self, value):
        self.value = value

    def __call__(self, epoch):
        return self.value * epoch


class ScaleObject:
    """A callable object as CyclicLR's scale_fn."""

    def __init__(self, gamma):
        self.gamma = gamma

    def __call__(self, x):
        return self.gamma**x


FUNCTIONS = {
    "pow": lambda a: lambda e: a**e,
    "const": lambda a: lambda e: a,
    "floordiv": lambda k: lambda e: e // k,
    "warmup": lambda n: lambda e: min(1.0, (e + 1) / n),
    "object": LambdaObject,
    "scale_pow": lambda g: lambda x: g**x,
    "scale_object": ScaleObject,
}

SETUP = [{"lr": 0.05}, {"lr": 0.5, "tensor": "float32"}]  # PyTorch's test set-up: a Tensor lr
SETUP64 = [{"lr": 0.05}, {"lr": 0.5, "tensor": "float64"}]
FLOATS = [{"lr": 0.5}, {"lr": 0.5}]
SGD = {"name": "SGD", "lr": 0.05}
SGD_MOMENTUM = {"name": "SGD", "lr": 0.05, "momentum": 0.9}
ADAM = {"name": "Adam", "lr": 0.05}


def S(cls, **kw):
    """A scheduler spec."""
    return {"cls": cls, "kw": kw}


def fn(name, *args):
    return {"fn": name, "args": list(args)}


def tensor(value, dtype="float64"):
    return {"tensor": value, "dtype": dtype}


def chained(*schedulers):
    return {"cls": "ChainedScheduler", "schedulers": list(schedulers)}


def sequential(schedulers, milestones):
    return {"cls": "SequentialLR", "schedulers": list(schedulers), "kw": {"milestones": milestones}}


def case(name, schedulers, steps=10, groups=SETUP, optimizer=SGD, drive="steps", **extra):
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    return {
        "name": name,
        "groups": groups,
        "optimizer": optimizer,
        "schedulers": schedulers,
        "drive": drive,
        "steps": steps,
        **extra,
    }


def _cases():
    c = []
    # single schedulers (PyTorch's test_step_lr, test_multi_step_lr, ...), in the set-up with a
    # float32 Tensor lr in the second group, and again with float64 Tensor / float lrs
    singles = {
        "step": S("StepLR", gamma=0.1, step_size=3),
        "multistep": S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]),
        "multistep_repeated": S("MultiStepLR", gamma=0.5, milestones=[3, 3, 6]),
        "constant": S("ConstantLR", factor=0.5, total_iters=5),
        "constant_default": S("ConstantLR"),
        "linear": S("LinearLR", start_factor=0.5, total_iters=4),
        "linear_end": S("LinearLR", start_factor=0.25, end_factor=0.6, total_iters=4),
        "linear_closed_form_cfg": S("LinearLR", start_factor=1 / 3, end_factor=0.7, total_iters=4),
        "exp": S("ExponentialLR", gamma=0.9),
        "poly": S("PolynomialLR", power=0.9, total_iters=5),
        "poly_default": S("PolynomialLR"),
        "cos": S("CosineAnnealingLR", T_max=10, eta_min=1e-10),
        "cos_short": S("CosineAnnealingLR", T_max=5, eta_min=1e-10),
        "cos_eta": S("CosineAnnealingLR", T_max=3, eta_min=0.01),
        "lambda": S("LambdaLR", lr_lambda=[fn("pow", 0.9), fn("pow", 0.8)]),
        "lambda_object": S("LambdaLR", lr_lambda=fn("object", 0.1)),
        "lambda_floordiv": S("LambdaLR", lr_lambda=fn("floordiv", 3)),
        "multiplicative": S("MultiplicativeLR", lr_lambda=[fn("const", 0.9), fn("const", 0.8)]),
        "warm_restarts": S("CosineAnnealingWarmRestarts", T_0=10, T_mult=1, eta_min=1e-10),
        "warm_restarts_mult2": S("CosineAnnealingWarmRestarts", T_0=10, T_mult=2, eta_min=1e-10),
        "warm_restarts_mult4": S("CosineAnnealingWarmRestarts", T_0=3, T_mult=4, eta_min=0.001),
    }
    for name, spec in singles.items():
        steps = 100 if name.startswith("warm_restarts") else 20
        c.append(case(name, spec, steps))
        c.append(case(name + "/float64_tensor", spec, steps, groups=SETUP64))
        c.append(case(name + "/floats", spec, steps, groups=[{"lr": 0.05}, {"lr": 0.5}]))
    # the deprecated step(epoch): closed forms, in order and jumping about
    in_order = list(range(20))
    jumps = [0, 5, 2, 7, 7, 11, 3, 19, 4, 0, 13]
    for name in [
        "step",
        "multistep",
        "constant",
        "linear_closed_form_cfg",
        "exp",
        "poly",
        "cos_short",
        "lambda",
        "warm_restarts",
        "warm_restarts_mult2",
    ]:
        c.append(case(name + "/epochs", singles[name], drive="epochs", epochs=in_order))
        c.append(case(name + "/epoch_jumps", singles[name], drive="epochs", epochs=jumps))
    # fractional and interleaved epochs for warm restarts (test_CosineAnnealingWarmRestarts_lr2/3)
    fractional = [round(0.1 * i, 1) for i in range(150)]
    for t_mult in (1, 2, 4):
        c.append(
            case(
                f"warm_restarts_fractional/T_mult={t_mult}",
                S("CosineAnnealingWarmRestarts", T_0=10, T_mult=t_mult, eta_min=1e-10),
                drive="epochs",
                epochs=fractional,
            )
        )
    for t_mult, epochs in [
        (1, [0, 1, 2, 3, 4, 5, 12, 27, 3, 4, 5, 6, 13]),
        (2, [0, 1, 2, 3, 4, 5, 25, 32, 33, 34, 80, 81, 3]),
        (3, [0, 0.1, 0.2, 0.3, 1.3, 2.3, 17.5, 18.5, 19.5, 29.5, 30.5, 31.5, 50]),
    ]:
        c.append(
            case(
                f"warm_restarts_interleaved/T_mult={t_mult}",
                S("CosineAnnealingWarmRestarts", T_0=10, T_mult=t_mult, eta_min=1e-10),
                drive="epochs",
                epochs=epochs,
            )
        )
    # resuming with last_epoch (initial_lr already in the groups)
    resumed = [{"lr": 0.05, "initial_lr": 0.1}, {"lr": 0.5, "tensor": "float64", "initial_lr": 1.0}]
    for name, spec in [
        ("step", S("StepLR", gamma=0.1, step_size=3, last_epoch=10)),
        ("step_at_multiple", S("StepLR", gamma=0.1, step_size=3, last_epoch=11)),
        ("exp", S("ExponentialLR", gamma=0.9, last_epoch=4)),
        ("cos", S("CosineAnnealingLR", T_max=5, eta_min=0.1, last_epoch=0)),
        ("cos_later", S("CosineAnnealingLR", T_max=5, eta_min=0.1, last_epoch=3)),
        ("linear", S("LinearLR", start_factor=0.5, total_iters=4, last_epoch=1)),
        ("poly", S("PolynomialLR", total_iters=6, power=2.0, last_epoch=2)),
        ("lambda", S("LambdaLR", lr_lambda=fn("pow", 0.9), last_epoch=5)),
        ("warm_restarts", S("CosineAnnealingWarmRestarts", T_0=4, last_epoch=6)),
    ]:
        c.append(case("resume/" + name, spec, 15, groups=resumed))

    # cyclic schedules, with momentum (SGD) and betas[0] (Adam)
    cyc = dict(base_lr=1, max_lr=5, step_size_up=4, base_momentum=1, max_momentum=5)
    c.append(case("cyclic/triangular", S("CyclicLR", **cyc, mode="triangular"), 11))
    c.append(
        case(
            "cyclic/triangular_no_momentum",
            S("CyclicLR", base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=False),
            11,
        )
    )
    c.append(case("cyclic/triangular2", S("CyclicLR", **cyc, mode="triangular2"), 22))
    c.append(case("cyclic/exp_range", S("CyclicLR", **cyc, mode="exp_range", gamma=0.9), 13))
    c.append(
        case(
            "cyclic/triangular_lists",
            S(
                "CyclicLR",
                base_lr=[1, 2],
                max_lr=[5, 6],
                step_size_up=4,
                base_momentum=[1, 2],
                max_momentum=[5, 6],
            ),
            11,
        )
    )
    c.append(
        case(
            "cyclic/triangular2_lists",
            S(
                "CyclicLR",
                base_lr=[1, 3],
                max_lr=[5, 7],
                step_size_up=4,
                base_momentum=[1, 3],
                max_momentum=[5, 7],
                mode="triangular2",
            ),
            22,
        )
    )
    c.append(
        case(
            "cyclic/exp_range_lists",
            S(
                "CyclicLR",
                base_lr=[1, 5],
                max_lr=[5, 12],
                step_size_up=4,
                base_momentum=[1, 5],
                max_momentum=[5, 12],
                mode="exp_range",
                gamma=0.9,
            ),
            13,
        )
    )
    c.append(case("cyclic/triangular_up_down", S("CyclicLR", **{**cyc, "step_size_down": 6}), 11))
    c.append(
        case(
            "cyclic/triangular2_up_down",
            S(
                "CyclicLR",
                base_lr=[1, 3],
                max_lr=[5, 7],
                step_size_up=2,
                step_size_down=6,
                base_momentum=[1, 3],
                max_momentum=[5, 7],
                mode="triangular2",
            ),
            24,
        )
    )
    c.append(
        case(
            "cyclic/exp_range_up_down",
            S(
                "CyclicLR",
                **{**cyc, "step_size_up": 2, "step_size_down": 6},
                mode="exp_range",
                gamma=0.9,
            ),
            13,
        )
    )
    c.append(case("cyclic/scale_fn_cycle", S("CyclicLR", **cyc, scale_fn=fn("scale_pow", 0.5)), 20))
    c.append(
        case(
            "cyclic/scale_fn_iterations",
            S("CyclicLR", **cyc, scale_fn=fn("scale_object", 0.95), scale_mode="iterations"),
            20,
        )
    )
    c.append(
        case(
            "cyclic/adam_betas",
            S(
                "CyclicLR",
                base_lr=0.01,
                max_lr=0.1,
                step_size_up=3,
                base_momentum=0.8,
                max_momentum=0.95,
            ),
            15,
            optimizer=ADAM,
        )
    )
    c.append(
        case(
            "cyclic/adam_no_momentum",
            S("CyclicLR", base_lr=1, max_lr=5, step_size_up=4, cycle_momentum=False),
            11,
            groups=[{"lr": 0.05}, {"lr": 0.5}],
            optimizer=ADAM,
        )
    )
    c.append(
        case(
            "cyclic/sgd_momentum_default",
            S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5),
            25,
            optimizer=SGD_MOMENTUM,
        )
    )
    c.append(
        case(
            "cyclic/tensor_arguments",
            S(
                "CyclicLR",
                base_lr=tensor(0.1),
                max_lr=tensor(0.2),
                base_momentum=tensor(0.8),
                max_momentum=tensor(0.9),
                step_size_up=3,
            ),
            10,
            groups=[{"lr": 0.1}],
        )
    )
    c.append(case("cyclic/epochs", S("CyclicLR", **cyc), drive="epochs", epochs=[0, 3, 1, 8, 9, 2]))

    # one cycle, cos and linear, two and three phases
    one = dict(max_lr=25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10)
    c.append(case("onecycle/linear", S("OneCycleLR", **one, anneal_strategy="linear"), 9))
    c.append(
        case(
            "onecycle/linear_three_phases",
            S(
                "OneCycleLR",
                max_lr=25,
                div_factor=25,
                base_momentum=1,
                max_momentum=22,
                total_steps=10,
                anneal_strategy="linear",
                pct_start=0.4,
                final_div_factor=4,
                three_phase=True,
            ),
            9,
        )
    )
    c.append(case("onecycle/cos", S("OneCycleLR", **one), 9))
    c.append(
        case(
            "onecycle/cos_three_phases",
            S("OneCycleLR", max_lr=[0.1, 1.0], total_steps=20, three_phase=True, pct_start=0.25),
            20,
        )
    )
    c.append(
        case(
            "onecycle/adam_linear",
            S("OneCycleLR", **one, anneal_strategy="linear"),
            9,
            groups=[{"lr": 0.05}, {"lr": 0.5}],
            optimizer=ADAM,
        )
    )
    c.append(
        case(
            "onecycle/adam_cos_defaults",
            S("OneCycleLR", max_lr=0.01, epochs=3, steps_per_epoch=7),
            21,
            optimizer=ADAM,
        )
    )
    c.append(
        case(
            "onecycle/no_momentum",
            S("OneCycleLR", max_lr=0.3, total_steps=16, cycle_momentum=False),
            16,
        )
    )
    c.append(
        case(
            "onecycle/tensor_arguments",
            S(
                "OneCycleLR",
                max_lr=tensor(0.1),
                total_steps=10,
                base_momentum=tensor(0.85),
                max_momentum=tensor(0.95),
            ),
            10,
            groups=[{"lr": 0.1}],
        )
    )

    # ReduceLROnPlateau (test_reduce_lr_on_plateau1..8), groups set to float lrs as there
    plateau = [
        (
            dict(threshold_mode="abs", mode="min", threshold=0.01, patience=5, cooldown=5),
            [10 - i * 0.0167 for i in range(20)],
        ),
        (
            dict(patience=5, cooldown=0, threshold_mode="abs", mode="min", threshold=0.1),
            [10 - i * 0.0165 for i in range(22)],
        ),
        (
            dict(mode="max", patience=5, cooldown=5, threshold_mode="abs"),
            [-0.8] * 2 + [-0.234] * 20,
        ),
        (
            dict(mode="max", patience=3, threshold_mode="rel", threshold=0.1),
            [1.5 * (1.025**i) for i in range(20)],
        ),
        (
            dict(mode="max", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5),
            [1.5 * (1.005**i) for i in range(20)],
        ),
        (
            dict(mode="min", threshold_mode="rel", threshold=0.1),
            [1.5 * (0.85**i) for i in range(20)],
        ),
        (
            dict(mode="min", threshold_mode="rel", threshold=0.1, patience=5, cooldown=5),
            [1] * 7 + [0.6] + [0.5] * 12,
        ),
        (
            dict(
                mode="max",
                threshold_mode="rel",
                min_lr=[0.4, 0.3],
                threshold=0.1,
                patience=5,
                cooldown=5,
            ),
            [1.5 * (1.005**i) for i in range(20)],
        ),
        (dict(mode="min", factor=0.5, patience=0, eps=0.01, min_lr=0.02), [5.0] + [6.0] * 12),
    ]
    for i, (kw, metrics) in enumerate(plateau, 1):
        c.append(
            case(
                f"plateau{i}",
                S("ReduceLROnPlateau", **kw),
                groups=FLOATS,
                drive="metrics",
                metrics=metrics,
                steps=len(metrics),
            )
        )
    c.append(
        case(
            "plateau/tensor_lr",
            S("ReduceLROnPlateau", mode="min", patience=0),
            groups=SETUP64,
            drive="metrics",
            metrics=[1.0, 2.0, 2.0, 0.5, 3.0],
            steps=5,
        )
    )

    # SequentialLR (test_sequentiallr1..5 and more)
    c.append(
        case(
            "sequential1",
            sequential([S("ExponentialLR", gamma=0.8), S("StepLR", gamma=0.1, step_size=4)], [3]),
            19,
        )
    )
    c.append(
        case(
            "sequential2",
            sequential(
                [S("ConstantLR", factor=0.1, total_iters=3), S("ExponentialLR", gamma=0.9)], [3]
            ),
            13,
        )
    )
    c.append(
        case(
            "sequential3",
            sequential(
                [
                    S("ConstantLR", factor=0.1, total_iters=3),
                    S("ExponentialLR", gamma=0.8),
                    S("StepLR", gamma=0.1, step_size=2),
                ],
                [3, 6],
            ),
            12,
        )
    )
    c.append(
        case(
            "sequential4",
            sequential([S("ConstantLR", factor=1), S("ConstantLR", factor=0.1)], [10]),
            15,
            groups=[{"lr": 0.1}],
        )
    )
    c.append(
        case(
            "sequential5_chained",
            sequential(
                [
                    chained(
                        S("LinearLR", start_factor=0.1, total_iters=5),
                        S("ConstantLR", factor=0.1, total_iters=5),
                    ),
                    S("ConstantLR", factor=0.5, total_iters=5),
                ],
                [5],
            ),
            10,
        )
    )
    c.append(
        case(
            "sequential_tensor_lr_no_alias",
            sequential(
                [
                    S("LinearLR", start_factor=0.1, end_factor=0.8, total_iters=4),
                    S("LinearLR", start_factor=0.8, end_factor=0.1, total_iters=4),
                ],
                [4],
            ),
            8,
            groups=[{"lr": 2.0, "tensor": "float32"}],
        )
    )
    c.append(
        case(
            "sequential_warmup_cosine",
            sequential(
                [
                    S("LinearLR", start_factor=0.01, total_iters=5),
                    S("CosineAnnealingLR", T_max=15, eta_min=1e-4),
                ],
                [5],
            ),
            40,
        )
    )
    c.append(
        case(
            "sequential_warmup_poly",
            sequential(
                [
                    S("ConstantLR", factor=0.2, total_iters=3),
                    S("PolynomialLR", total_iters=8, power=2.0),
                ],
                [3],
            ),
            15,
        )
    )
    c.append(
        case(
            "sequential_lambda_then_multistep",
            sequential(
                [
                    S("LambdaLR", lr_lambda=fn("warmup", 4)),
                    S("MultiStepLR", milestones=[3, 6], gamma=0.5),
                ],
                [4],
            ),
            14,
        )
    )
    c.append(
        case(
            "sequential_exp_then_warm_restarts",
            sequential(
                [S("ExponentialLR", gamma=0.7), S("CosineAnnealingWarmRestarts", T_0=3, T_mult=2)],
                [2],
            ),
            20,
        )
    )
    c.append(
        case(
            "sequential_three_cos",
            sequential(
                [
                    S("CosineAnnealingLR", T_max=4),
                    S("MultiplicativeLR", lr_lambda=fn("const", 0.9)),
                    S("CosineAnnealingLR", T_max=6, eta_min=0.001),
                ],
                [4, 7],
            ),
            20,
        )
    )

    # ChainedScheduler (test_chained_lr1..5)
    c.append(case("chained1", chained(S("StepLR", gamma=0.1, step_size=3)), 10))
    c.append(case("chained2", chained(S("LinearLR", start_factor=0.4, total_iters=3)), 10))
    c.append(
        case(
            "chained3",
            chained(
                S("LinearLR", start_factor=0.4, total_iters=3),
                S("MultiStepLR", milestones=[4, 8, 10], gamma=0.1),
            ),
            10,
        )
    )
    c.append(
        case(
            "chained4",
            chained(
                S("ExponentialLR", gamma=0.9),
                S("ConstantLR", factor=0.2, total_iters=4),
                S("StepLR", gamma=0.1, step_size=3),
            ),
            9,
        )
    )
    c.append(
        case(
            "chained5",
            chained(S("PolynomialLR", power=0.9, total_iters=5), S("ConstantLR", factor=0.1)),
            10,
        )
    )
    c.append(
        case(
            "chained_cos_linear",
            chained(
                S("LinearLR", start_factor=0.2, total_iters=4), S("CosineAnnealingLR", T_max=12)
            ),
            30,
        )
    )

    # two schedulers stepping one optimizer (test_compound_*)
    eta = 1e-10
    compounds = {
        "step_and_multistep": [
            S("StepLR", gamma=0.1, step_size=3),
            S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]),
        ],
        "step_and_exp": [S("StepLR", gamma=0.1, step_size=3), S("ExponentialLR", gamma=0.9)],
        "exp_and_multistep": [
            S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]),
            S("ExponentialLR", gamma=0.9),
        ],
        "exp_and_linear": [
            S("LinearLR", start_factor=0.4, end_factor=0.9, total_iters=4),
            S("ExponentialLR", gamma=0.9),
        ],
        "step_and_constant": [
            S("StepLR", gamma=0.1, step_size=3),
            S("ConstantLR", factor=0.4, total_iters=4),
        ],
        "linear_and_multistep": [
            S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]),
            S("LinearLR", start_factor=0.4, total_iters=4),
        ],
        "cos_and_step": [
            S("CosineAnnealingLR", T_max=10, eta_min=eta),
            S("StepLR", gamma=0.1, step_size=3),
        ],
        "cos_and_multistep": [
            S("CosineAnnealingLR", T_max=10, eta_min=eta),
            S("MultiStepLR", gamma=0.1, milestones=[2, 5, 9]),
        ],
        "cos_and_linear": [
            S("LinearLR", start_factor=0.4, total_iters=4),
            S("CosineAnnealingLR", T_max=10, eta_min=eta),
        ],
        "cos_and_exp": [
            S("CosineAnnealingLR", T_max=10, eta_min=eta),
            S("ExponentialLR", gamma=0.1),
        ],
        "poly_and_multiplicative": [
            S("PolynomialLR", total_iters=8, power=0.5),
            S("MultiplicativeLR", lr_lambda=fn("const", 0.95)),
        ],
    }
    for name, specs in compounds.items():
        c.append(case("compound/" + name, specs, 10))
    # ReduceLROnPlateau with a second scheduler (test_compound_reduce_lr_on_plateau1..5)
    compound_plateau = [
        (
            [
                S(
                    "ReduceLROnPlateau",
                    threshold_mode="abs",
                    mode="min",
                    threshold=0.01,
                    patience=5,
                    cooldown=5,
                ),
                S("StepLR", gamma=0.1, step_size=3),
            ],
            [10 - i * 0.0167 for i in range(20)],
            [{"lr": 0.5}, {"lr": 0.5}],
        ),
        (
            [
                S(
                    "ReduceLROnPlateau",
                    patience=5,
                    cooldown=0,
                    threshold_mode="abs",
                    mode="min",
                    threshold=0.1,
                ),
                S("MultiStepLR", gamma=0.1, milestones=[3, 8, 12]),
            ],
            [10 - i * 0.0165 for i in range(22)],
            [{"lr": 0.5}, {"lr": 0.5}],
        ),
        (
            [
                S("ReduceLROnPlateau", mode="max", patience=5, cooldown=5, threshold_mode="abs"),
                S("ExponentialLR", gamma=0.1),
            ],
            [-0.8] * 2 + [-0.234] * 20,
            [{"lr": 0.5}, {"lr": 0.5}],
        ),
        (
            [
                S("ReduceLROnPlateau", mode="max", patience=3, threshold_mode="rel", threshold=0.1),
                S("CosineAnnealingLR", T_max=10, eta_min=eta),
            ],
            [1.5 * (1.025**i) for i in range(20)],
            [{"lr": 0.05}, {"lr": 0.05}],
        ),
        (
            [
                S(
                    "ReduceLROnPlateau",
                    patience=5,
                    cooldown=0,
                    threshold_mode="abs",
                    mode="min",
                    threshold=0.1,
                ),
                S("LinearLR", start_factor=0.4, total_iters=4),
            ],
            [10 - i * 0.0165 for i in range(22)],
            [{"lr": 0.5}, {"lr": 0.5}],
        ),
    ]
    for i, (specs, metrics, groups) in enumerate(compound_plateau, 1):
        c.append(
            case(
                f"compound/plateau{i}",
                specs,
                len(metrics),
                groups=groups,
                drive="metrics",
                metrics=metrics,
            )
        )
    # cosine for a while, then a cyclic schedule (test_cosine_then_cyclic)
    c.append(
        case(
            "cosine_then_cyclic",
            [
                S("CosineAnnealingLR", T_max=20, eta_min=0.1),
                S("CyclicLR", base_lr=0.1, max_lr=0.3, step_size_up=1, step_size_down=3),
            ],
            40,
            groups=[{"lr": 0.5}],
            optimizer={"name": "SGD", "lr": 0.5},
            drive="switch",
            switch=21,
        )
    )
    # training: the optimizer steps with gradients, so the cycled momentum and betas[0] are used
    # (float lrs only: these compare parameters, which the optimizers compute from float lrs)
    floats2 = [{"lr": 0.05}, {"lr": 0.5}]
    c.append(
        case(
            "train/sgd_cyclic_momentum",
            S("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=3),
            15,
            groups=floats2,
            train=True,
        )
    )
    c.append(
        case(
            "train/sgd_nesterov_onecycle",
            S("OneCycleLR", max_lr=[0.1, 0.3], total_steps=16),
            15,
            groups=floats2,
            optimizer={"name": "SGD", "lr": 0.05, "momentum": 0.9, "nesterov": True},
            train=True,
        )
    )
    c.append(
        case(
            "train/adam_onecycle_betas",
            S("OneCycleLR", max_lr=0.1, total_steps=12, three_phase=True, anneal_strategy="linear"),
            11,
            groups=floats2,
            optimizer=ADAM,
            train=True,
        )
    )
    c.append(
        case(
            "train/adam_cyclic_betas",
            S("CyclicLR", base_lr=0.001, max_lr=0.01, step_size_up=2, mode="exp_range", gamma=0.97),
            15,
            groups=floats2,
            optimizer=ADAM,
            train=True,
        )
    )
    c.append(
        case(
            "train/sgd_warmup_cosine",
            sequential(
                [S("LinearLR", start_factor=0.1, total_iters=3), S("CosineAnnealingLR", T_max=9)],
                [3],
            ),
            15,
            groups=floats2,
            optimizer=SGD_MOMENTUM,
            train=True,
        )
    )
    return c


CASES = _cases()


def gradient(step, group):
    """The gradient fed to group ``group`` at step ``step`` of a training case."""
    return [np.sin(1.0 + step + 0.5 * group), np.cos(2.0 * step - group)]


# -- building and running -----------------------------------------------------------------------


class OurBackend:
    """tinygrad_opt's schedulers and optimizers."""

    def __init__(self):
        import tinygrad_opt as tg
        from tinygrad_opt import optim

        self.tg, self.optim, self.sched = tg, optim, optim.lr_scheduler

    def tensor(self, value, dtype):
        return self.tg.Tensor(np.array(value, dtype=dtype))

    def set_grad(self, param, values):
        param.grad = np.array(values)

    def values(self, param):
        return [float(v) for v in param.data]

    def optimizer(self, spec, groups):
        kw = {k: v for k, v in spec.items() if k != "name"}
        built = [{"params": [self.tg.Parameter(np.zeros(2))], "lr": g["lr"]} for g in groups]
        opt = getattr(self.optim, spec["name"])(built, **kw)
        # Tensor lrs are put in after construction, as the optimizers may accept only floats
        for g, group in zip(groups, opt.param_groups, strict=True):
            if "tensor" in g:
                group["lr"] = self.tensor(g["lr"], g["tensor"])
        return opt


class TorchBackend:
    """PyTorch's schedulers and optimizers (float64 parameters)."""

    def __init__(self):
        import torch

        self.torch, self.optim, self.sched = torch, torch.optim, torch.optim.lr_scheduler

    def tensor(self, value, dtype):
        return self.torch.tensor(value, dtype=getattr(self.torch, dtype))

    def set_grad(self, param, values):
        param.grad = self.torch.tensor(values, dtype=self.torch.float64)

    def values(self, param):
        return [float(v) for v in param.detach()]

    def optimizer(self, spec, groups):
        kw = {k: v for k, v in spec.items() if k != "name"}
        built = [
            {
                "params": [self.torch.nn.Parameter(self.torch.zeros(2, dtype=self.torch.float64))],
                "lr": self.tensor(g["lr"], g["tensor"]) if "tensor" in g else g["lr"],
            }
            for g in groups
        ]
        return getattr(self.optim, spec["name"])(built, **kw)


def torch_backend():
    return TorchBackend()


def _arg(backend, value):
    if isinstance(value, dict) and "fn" in value:
        return FUNCTIONS[value["fn"]](*value["args"])
    if isinstance(value, dict) and "tensor" in value:
        return backend.tensor(value["tensor"], value["dtype"])
    if isinstance(value, list):
        return [_arg(backend, v) for v in value]
    return value


def build(backend, spec, opt):
    """The scheduler described by ``spec`` on ``opt``."""
    cls = getattr(backend.sched, spec["cls"])
    kw = {k: _arg(backend, v) for k, v in spec.get("kw", {}).items()}
    if spec["cls"] == "ChainedScheduler":
        return cls([build(backend, s, opt) for s in spec["schedulers"]], **kw)
    if spec["cls"] == "SequentialLR":
        return cls(opt, [build(backend, s, opt) for s in spec["schedulers"]], **kw)
    return cls(opt, **kw)


def setup(backend, c):
    """The optimizer and the top-level schedulers of case ``c``."""
    opt = backend.optimizer(c["optimizer"], c["groups"])
    for g, group in zip(c["groups"], opt.param_groups, strict=True):
        if "initial_lr" in g:
            group["initial_lr"] = g["initial_lr"]
    return opt, [build(backend, s, opt) for s in c["schedulers"]]


def snapshot(backend, opt, schedulers, train):
    lrs = [float(g["lr"]) for g in opt.param_groups]
    momenta = [
        float(g["betas"][0]) if "betas" in g else float(g.get("momentum", 0.0))
        for g in opt.param_groups
    ]
    last = [float(v) for v in schedulers[-1].get_last_lr()]
    out = {"lr": lrs, "momentum": momenta, "last_lr": last}
    if train:
        out["param"] = [x for g in opt.param_groups for x in backend.values(g["params"][0])]
    return out


def run(backend, c):
    """Drive case ``c``: ``{"lr": rows, "momentum": rows, "last_lr": rows}``, a row (one value
    per group) after construction and after every step."""
    opt, schedulers = setup(backend, c)
    train = c.get("train", False)
    out = [snapshot(backend, opt, schedulers, train)]
    drive = c["drive"]
    points = {
        "steps": range(c["steps"]),
        "metrics": c.get("metrics"),
        "epochs": c.get("epochs"),
        "switch": range(c["steps"]),
    }[drive]
    plateau = backend.sched.ReduceLROnPlateau
    for i, point in enumerate(points):
        if train:
            for k, group in enumerate(opt.param_groups):
                backend.set_grad(group["params"][0], gradient(i, k))
        opt.step()
        if drive == "switch":
            schedulers[0 if i < c["switch"] else 1].step()
        for s in schedulers if drive != "switch" else []:
            if drive == "metrics" and isinstance(s, plateau):
                s.step(point)
            elif drive == "epochs":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    s.step(point)
            else:
                s.step()
        out.append(snapshot(backend, opt, schedulers, train))
    return {key: [row[key] for row in out] for key in out[0]}
