"""Schedulers against PyTorch's closed-form formulas."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_opt as tg
from tinygrad_opt import optim
from tinygrad_opt.optim import lr_scheduler


def _opt(lr=0.1):
    return optim.SGD([tg.Parameter([1.0])], lr=lr)


def _run(make, epochs):
    opt = _opt()
    sched = make(opt)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(epochs):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    return lrs


@given(st.integers(1, 5), st.floats(0.1, 0.9))
def test_step_lr(step_size, gamma):
    lrs = _run(lambda o: lr_scheduler.StepLR(o, step_size, gamma), 12)
    for epoch, lr in enumerate(lrs):
        assert lr == pytest.approx(0.1 * gamma ** (epoch // step_size), rel=1e-12)


@given(st.floats(0.5, 0.99))
def test_exponential_lr(gamma):
    lrs = _run(lambda o: lr_scheduler.ExponentialLR(o, gamma), 10)
    for epoch, lr in enumerate(lrs):
        assert lr == pytest.approx(0.1 * gamma**epoch, rel=1e-12)


@given(st.integers(1, 8), st.floats(0.0, 0.05))
def test_cosine_annealing_follows_the_closed_form_over_two_periods(t_max, eta_min):
    lrs = _run(lambda o: lr_scheduler.CosineAnnealingLR(o, t_max, eta_min), 4 * t_max)
    for epoch, lr in enumerate(lrs):
        expected = eta_min + (0.1 - eta_min) * (1 + math.cos(math.pi * epoch / t_max)) / 2
        assert lr == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_lambda_lr():
    lrs = _run(lambda o: lr_scheduler.LambdaLR(o, lambda e: 1 / (e + 1)), 4)
    assert lrs == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025, 0.02])


def test_reduce_on_plateau():
    opt = _opt(1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    history = []
    for metric in [5, 4, 4, 4, 4, 4, 4, 4, 3]:
        sched.step(metric)
        history.append(sched.get_last_lr()[0])
    # two bad epochs are tolerated and the third halves the rate; the cooldown epoch resets the
    # count, so two more bad epochs pass before 3 improves on the best
    assert history == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5]


def test_reduce_on_plateau_exact_sequence_and_min_lr():
    opt = _opt(1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.1, patience=0, min_lr=0.005)
    out = []
    for metric in [1.0, 1.0, 1.0, 1.0]:
        sched.step(metric)
        out.append(sched.get_last_lr()[0])
    assert out == pytest.approx([1.0, 0.1, 0.01, 0.005])


def test_scheduler_state_dict_round_trip(tmp_path):
    opt = _opt()
    sched = lr_scheduler.StepLR(opt, 2, 0.5)
    for _ in range(3):
        sched.step()
    tg.save(sched.state_dict(), tmp_path / "s.npz")
    opt2 = _opt()
    sched2 = lr_scheduler.StepLR(opt2, 2, 0.5)
    sched2.load_state_dict(tg.load(tmp_path / "s.npz"))
    assert sched2.last_epoch == 3 and sched2.get_last_lr() == sched.get_last_lr()


def test_bad_scheduler_arguments():
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(_opt(), 0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(_opt(), -1)
    with pytest.raises(TypeError, match="Optimizer"):
        lr_scheduler.ExponentialLR(object(), 0.9)
    with pytest.raises(ValueError, match="factor"):
        lr_scheduler.ReduceLROnPlateau(_opt(), factor=1.5)
