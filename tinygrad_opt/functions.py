"""Classic 2-D test functions for optimizers, with their domains and known minima.

Each is a :class:`TestFunction`: call it on a Tensor (to differentiate) or on an array. The
formulas index ``x[0]`` and ``x[1]`` and reduce over axis 0, so ``f(X)`` for ``X`` of shape
``(2, ...)`` evaluates many points at once (a grid for a contour plot, a batch of runs).

The minima are the literature's values refined with Newton's method on the exact Hessian.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "TestFunction", "post", "rosenbrock", "himmelblau", "rastrigin", "ackley", "beale",
    "styblinski_tang", "six_hump_camel", "goldstein_price", "ALL", "get",
]  # fmt: skip


class TestFunction:
    """A 2-D test function with what is known about it.

    Attributes
    ----------
    name : str
        Short name (``"rosenbrock"``), as used by ``get`` and the command line.
    title : str
        Display name (``"Rosenbrock"``).
    formula : str
        The formula, in plain text.
    domain : ((float, float), (float, float))
        The usual search box, one (low, high) pair per coordinate.
    minima : ndarray, shape (k, 2)
        All global minimisers.
    minimum : float
        The global minimum value f*.
    local_minima : ndarray, shape (m, 2)
        Other local minimisers where known (possibly none).
    smooth_at_minima : bool
        False where f has a kink at its minimum (Ackley), so the gradient is undefined there.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, name, title, formula, func, domain, minima, minimum, local_minima=(),
                 smooth_at_minima=True):
        self.name = name
        self.title = title
        self.formula = formula
        self._func = func
        self.domain = tuple(tuple(float(v) for v in pair) for pair in domain)
        self.minima = np.array(minima, dtype=float).reshape(-1, 2)
        self.minimum = float(minimum)
        self.local_minima = np.array(local_minima, dtype=float).reshape(-1, 2)
        self.smooth_at_minima = smooth_at_minima
        self.__doc__ = f"{title}: {formula}"

    def __call__(self, x):
        return self._func(x)

    def __repr__(self):
        return f"<TestFunction {self.name}: {self.formula}>"


def _post(x):
    x1, x2 = x[0], x[1]
    return np.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5


def _post_gradient(x):
    """The post's hand-written gradient ``gfx``."""
    x1, x2 = x[0], x[1]
    return np.array([np.exp(x1 / 5) / 5 + 10 * x1 - 2 * x2 - 7, 6 * x2 - 2 * x1 - 8])


def _rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def _rastrigin(x):
    return 10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * math.pi * x), axis=0)


def _ackley(x):
    r = np.sqrt(0.5 * (x[0] ** 2 + x[1] ** 2))
    c = 0.5 * (np.cos(2 * math.pi * x[0]) + np.cos(2 * math.pi * x[1]))
    return -20 * np.exp(-0.2 * r) - np.exp(c) + math.e + 20


def _beale(x):
    a, b = x[0], x[1]
    return (1.5 - a + a * b) ** 2 + (2.25 - a + a * b**2) ** 2 + (2.625 - a + a * b**3) ** 2


def _styblinski_tang(x):
    return 0.5 * np.sum(x**4 - 16 * x**2 + 5 * x, axis=0)


def _six_hump_camel(x):
    a, b = x[0], x[1]
    return (4 - 2.1 * a**2 + a**4 / 3) * a**2 + a * b + (-4 + 4 * b**2) * b**2


def _goldstein_price(x):
    a, b = x[0], x[1]
    first = 1 + (a + b + 1) ** 2 * (19 - 14 * a + 3 * a**2 - 14 * b + 6 * a * b + 3 * b**2)
    second = 30 + (2 * a - 3 * b) ** 2 * (18 - 32 * a + 12 * a**2 + 48 * b - 36 * a * b + 27 * b**2)
    return first * second


# the local minima of Rastrigin and Ackley nearest the origin lie at these distances on the axes
_RASTRIGIN_R = 0.9949586376523348
_ACKLEY_R = 0.9521665459501717

