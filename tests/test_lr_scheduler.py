"""Schedulers: PyTorch's sequences (recorded, and live when torch is installed), the shared
contract of every scheduler class, and properties of the schedules."""

import gzip
import json
import math
import pathlib
import re
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import optim
from tinygrad_opt.optim import lr_scheduler

from .scheduler_cases import CASES, LambdaObject, OurBackend, run

RECORDED = pathlib.Path(__file__).parent / "data" / "torch_schedulers.json.gz"


def _recorded():
    return json.loads(gzip.decompress(RECORDED.read_bytes()))


def _assert_same_sequences(ours, theirs, name):
    assert set(ours) == set(theirs)
    for key in ours:
        assert len(ours[key]) == len(theirs[key]), f"{name}: {key} has a different number of steps"
        for step, (a, b) in enumerate(zip(ours[key], theirs[key], strict=True)):
            # float64 arithmetic in the same order as PyTorch: agreement to 1e-10 (relative)
            assert a == pytest.approx(b, rel=1e-10, abs=1e-300), f"{name}: {key} at step {step}"


# -- agreement with PyTorch -----------------------------------------------------------------------


def test_every_case_is_recorded():
    recorded = _recorded()
    assert recorded["torch"].startswith("2.13")
    missing = {c["name"] for c in CASES} - set(recorded["cases"])
    assert not missing, f"run tests/data/record_torch_schedulers.py to record {sorted(missing)}"


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_replays_torchs_recorded_sequence(case):
    theirs = _recorded_cases()[case["name"]]
    _assert_same_sequences(run(OurBackend(), case), theirs, case["name"])


_CACHE = {}


def _recorded_cases():
    if "cases" not in _CACHE:
        _CACHE["cases"] = _recorded()["cases"]
    return _CACHE["cases"]


def test_the_recorded_cases_cover_every_scheduler_and_chain():
    names = set()

    def walk(spec):
        names.add(spec["cls"])
        for child in spec.get("schedulers", []):
            walk(child)

    for c in CASES:
        for spec in c["schedulers"]:
            walk(spec)
    assert names == set(lr_scheduler.__all__) - {"LRScheduler"}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_live_torch(case):
    pytest.importorskip("torch")
    from .scheduler_cases import torch_backend

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's advice on the order of step() calls
        theirs = run(torch_backend(), case)
    _assert_same_sequences(run(OurBackend(), case), theirs, case["name"])


# -- the contract of every scheduler class --------------------------------------------------------


def _sgd(lrs=(0.05, 0.5), momentum=0.9):
    groups = [{"params": [tg.Parameter(np.zeros(1))], "lr": lr} for lr in lrs]
    return optim.SGD(groups, lr=0.05, momentum=momentum)


def _adam(lrs=(0.05, 0.5)):
    return optim.Adam([{"params": [tg.Parameter(np.zeros(1))], "lr": lr} for lr in lrs])


S = lr_scheduler
# one typical configuration per class; the test below fails for a class missing here
FACTORIES = {
    "LambdaLR": lambda o: S.LambdaLR(o, [LambdaObject(0.5), lambda e: 0.9**e]),
    "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, lambda e: 0.95),
    "StepLR": lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda o: S.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.5),
    "ConstantLR": lambda o: S.ConstantLR(o, factor=0.5, total_iters=6),
    "LinearLR": lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=8),
    "ExponentialLR": lambda o: S.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=12, power=1.5),
    "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(
        o, T_0=3, T_mult=2, eta_min=0.001
    ),
    "CyclicLR": lambda o: S.CyclicLR(
        o, base_lr=0.01, max_lr=[0.1, 0.2], step_size_up=3, step_size_down=2, mode="triangular2"
    ),
    "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=20, three_phase=True),
    "SequentialLR": lambda o: S.SequentialLR(
        o,
        [
            S.LinearLR(o, start_factor=0.1, total_iters=3),
            S.CosineAnnealingLR(o, T_max=6),
            S.ExponentialLR(o, 0.8),
        ],
        milestones=[3, 8],
    ),
    "ChainedScheduler": lambda o: S.ChainedScheduler(
        [S.LinearLR(o, start_factor=0.1, total_iters=4), S.StepLR(o, 3, 0.5)]
    ),
    "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=1),
}
METRICS = [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2]


