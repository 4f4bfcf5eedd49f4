"""Record PyTorch's learning-rate sequences for the scheduler cases into torch_schedulers.json.gz.

Run from the repository root, with PyTorch 2.13 installed::

    PYTHONPATH=. python tests/data/record_torch_schedulers.py

The cases are in ``tests/scheduler_cases.py``; ``tests/test_lr_scheduler.py`` replays them in
tinygrad_opt and compares every step, so the comparison runs where PyTorch is not installed.
Floats are written with ``repr``, which reads back to the same double; the gzip header carries
no time stamp, so recording twice gives the same file.
"""

import gzip
import json
import pathlib
import sys

import torch

from tests.scheduler_cases import CASES, run, torch_backend

OUT = pathlib.Path(__file__).with_name("torch_schedulers.json.gz")


def main():
    backend = torch_backend()
    records = {c["name"]: run(backend, c) for c in CASES}
    text = json.dumps({"torch": torch.__version__, "cases": records}, separators=(",", ":"))
    OUT.write_bytes(gzip.compress(text.encode(), mtime=0))
    print(f"{len(records)} cases from torch {torch.__version__} -> {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
