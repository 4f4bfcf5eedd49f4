"""Every optimizer against torch.optim's recorded trajectories, in float64, without PyTorch.

``tests/data/record_torch_optim.py`` ran PyTorch 2.13 on the configurations of
``tests/torch_optim_cases.py``; here the same gradients (or the same closure, for LBFGS) go
through our optimizers and every step's parameters must agree to 1e-10.
"""

import json
from pathlib import Path

import numpy as np
import pytest

import tinygrad_opt as tg
from tinygrad_opt import optim

from .torch_optim_cases import (
    CLOSURE_BASED,
    CLOSURE_STEPS,
    CONFIGS,
    STEPS,
    case_id,
    groups,
    initial_params,
    loss_and_grads,
)  # fmt: skip

DATA = Path(__file__).parent / "data" / "torch_optim"
CASES = [(name, i, hyper) for name, configs in CONFIGS.items() for i, hyper in enumerate(configs)]


def _ours(hyper):
    return {k: (tg.Tensor(v["tensor"]) if isinstance(v, dict) else v) for k, v in hyper.items()}


def _recorded(name):
    data = np.load(DATA / f"{name}.npz")
    assert json.loads(str(data["configs"])) == json.loads(json.dumps(CONFIGS[name])), (
        f"{name}: the configurations changed since the recording: run "
        f"tests/data/record_torch_optim.py again"
    )
    return data


@pytest.mark.parametrize("name, index, hyper", CASES, ids=[case_id(*c) for c in CASES])
def test_trajectory_matches_recorded_torch(name, index, hyper):
    data = _recorded(name)
    params = [tg.Parameter(p) for p in initial_params(name)]
    members, extras = groups(name, hyper)
    opt = optim.get(name)(
        [
            {"params": [params[j] for j in m], **_ours(e)}
            for m, e in zip(members, extras, strict=True)
        ],
        **_ours(hyper),
    )
    sign = -1.0 if hyper.get("maximize") else 1.0
    if name in CLOSURE_BASED:

        def closure():
            loss, grads = loss_and_grads([p.numpy() for p in params], sign)
            for p, g in zip(params, grads, strict=True):
                p.grad = tg.Tensor(g)
            return tg.Tensor(loss)

        for k in range(CLOSURE_STEPS):
            loss = opt.step(closure)
            assert float(loss) == pytest.approx(
                float(data[f"{index}/loss/{k}"]), rel=1e-10, abs=1e-10
            )
            for j, p in enumerate(params):
                np.testing.assert_allclose(
                    p.numpy(),
                    data[f"{index}/param/{k}/{j}"],
                    rtol=1e-10,
                    atol=1e-10,
                    err_msg=f"step {k}, parameter {j}",
                )
        return
    for k in range(STEPS):
        for j, p in enumerate(params):
            p.grad = tg.Tensor(data[f"{index}/grad/{k}/{j}"])
        opt.step()
        for j, p in enumerate(params):
            np.testing.assert_allclose(
                p.numpy(),
                data[f"{index}/param/{k}/{j}"],
                rtol=1e-10,
                atol=1e-10,
                err_msg=f"step {k}, parameter {j}",
            )


def test_every_torch_optimizer_we_have_is_recorded():
    torch_names = {
        "SGD",
        "Adagrad",
        "RMSprop",
        "Adam",
        "AdamW",
        "NAdam",
        "RAdam",
        "Adamax",
        "Adadelta",
        "Rprop",
        "ASGD",
        "Adafactor",
        "Muon",
        "LBFGS",
    }
    assert set(CONFIGS) == torch_names
    assert all((DATA / f"{name}.npz").exists() for name in torch_names)