def _step(scheduler, i):
    if isinstance(scheduler, S.ReduceLROnPlateau):
        scheduler.step(METRICS[i % len(METRICS)])
    else:
        scheduler.step()


def _state(opt):
    return [(float(g["lr"]), float(g.get("momentum", 0.0))) for g in opt.param_groups]


def test_every_scheduler_class_is_in_the_table():
    assert set(FACTORIES) == set(lr_scheduler.__all__) - {"LRScheduler"}
    for name in FACTORIES:
        assert issubclass(getattr(lr_scheduler, name), lr_scheduler.LRScheduler)


@pytest.mark.parametrize("name", sorted(FACTORIES))
@pytest.mark.parametrize("through_file", [False, True], ids=["in_memory", "tg.save"])
def test_state_dict_round_trip_mid_schedule_continues_identically(name, through_file, tmp_path):
    opt = _sgd()
    sched = FACTORIES[name](opt)
    for i in range(7):
        opt.step()
        _step(sched, i)
    sched_state, opt_state = sched.state_dict(), opt.state_dict()
    if through_file:
        tg.save({"scheduler": sched_state, "optimizer": opt_state}, tmp_path / "ckpt.npz")
        loaded = tg.load(tmp_path / "ckpt.npz")
        sched_state, opt_state = loaded["scheduler"], loaded["optimizer"]
    # as PyTorch advises: create the scheduler first, then load the optimizer's state
    opt2 = _sgd(lrs=(1.0, 2.0))
    sched2 = FACTORIES[name](opt2)
    opt2.load_state_dict(opt_state)
    sched2.load_state_dict(sched_state)
    assert sched2.get_last_lr() == pytest.approx(sched.get_last_lr(), rel=0, abs=0)
    for i in range(7, 19):
        opt.step()
        opt2.step()
        _step(sched, i)
        _step(sched2, i)
        assert _state(opt2) == _state(opt), f"step {i}"
        assert sched2.get_last_lr() == sched.get_last_lr()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_get_last_lr_is_a_copy_of_the_groups_learning_rates(name):
    opt = _sgd()
    sched = FACTORIES[name](opt)
    for i in range(12):
        opt.step()
        _step(sched, i)
        last = sched.get_last_lr()
        assert last == [g["lr"] for g in opt.param_groups]
        last[0] = -1.0  # the caller's list, not the scheduler's
        assert sched.get_last_lr()[0] == opt.param_groups[0]["lr"]


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_tensor_lr_is_updated_in_place_and_never_aliased(name):
    opt = _sgd()
    lr = tg.Tensor(0.5)
    opt.param_groups[1]["lr"] = lr
    sched = FACTORIES[name](opt)
    seen = set()
    for i in range(12):
        opt.step()
        _step(sched, i)
        group = opt.param_groups[1]
        assert group["lr"] is lr and lr.shape == ()  # the same Tensor, a new value
        seen.add(float(lr))
        last = sched.get_last_lr()[1]
        assert isinstance(last, tg.Tensor) and last is not lr and float(last) == float(lr)
        for key in ("initial_lr", "max_lr", "min_lr"):
            assert group.get(key) is not lr
    assert len(seen) > 1  # every table entry changes the lr within 12 steps
    for base in getattr(sched, "base_lrs", []):
        assert base is not lr


def test_float_and_tensor_lrs_follow_the_same_schedule():
    opt = _sgd(lrs=(0.5, 0.5))
    opt.param_groups[1]["lr"] = tg.Tensor(0.5)
    sched = S.OneCycleLR(opt, max_lr=0.5, total_steps=15)
    for _ in range(14):
        sched.step()
        a, b = sched.get_last_lr()
        assert float(b) == a


# -- bad arguments: PyTorch's messages ------------------------------------------------------------


def _o():
    return _sgd()


