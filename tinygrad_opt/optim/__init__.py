"""Optimizers with PyTorch's ``torch.optim`` interface, arguments, defaults and update rules.

Each optimizer is a thin class around one update function on NumPy arrays
(``sgd_update``, ``adagrad_update``, ``rmsprop_update``, ``adam_update``), which the post's
loops (:mod:`tinygrad_opt.classic`) and the tests share.
"""

from . import lr_scheduler
from .adagrad import AdaGrad, adagrad_update
from .adam import Adam, AdamW, adam_update
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .rmsprop import RMSProp, rmsprop_update
from .sgd import SGD, sgd_update

# PyTorch's spellings, so that code written for torch.optim reads unchanged
Adagrad = AdaGrad
RMSprop = RMSProp

__all__ = [
    "Optimizer", "SGD", "AdaGrad", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW",
    "sgd_update", "adagrad_update", "rmsprop_update", "adam_update",
    "clip_grad_norm_", "clip_grad_value_", "lr_scheduler",
]  # fmt: skip
