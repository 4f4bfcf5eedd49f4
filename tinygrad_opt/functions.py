"""``tg.functions``: the study's test functions (defined in :mod:`tinygrad_opt.study.functions`)."""

from .study.functions import *  # noqa: F403
from .study.functions import __all__  # noqa: F401
