"""Optimizers with PyTorch's ``torch.optim`` interface, arguments, defaults and update rules.

Each optimizer is a thin class around one update function on NumPy arrays (``sgd_update``,
``adam_update``, ...), which the post's loops (:mod:`tinygrad_opt.classic`) and the tests share.
``Lion`` and ``Newton`` go beyond ``torch.optim``. :func:`get` finds a class by name
(case-insensitive) and :func:`available` lists the names.
"""

from . import lr_scheduler
from .adadelta import Adadelta, adadelta_update
from .adafactor import Adafactor, adafactor_update
from .adagrad import AdaGrad, adagrad_update
from .adam import Adam, AdamW, adam_update
from .adamax import Adamax, adamax_update
from .asgd import ASGD, asgd_update
from .clip import clip_grad_norm_, clip_grad_value_
from .lbfgs import LBFGS
from .lion import Lion, lion_update
from .muon import Muon, muon_update, newton_schulz
from .nadam import NAdam, nadam_update
from .newton import Newton
from .optimizer import Optimizer
from .radam import RAdam, radam_update
from .rmsprop import RMSProp, rmsprop_update
from .rprop import Rprop, rprop_update
from .sgd import SGD, sgd_update

# PyTorch's spellings, so that code written for torch.optim reads unchanged
Adagrad = AdaGrad
RMSprop = RMSProp

# every optimizer by lower-case name; the PyTorch spellings fold onto the same names
_REGISTRY = {
    cls.__name__.lower(): cls
    for cls in (SGD, AdaGrad, RMSProp, Adam, AdamW, NAdam, RAdam, Adamax, Adadelta, Rprop, ASGD,
                Adafactor, Muon, LBFGS, Lion, Newton)
}  # fmt: skip


def available():
    """The names :func:`get` (and ``tg.minimize(method=...)``) accept, lower case, sorted."""
    return sorted(_REGISTRY)


def get(name):
    """The optimizer class called ``name`` (case-insensitive: "adam", "LBFGS", "RMSprop").

    An Optimizer subclass is returned as it is. ValueError, listing the names, otherwise.
    """
    if isinstance(name, type) and issubclass(name, Optimizer):
        return name
    if isinstance(name, str) and name.lower() in _REGISTRY:
        return _REGISTRY[name.lower()]
    raise ValueError(
        f"unknown optimizer {name!r}; choose from {', '.join(available())} or an Optimizer class"
    )


__all__ = [
    "Optimizer", "SGD", "AdaGrad", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW", "NAdam",
    "RAdam", "Adamax", "Adadelta", "Rprop", "ASGD", "Adafactor", "Muon", "LBFGS", "Lion", "Newton",
    "sgd_update", "adagrad_update", "rmsprop_update", "adam_update", "nadam_update",
    "radam_update", "adamax_update", "adadelta_update", "rprop_update", "asgd_update",
    "adafactor_update", "muon_update", "newton_schulz", "lion_update",
    "clip_grad_norm_", "clip_grad_value_", "lr_scheduler", "get", "available",
]  # fmt: skip
