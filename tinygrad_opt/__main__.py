"""``python -m tinygrad_opt``: see :mod:`tinygrad_opt.cli`."""

import sys

from .cli import main

sys.exit(main())