BAD = [
    (lambda: S.StepLR(object(), 3), TypeError, "object is not an Optimizer"),
    (lambda: S.LambdaLR(object(), lambda e: 1.0), TypeError, "object is not an Optimizer"),
    (lambda: S.ReduceLROnPlateau([], factor=0.5), TypeError, "list is not an Optimizer"),
    (lambda: S.CyclicLR("sgd", 0.1, 1.0), TypeError, "str is not an Optimizer"),
    (lambda: S.OneCycleLR(None, 0.1, 10), TypeError, "NoneType is not an Optimizer"),
    (
        lambda: S.StepLR(_o(), 3, last_epoch=4),
        KeyError,
        r"param 'initial_lr' is not specified in param_groups\[0\] when resuming scheduler with "
        r"last_epoch >= 0",
    ),
    (lambda: S.LambdaLR(_o(), [lambda e: 1.0]), ValueError, "Expected 2 lr_lambdas, but got 1"),
    (
        lambda: S.MultiplicativeLR(_o(), 0.95),
        TypeError,
        "lr_lambda should be a function, but got float",
    ),
    (
        lambda: S.MultiplicativeLR(_o(), [0.95, lambda e: 1.0]),
        TypeError,
        "lr_lambda should be a function",
    ),
    (
        lambda: S.ConstantLR(_o(), factor=1.5),
        ValueError,
        "Constant multiplicative factor expected to be between 0 and 1.",
    ),
    (
        lambda: S.ConstantLR(_o(), factor=-0.1),
        ValueError,
        "Constant multiplicative factor expected to be between 0 and 1.",
    ),
    (
        lambda: S.LinearLR(_o(), start_factor=0.0),
        ValueError,
        "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.",
    ),
    (
        lambda: S.LinearLR(_o(), start_factor=1.1),
        ValueError,
        "Starting multiplicative factor expected to be greater than 0 and less or equal to 1.",
    ),
    (
        lambda: S.LinearLR(_o(), end_factor=1.5),
        ValueError,
        "Ending multiplicative factor expected to be between 0 and 1.",
    ),
    (
        lambda: S.CosineAnnealingWarmRestarts(_o(), T_0=0),
        ValueError,
        "Expected positive integer T_0, but got 0",
    ),
    (
        lambda: S.CosineAnnealingWarmRestarts(_o(), T_0=2.5),
        ValueError,
        "Expected positive integer T_0, but got 2.5",
    ),
    (
        lambda: S.CosineAnnealingWarmRestarts(_o(), T_0=10, T_mult=0),
        ValueError,
        "Expected integer T_mult >= 1, but got 0",
    ),
    (
        lambda: S.CosineAnnealingWarmRestarts(_o(), T_0=10, eta_min="0"),
        ValueError,
        "Expected float or int eta_min, but got 0 of type <class 'str'>",
    ),
    (
        lambda: S.CosineAnnealingWarmRestarts(_o(), T_0=10).step(-1),
        ValueError,
        "Expected non-negative epoch, but got -1",
    ),
    (
        lambda: S.CyclicLR(_o(), base_lr=0, max_lr=0, mode="CATS"),
        ValueError,
        "mode is invalid and scale_fn is None",
    ),
    (
        lambda: S.CyclicLR(optim.AdaGrad([tg.Parameter([1.0])]), 1, 5),
        ValueError,
        "optimizer must support momentum or beta1 with `cycle_momentum` option enabled",
    ),
    (
        lambda: S.CyclicLR(_o(), base_lr=[0.1], max_lr=1.0),
        ValueError,
        "base_lr must have the same length as optimizer.param_groups. base_lr has 1 values, "
        "param_groups has 2.",
    ),
    (
        lambda: S.CyclicLR(_o(), 0.1, 1.0, max_momentum=[0.9, 0.9, 0.9]),
        ValueError,
        "max_momentum must have the same length as optimizer.param_groups. max_momentum has 3 "
        "values, param_groups has 2.",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3, total_steps=10, anneal_strategy="CATS"),
        ValueError,
        "anneal_strategy must be one of 'cos' or 'linear', instead got CATS",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3, total_steps=10, pct_start=1.1),
        ValueError,
        "Expected float between 0 and 1 pct_start, but got 1.1",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3, total_steps=10, pct_start=0),
        ValueError,
        "Expected float between 0 and 1 pct_start, but got 0",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3),
        ValueError,
        r"You must define either total_steps OR \(epochs AND steps_per_epoch\)",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3, total_steps=0),
        ValueError,
        "Expected positive integer total_steps, but got 0",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3, epochs=0, steps_per_epoch=3),
        ValueError,
        "Expected positive integer epochs, but got 0",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=1e-3, epochs=2, steps_per_epoch=1.5),
        ValueError,
        "Expected positive integer steps_per_epoch, but got 1.5",
    ),
    (
        lambda: S.OneCycleLR(_o(), max_lr=[1e-3], total_steps=5),
        ValueError,
        "max_lr must have the same length as optimizer.param_groups",
    ),
    (lambda: S.ReduceLROnPlateau(_o(), factor=1.0), ValueError, r"Factor should be < 1.0."),
    (lambda: S.ReduceLROnPlateau(_o(), mode="median"), ValueError, "mode median is unknown!"),
    (
        lambda: S.ReduceLROnPlateau(_o(), threshold_mode="pct"),
        ValueError,
        "threshold mode pct is unknown!",
    ),
    (lambda: S.ReduceLROnPlateau(_o(), min_lr=[0.1]), ValueError, "expected 2 min_lrs, got 1"),
    (
        lambda: S.SequentialLR(_o(), [], []),
        ValueError,
        "SequentialLR expects at least one scheduler, but got no scheduler.",
    ),
    (
        lambda: S.ChainedScheduler([]),
        ValueError,
        "ChainedScheduler expects at least one scheduler to be chained, but got no scheduler.",
    ),
    (
        lambda: S.SequentialLR(_o(), [object()], []),
        TypeError,
        "SequentialLR at index 0 should have `optimizer` as its attribute.",
    ),
    (
        lambda: _sequential_with_plateau(),
        ValueError,
        "SequentialLR does not support `ReduceLROnPlateau` scheduler as it requires additional "
        "kwargs to be specified when calling `step`, but got one at index 1",
    ),
    (
        lambda: _chained_two_optimizers(),
        ValueError,
        "ChainedScheduler expects all schedulers to belong to the same optimizer, but got "
        "scheduler StepLR at index 1 has",
    ),
    (
        lambda: _sequential_wrong_milestones(),
        ValueError,
        "Sequential Schedulers expects number of schedulers provided to be one more than the "
        "number of milestone points, but got number of schedulers 2 and the number of milestones "
        "to be equal to 2",
    ),
    # where PyTorch has no check (and fails later, or silently), ours names the argument
    (lambda: S.StepLR(_o(), 0), ValueError, "StepLR: step_size must be a positive int, got 0"),
    (lambda: S.StepLR(_o(), 3, gamma=-1.0), ValueError, "gamma"),
    (lambda: S.CosineAnnealingLR(_o(), -1), ValueError, "T_max must be a positive number"),
    (lambda: S.MultiStepLR(_o(), [2, 1.5]), ValueError, "every milestone must be an int"),
    # total_iters=0: PyTorch's chainable and closed forms disagree (or divide by zero)
    (lambda: S.LinearLR(_o(), total_iters=0), ValueError, "total_iters must be a positive int"),
    (lambda: S.ConstantLR(_o(), total_iters=0), ValueError, "total_iters must be a positive int"),
    (lambda: S.PolynomialLR(_o(), total_iters=0), ValueError, "total_iters must be a positive int"),
    (
        lambda: S.OneCycleLR(_o(), 0.1, total_steps=10, pct_start=0.1),
        ValueError,
        "gives a rising phase of no length",
    ),
    (lambda: S.CyclicLR(_o(), 0.1, 1.0, step_size_up=0), ValueError, "step_size_up must be > 0"),
    (
        lambda: S.CyclicLR(_o(), 0.1, 1.0, scale_fn=lambda x: 1.0, scale_mode="epoch"),
        ValueError,
        "scale_mode must be 'cycle' or 'iterations'",
    ),
]