post = TestFunction(
    "post", "The post's fx", "exp(x/5) + 5x² + 3y² − 2xy − 7x − 8y + 5", _post,
    [(-10, 10), (-10, 10)], [(1.009491637512431, 1.6698305458374771)], -4.112353204231809,
)  # fmt: skip
post.gradient = _post_gradient
post.minimiser = post.minima[0]

rosenbrock = TestFunction(
    "rosenbrock", "Rosenbrock", "(1 − x)² + 100(y − x²)²", _rosenbrock,
    [(-2, 2), (-1, 3)], [(1, 1)], 0.0,
)  # fmt: skip

himmelblau = TestFunction(
    "himmelblau", "Himmelblau", "(x² + y − 11)² + (x + y² − 7)²", _himmelblau,
    [(-5, 5), (-5, 5)],
    [(3, 2), (-2.805118086952745, 3.131312518250573), (-3.779310253377747, -3.283185991286169),
     (3.5844283403304917, -1.8481265269644036)],
    0.0,
)  # fmt: skip

rastrigin = TestFunction(
    "rastrigin", "Rastrigin", "20 + Σ (xᵢ² − 10 cos 2πxᵢ)", _rastrigin,
    [(-5.12, 5.12), (-5.12, 5.12)], [(0, 0)], 0.0,
    [(r, 0) for r in (_RASTRIGIN_R, -_RASTRIGIN_R)] + [(0, r) for r in (_RASTRIGIN_R, -_RASTRIGIN_R)]
    + [(a, b) for a in (_RASTRIGIN_R, -_RASTRIGIN_R) for b in (_RASTRIGIN_R, -_RASTRIGIN_R)],
)  # fmt: skip

ackley = TestFunction(
    "ackley", "Ackley",
    "−20 exp(−0.2 √(½(x² + y²))) − exp(½(cos 2πx + cos 2πy)) + e + 20", _ackley,
    [(-5, 5), (-5, 5)], [(0, 0)], 0.0,
    [(_ACKLEY_R, 0), (-_ACKLEY_R, 0), (0, _ACKLEY_R), (0, -_ACKLEY_R)],
    smooth_at_minima=False,
)  # fmt: skip

beale = TestFunction(
    "beale", "Beale", "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²", _beale,
    [(-4.5, 4.5), (-4.5, 4.5)], [(3, 0.5)], 0.0,
)  # fmt: skip

styblinski_tang = TestFunction(
    "styblinski_tang", "Styblinski–Tang", "½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ)", _styblinski_tang,
    [(-5, 5), (-5, 5)], [(-2.903534027771177, -2.903534027771177)], -78.33233140754282,
    [(2.7468027709908367, -2.903534027771177), (-2.903534027771177, 2.7468027709908367),
     (2.7468027709908367, 2.7468027709908367)],
)  # fmt: skip

six_hump_camel = TestFunction(
    "six_hump_camel", "Six-hump camel", "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
    _six_hump_camel, [(-3, 3), (-2, 2)],
    [(0.0898420131003181, -0.7126564030207396), (-0.0898420131003181, 0.7126564030207396)],
    -1.0316284534898774,
    [(1.7036067149699807, -0.7960835686726251), (-1.7036067149699807, 0.7960835686726251),
     (1.6071047529201974, 0.5686514548841314), (-1.6071047529201974, -0.5686514548841314)],
)  # fmt: skip

goldstein_price = TestFunction(
    "goldstein_price", "Goldstein–Price",
    "[1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
    _goldstein_price, [(-2, 2), (-2, 2)], [(0, -1)], 3.0,
    [(-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)],
)  # fmt: skip

ALL = {f.name: f for f in (post, rosenbrock, himmelblau, rastrigin, ackley, beale,
                            styblinski_tang, six_hump_camel, goldstein_price)}  # fmt: skip


def get(name):
    """The test function called ``name`` (or the function itself, if one is given).

    Raises ValueError naming the known functions for an unknown name.
    """
    if isinstance(name, TestFunction):
        return name
    try:
        return ALL[name]
    except KeyError:
        raise ValueError(f"unknown test function {name!r}; choose from {', '.join(ALL)}") from None
