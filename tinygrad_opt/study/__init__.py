"""The comparison study: test functions, the fair protocol that runs the optimizers on them,
statistics, records that save and load, and basin-of-attraction grids."""

from . import functions, stats
from .basins import Basins, basins
from .records import Comparison
from .runner import compare

__all__ = ["functions", "stats", "compare", "Comparison", "basins", "Basins"]