def _sequential_with_plateau():
    o = _o()
    return S.SequentialLR(o, [S.StepLR(o, 2), S.ReduceLROnPlateau(o)], [3])


def _chained_two_optimizers():
    return S.ChainedScheduler([S.StepLR(_o(), 2), S.StepLR(_o(), 2)])


def _sequential_wrong_milestones():
    o = _o()
    return S.SequentialLR(o, [S.StepLR(o, 2), S.StepLR(o, 3)], [3, 5])


@pytest.mark.parametrize("make, error, message", BAD, ids=[m[:40] for _, _, m in BAD])
def test_bad_arguments_get_pytorchs_messages(make, error, message):
    with pytest.raises(error, match=message if "\\" in message else re.escape(message)):
        make()


def test_bad_arguments_agree_with_torch_on_the_error_type():
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD(
        [{"params": [p]}, {"params": [torch.nn.Parameter(torch.zeros(1))]}], lr=0.05, momentum=0.9
    )
    T = torch.optim.lr_scheduler
    pairs = [
        (lambda: T.ConstantLR(opt, factor=1.5), lambda: S.ConstantLR(_o(), factor=1.5)),
        (lambda: T.LinearLR(opt, start_factor=0.0), lambda: S.LinearLR(_o(), start_factor=0.0)),
        (
            lambda: T.CosineAnnealingWarmRestarts(opt, T_0=0),
            lambda: S.CosineAnnealingWarmRestarts(_o(), T_0=0),
        ),
        (lambda: T.OneCycleLR(opt, max_lr=1e-3), lambda: S.OneCycleLR(_o(), max_lr=1e-3)),
        (
            lambda: T.ReduceLROnPlateau(opt, factor=1.0),
            lambda: S.ReduceLROnPlateau(_o(), factor=1.0),
        ),
        (
            lambda: T.CyclicLR(opt, 0.1, 1.0, base_momentum=[0.8]),
            lambda: S.CyclicLR(_o(), 0.1, 1.0, base_momentum=[0.8]),
        ),
    ]
    for theirs, ours in pairs:
        with pytest.raises(Exception) as expected:
            theirs()
        with pytest.raises(type(expected.value), match=re.escape(str(expected.value))):
            ours()


