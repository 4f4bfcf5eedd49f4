"""Figures of optimizer runs and of the comparison study (matplotlib, from the ``plot`` extra).

Nothing here imports matplotlib until a figure is drawn. Every function returns a matplotlib
``Figure`` (shown inline by Jupyter; ``fig.savefig("name.png")`` saves it), except the races,
which return a :class:`Race` animation (``.save("race.gif")``, ``.save("race.html")``, shown
as a player in Jupyter). Each method keeps one colour in every figure (:mod:`.style`).

Runs: :func:`paths`, :func:`losses`, :func:`race`, :func:`animate_paths`, :func:`surface`.
The study, drawn only from a Comparison's records (so a saved study can be plotted later):
:func:`ecdf`, :func:`performance_profile`, :func:`sensitivity`, :func:`convergence`,
:func:`basins` (from a Basins grid), :func:`comparison`.
"""

from .basins import basins
from .convergence import convergence
from .ecdf import ecdf
from .endpoints import comparison
from .paths import losses, paths
from .profiles import performance_profile
from .race import Race, animate_paths, race
from .sensitivity import sensitivity
from .style import METHOD_COLORS, method_colors
from .surface import surface

__all__ = [
    "paths", "losses", "race", "animate_paths", "Race", "surface",
    "ecdf", "performance_profile", "sensitivity", "convergence", "basins", "comparison",
    "METHOD_COLORS", "method_colors",
]  # fmt: skip
