"""Record torch.optim's trajectories for tests/torch_optim_cases.py into tests/data/torch_optim/.

    PYTHONPATH=. python tests/data/record_torch_optim.py

Needs PyTorch (2.13 was used). For every optimizer and configuration it runs STEPS steps in
float64 on the shared deterministic problem, with the gradient computed in NumPy from torch's
current parameters (so both sides see the same numbers), and stores the gradients it fed and
the parameters after every step; for LBFGS, the parameters and the loss after every
``step(closure)``. The tests replay them through tinygrad_opt without PyTorch.
"""

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.torch_optim_cases import (
    CLOSURE_BASED,
    CLOSURE_STEPS,
    CONFIGS,
    STEPS,
    groups,
    initial_params,
    loss_and_grads,
)  # fmt: skip

OUT = Path(__file__).parent / "torch_optim"


def torch_hyper(hyper):
    return {
        k: (torch.tensor(v["tensor"], dtype=torch.float64) if isinstance(v, dict) else v)
        for k, v in hyper.items()
    }


def record(name, hyper):
    params = [torch.tensor(p, requires_grad=True) for p in initial_params(name)]
    members, extras = groups(name, hyper)
    param_groups = [
        {"params": [params[j] for j in m], **torch_hyper(e)}
        for m, e in zip(members, extras, strict=True)
    ]
    opt = getattr(torch.optim, name)(param_groups, **torch_hyper(hyper))
    sign = -1.0 if hyper.get("maximize") else 1.0
    arrays = {}

    def numpy_params():
        return [p.detach().numpy().copy() for p in params]

    if name in CLOSURE_BASED:

        def closure():
            loss, grads = loss_and_grads(numpy_params(), sign)
            for p, g in zip(params, grads, strict=True):
                p.grad = torch.tensor(g)
            return torch.tensor(loss)

        for k in range(CLOSURE_STEPS):
            loss = opt.step(closure)
            arrays[f"loss/{k}"] = np.array(float(loss))
            for j, p in enumerate(numpy_params()):
                arrays[f"param/{k}/{j}"] = p
        return arrays
    for k in range(STEPS):
        _, grads = loss_and_grads(numpy_params(), sign)
        for j, (p, g) in enumerate(zip(params, grads, strict=True)):
            p.grad = torch.tensor(g)
            arrays[f"grad/{k}/{j}"] = g
        opt.step()
        for j, p in enumerate(numpy_params()):
            arrays[f"param/{k}/{j}"] = p
    return arrays


def main():
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(1)
    OUT.mkdir(exist_ok=True)
    for name, configs in CONFIGS.items():
        arrays = {
            "configs": np.array(json.dumps(configs)),
            "torch_version": np.array(torch.__version__),
        }
        for i, hyper in enumerate(configs):
            for key, value in record(name, hyper).items():
                arrays[f"{i}/{key}"] = value
        np.savez_compressed(OUT / f"{name}.npz", **arrays)
        print(f"{name}: {len(configs)} configurations")


if __name__ == "__main__":
    main()