# -- state dicts with callables (PyTorch's test_lambda_lr_state_dict_*) ------------------------


def test_lambda_lr_state_dict_saves_a_callable_objects_attributes(tmp_path):
    opt = _sgd()
    sched = S.LambdaLR(opt, lr_lambda=LambdaObject(10))
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"value": 10}, {"value": 10}]
    tg.save(state, tmp_path / "s.npz")
    copy = S.LambdaLR(opt, lr_lambda=LambdaObject(-1))
    copy.load_state_dict(tg.load(tmp_path / "s.npz"))
    assert copy.lr_lambdas[0].value == 10
    for _ in range(11):
        copy.step()
    # PyTorch's value at step 11: 0.05 · 10 · 11
    assert opt.param_groups[0]["lr"] == pytest.approx(5.5, rel=1e-15)
    assert copy.state_dict() == {
        **state,
        "last_epoch": 11,
        "_step_count": 12,
        "_last_lr": copy.get_last_lr(),
    }


def test_lambda_lr_state_dict_drops_functions():
    opt = _sgd()
    state = S.LambdaLR(opt, lr_lambda=lambda x: x).state_dict()
    assert state["lr_lambdas"] == [None, None]
    copy = S.LambdaLR(opt, lr_lambda=lambda x: 2 * x)
    copy.load_state_dict(state)
    assert copy.lr_lambdas[0](3) == 6  # its own function is kept


def test_cyclic_lr_state_dict_and_scale_fn():
    from .scheduler_cases import ScaleObject

    opt = _adam()
    sched = S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False, mode="triangular2")
    state = sched.state_dict()
    assert state["_scale_fn_custom"] is None
    restored = S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False)
    restored.load_state_dict(state)
    assert restored.mode == "triangular2" and restored.scale_mode == "cycle"
    obj = S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False, scale_fn=ScaleObject(0.5))
    assert obj.state_dict()["_scale_fn_custom"] == {"gamma": 0.5}
    other = S.CyclicLR(opt, base_lr=1, max_lr=5, cycle_momentum=False, scale_fn=ScaleObject(0.9))
    other.load_state_dict(obj.state_dict())
    assert other._scale_fn_custom.gamma == 0.5


def test_multistep_milestones_come_back_as_a_counter(tmp_path):
    opt = _sgd()
    sched = S.MultiStepLR(opt, milestones=[2, 5, 5])
    tg.save(sched.state_dict(), tmp_path / "s.npz")
    copy = S.MultiStepLR(_sgd(), milestones=[1])
    copy.load_state_dict(tg.load(tmp_path / "s.npz"))
    assert copy.milestones == sched.milestones and sorted(copy.milestones.elements()) == [2, 5, 5]


