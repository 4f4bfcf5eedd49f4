"""``tg.functions``: the study's test functions; this name is :mod:`tinygrad_opt.study.functions`."""

import sys

from .study import functions as _functions

sys.modules[__name__] = _functions  # one module under both names, so attributes and patches agree
