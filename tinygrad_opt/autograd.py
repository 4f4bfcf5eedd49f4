"""``tg.autograd``: the functional gradient under PyTorch's name, ``tg.autograd.grad``.

It never touches ``.grad``; see :func:`tinygrad_opt.autodiff.autograd_grad`.
"""

from .autodiff import autograd_grad as grad

__all__ = ["grad"]