def test_state_dict_holds_tensor_lrs_as_copies_and_loads_them_back(tmp_path):
    opt = _sgd()
    opt.param_groups[1]["lr"] = tg.Tensor(np.float32(0.5))
    sched = S.ExponentialLR(opt, 0.5)
    sched.step()
    tg.save(sched.state_dict(), tmp_path / "s.npz")
    opt2 = _sgd()
    opt2.param_groups[1]["lr"] = tg.Tensor(np.float32(0.5))
    copy = S.ExponentialLR(opt2, 0.9)
    copy.load_state_dict(tg.load(tmp_path / "s.npz"))
    assert isinstance(copy.base_lrs[1], tg.Tensor) and copy.base_lrs[1].dtype == np.float32
    assert float(copy.get_last_lr()[1]) == 0.25 and copy.gamma == 0.5


# -- PyTorch's behaviours, one by one -------------------------------------------------------------


def test_onecycle_refuses_to_step_past_total_steps():
    sched = S.OneCycleLR(_sgd(), max_lr=0.1, total_steps=5)
    for _ in range(5):
        sched.step()
    message = "Tried to step 6 times. The specified number of total steps is 5"
    with pytest.raises(ValueError, match=re.escape(message)):
        sched.step()


def test_step_with_an_epoch_warns_and_uses_the_closed_form():
    opt = _sgd()
    sched = S.StepLR(opt, step_size=3, gamma=0.1)
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(7)
    assert sched.last_epoch == 7
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05 * 0.1**2, rel=1e-15)


def test_constant_lr_with_factor_zero_cannot_be_undone():
    sched = S.ConstantLR(_sgd(), factor=0.0, total_iters=2)
    sched.step()
    with pytest.raises(ZeroDivisionError, match="factor=0"):
        sched.step()


def test_reduce_on_plateau_keeps_tensor_lrs_and_handles_new_groups():
    opt = _sgd()
    lr = tg.Tensor(0.5)
    opt.param_groups[1]["lr"] = lr
    sched = S.ReduceLROnPlateau(opt, mode="min", patience=0)
    sched.step(1.0)
    sched.step(2.0)
    assert opt.param_groups[1]["lr"] is lr and float(lr) == pytest.approx(0.05, rel=1e-15)
    opt.add_param_group({"params": [tg.Parameter([1.0])], "lr": 0.3})
    sched.step(3.0)  # a scalar min_lr extends to the new group
    assert opt.param_groups[2]["lr"] == pytest.approx(0.03, rel=1e-15)
    listed = S.ReduceLROnPlateau(_sgd(), patience=0, min_lr=[0.0, 0.0])
    listed.optimizer.add_param_group({"params": [tg.Parameter([1.0])], "lr": 0.3})
    listed.step(1.0)
    with pytest.raises(RuntimeError, match="The number of param groups in the `optimizer` \\(3\\)"):
        listed.step(2.0)


def test_reduce_on_plateau_exact_sequence_and_min_lr():
    opt = _sgd(lrs=(1.0,))
    sched = S.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, min_lr=0.005)
    out = []
    for metric in [1.0, 1.0, 1.0, 1.0]:
        sched.step(metric)
        out.append(sched.get_last_lr()[0])
    assert out == pytest.approx([1.0, 0.1, 0.01, 0.005], rel=1e-15)


def test_resuming_with_last_epoch_uses_initial_lr():
    opt = _sgd()
    sched = S.CosineAnnealingLR(opt, T_max=5, eta_min=0.1)
    opt.step()
    sched.step()
    resumed = S.CosineAnnealingLR(opt, T_max=5, eta_min=0.1, last_epoch=0)
    assert resumed.get_last_lr() == sched.get_last_lr()
    assert resumed.base_lrs == [0.05, 0.5]


def test_cyclic_lr_cycles_adams_beta1_and_keeps_beta2():
    opt = optim.Adam([tg.Parameter([1.0])], lr=0.01, betas=(0.9, 0.99))
    sched = S.CyclicLR(
        opt, base_lr=0.01, max_lr=0.1, step_size_up=2, base_momentum=0.8, max_momentum=0.9
    )
    betas = [opt.param_groups[0]["betas"]]
    for _ in range(4):
        opt.step()
        sched.step()
        betas.append(opt.param_groups[0]["betas"])
    assert [b[0] for b in betas] == pytest.approx([0.9, 0.85, 0.8, 0.85, 0.9], rel=1e-15)
    assert {b[1] for b in betas} == {0.99}


def test_sequential_lr_does_not_change_the_initial_lr():
    opt = _sgd(lrs=(0.1,))
    S.SequentialLR(opt, [S.ConstantLR(opt, factor=1), S.ConstantLR(opt, factor=0.1)], [10])
    assert opt.param_groups[0]["lr"] == 0.1


def test_sequential_lr_cannot_start_a_chained_scheduler_at_a_milestone():
    opt = _sgd()
    sched = S.SequentialLR(opt, [S.StepLR(opt, 2), S.ChainedScheduler([S.StepLR(opt, 2)])], [2])
    sched.step()
    with pytest.raises(NotImplementedError, match="ChainedScheduler has no learning-rate formula"):
        sched.step()


# -- properties ---------------------------------------------------------------------------------


def _sequences(make, epochs):
    """The lrs of ``make(opt)`` stepped recursively (step()) and by closed form (step(epoch))."""
    opt = _sgd(lrs=(0.7,))
    sched = make(opt)
    recursive = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        sched.step()
        recursive.append(opt.param_groups[0]["lr"])
    opt = _sgd(lrs=(0.7,))
    sched = make(opt)
    closed = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch in range(epochs + 1):
            sched.step(epoch)
            closed.append(opt.param_groups[0]["lr"])
    return recursive, closed


CHAINABLE = {
    "StepLR": (st.integers(1, 6), st.floats(0.1, 1.0)),
    "MultiStepLR": (st.lists(st.integers(1, 25), max_size=5), st.floats(0.1, 1.0)),
    "ConstantLR": (st.floats(0.05, 1.0), st.integers(1, 12)),
    "LinearLR": (st.floats(0.05, 1.0), st.floats(0.0, 1.0), st.integers(1, 12)),
    "ExponentialLR": (st.floats(0.5, 1.0),),
    "PolynomialLR": (st.integers(1, 12), st.floats(0.1, 3.0)),
    "CosineAnnealingLR": (st.integers(1, 8), st.floats(0.0, 0.1)),
}


@pytest.mark.parametrize("name", sorted(CHAINABLE))
def test_the_chainable_form_equals_the_closed_form(name):
    cls = getattr(S, name)

    @settings(max_examples=25)
    @given(st.tuples(*CHAINABLE[name]))
    def check(args):
        recursive, closed = _sequences(lambda o: cls(o, *args), 30)
        # the recursion accumulates one rounding per step (the cosine's ratio a few)
        assert recursive == pytest.approx(closed, rel=1e-12, abs=1e-15)

    check()


@settings(max_examples=30)
@given(st.integers(1, 6), st.integers(1, 3), st.floats(0.0, 0.05))
def test_warm_restarts_restart_at_the_base_lr_and_repeat(t_0, t_mult, eta_min):
    opt = _sgd(lrs=(0.7,))
    sched = S.CosineAnnealingWarmRestarts(opt, T_0=t_0, T_mult=t_mult, eta_min=eta_min)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(60):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    restarts, period = [0], t_0
    while restarts[-1] + period <= 60:
        restarts.append(restarts[-1] + period)
        period *= t_mult
    for r in restarts:
        assert lrs[r] == pytest.approx(0.7, rel=1e-15)
    if t_mult == 1:  # periodic with period T_0, between eta_min and the base lr
        assert lrs[t_0:] == pytest.approx(lrs[:-t_0], rel=1e-12)
    assert all(eta_min - 1e-15 <= lr <= 0.7 + 1e-15 for lr in lrs)
    # stepping by epoch reaches the same values
    jumped = S.CosineAnnealingWarmRestarts(
        _sgd(lrs=(0.7,)), T_0=t_0, T_mult=t_mult, eta_min=eta_min
    )
    for epoch in (0, 7, 3, 33, 60):
        jumped.step(epoch)
        assert jumped.get_last_lr()[0] == pytest.approx(lrs[epoch], rel=1e-9, abs=1e-12)


@settings(max_examples=30)
@given(st.integers(1, 5), st.integers(0, 5), st.sampled_from(["triangular", "triangular2"]))
def test_cyclic_lr_and_momentum_move_in_opposite_directions(up, down, mode):
    opt = _sgd(lrs=(0.1,))
    sched = S.CyclicLR(
        opt,
        base_lr=0.1,
        max_lr=0.5,
        step_size_up=up,
        step_size_down=down or None,
        mode=mode,
        base_momentum=0.8,
        max_momentum=0.9,
    )
    size = up + (down or up)
    lrs, moms = [], []
    for _ in range(3 * size):
        group = opt.param_groups[0]
        lrs.append(group["lr"])
        moms.append(group["momentum"])
        # the lr's height above base_lr and the momentum's depth below max_momentum agree
        assert (group["lr"] - 0.1) / 0.4 == pytest.approx((0.9 - group["momentum"]) / 0.1, abs=1e-9)
        sched.step()
    assert lrs[0] == 0.1 and lrs[up] == pytest.approx(0.5 if up else 0.1)
    if mode == "triangular":
        assert lrs[size:] == pytest.approx(lrs[:-size], abs=1e-12)


@settings(max_examples=30)
@given(st.integers(4, 40), st.floats(0.1, 0.9), st.booleans(), st.sampled_from(["cos", "linear"]))
def test_one_cycle_starts_peaks_and_ends_where_it_should(total, pct, three_phase, strategy):
    # phases of positive length: 1 < pct·total, and for three phases 2 pct·total − 2 < total − 1
    assume(pct * total > 1 and (not three_phase or 2 * pct * total - 1 < total))
    opt = _adam(lrs=(0.1,))
    sched = S.OneCycleLR(
        opt,
        max_lr=1.0,
        total_steps=total,
        pct_start=pct,
        three_phase=three_phase,
        anneal_strategy=strategy,
    )
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(total - 1):
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs[0] == pytest.approx(1.0 / 25, rel=1e-15)
    assert lrs[-1] == pytest.approx(1.0 / 25 / 1e4, rel=1e-12)
    assert max(lrs) <= 1.0 + 1e-12
    end = float(pct * total) - 1  # the rising phase's last step
    if end >= 0:
        assert lrs.index(max(lrs)) in (math.floor(end), math.floor(end) + 1)


RESUMABLE = {
    "ExponentialLR": lambda o, **kw: S.ExponentialLR(o, gamma=0.999, **kw),
    "LambdaLR": lambda o, **kw: S.LambdaLR(o, lr_lambda=lambda epoch: epoch // 30, **kw),
    "MultiplicativeLR": lambda o, **kw: S.MultiplicativeLR(o, lr_lambda=lambda e: 0.95, **kw),
    "StepLR": lambda o, **kw: S.StepLR(o, step_size=30, **kw),
    "MultiStepLR": lambda o, **kw: S.MultiStepLR(o, milestones=[30, 80], **kw),
    "ConstantLR": S.ConstantLR,
    "LinearLR": S.LinearLR,
    "PolynomialLR": S.PolynomialLR,
    "CosineAnnealingLR": lambda o, **kw: S.CosineAnnealingLR(o, T_max=10, **kw),
    "CosineAnnealingWarmRestarts": lambda o, **kw: S.CosineAnnealingWarmRestarts(o, T_0=20, **kw),
    "CyclicLR": lambda o, **kw: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, **kw),
    "OneCycleLR": lambda o, **kw: S.OneCycleLR(o, max_lr=0.01, total_steps=10, **kw),
}


@pytest.mark.parametrize("name", sorted(RESUMABLE))
def test_resuming_from_the_optimizers_checkpoint_keeps_the_lr(name):
    # PyTorch's test_lr_scheduler_checkpoint: the groups carry initial_lr (and max_lr, ...)
    p = tg.Parameter(np.ones(3))
    opt = optim.AdamW([p])
    sched = RESUMABLE[name](opt)
    opt.step()
    sched.step()
    opt2 = optim.AdamW([tg.Parameter(np.ones(3))])
    opt2.load_state_dict(opt.state_dict())
    resumed = RESUMABLE[name](opt2, last_epoch=0)
    assert resumed.get_last_lr()[0] == opt.param_groups[0]["lr"]
