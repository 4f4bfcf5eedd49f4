"""Test functions for optimizers, with their domains and known minima.

Each is a :class:`TestFunction`: call it on a Tensor (to differentiate) or on an array. The
formulas index ``x[0]``, ``x[1]``, ... and reduce over axis 0, so ``f(X)`` for ``X`` of shape
``(n, ...)`` evaluates many points at once (a grid for a contour plot, a batch of runs).

Sources: Surjanovic & Bingham, *Virtual Library of Simulation Experiments: Test Functions and
Datasets* (sfu.ca/~ssurjano), and Jamil & Yang, *A literature survey of benchmark functions for
global optimization problems* (2013, arXiv:1308.4008). Published minimisers are rounded (a
Schwefel point given to four decimals is off in f by ~1e-5), so every listed minimiser is
refined by Newton's method on our own gradient and Hessian,
$x \\leftarrow x - H(x)^{-1} \\nabla f(x)$, when first used; f* is f at the refined global
minimiser.

- :func:`get` ``(name, dim=None, instance=0)``: a built-in function, in ``dim`` dimensions for
  the scalable ones, and as a seeded shifted and rotated *instance* (instance 0 is the textbook
  function): $g(x) = f(c + Q(x - c - s))$ for a random rotation $Q$ and shift $s$, whose
  minimisers $x^* = c + s + Q^\\top (y^* - c)$ move with it.
- :func:`custom` ``(f, domain, minima=None, f_star=None)``: a function of your own.
"""

from __future__ import annotations

import functools
import math
import numbers
import zlib

import numpy as np

__all__ = [
    "TestFunction", "get", "custom", "names", "refine", "ALL", "SCALABLE",
    "post", "rosenbrock", "himmelblau", "rastrigin", "ackley", "beale", "styblinski_tang",
    "six_hump_camel", "goldstein_price", "sphere", "booth", "matyas", "three_hump_camel",
    "easom", "levy", "griewank", "schwefel", "michalewicz", "zakharov", "dixon_price",
    "bohachevsky", "branin", "cross_in_tray", "eggholder", "holder_table", "drop_wave",
    "mccormick", "shubert",
]  # fmt: skip

PI = math.pi


class TestFunction:
    """A test function with what is known about it.

    Attributes
    ----------
    name : str
        Short name (``"rosenbrock"``), as used by :func:`get` and the command line.
    title, formula : str
        Display name and the formula in plain text.
    dim : int
        Number of variables n.
    instance : int
        0 for the textbook function, k > 0 for a shifted and rotated copy.
    domain : tuple of (float, float)
        The search box, one (low, high) pair per coordinate; random starts are drawn in it.
    bound : tuple of (float, float)
        A run that leaves this box has diverged: the domain widened by its width on each side.
        For a ``constrained`` function it is the domain itself, and iterates are projected
        onto it instead: these functions reach f* or lower values just outside their domain
        (Schwefel, Eggholder, Hölder table and McCormick go lower; Branin and Shubert repeat
        their minima periodically).
    minima : ndarray, shape (k, n)
        The global minimisers (refined).
    local_minima : ndarray, shape (m, n)
        Other local minimisers that matter (refined; possibly none).
    all_minima : ndarray, shape (k + m, n)
        ``minima`` then ``local_minima``: the list a study's ``minimum`` index points into.
    minimum, f_star : float
        The global minimum value f*.
    smooth_at_minima : bool
        False where our gradient is undefined at the global minimiser (a kink or a square root
        of zero, as in Ackley's and Drop-wave's origin).
    constrained : bool
        The domain is a constraint (iterates are projected onto it), see ``bound``.
    """

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, name, title, formula, func, domain, minima=(), f_star=None,
                 local_minima=(), smooth_at_minima=True, constrained=False, instance=0,
                 refined=False, published_f_star=None, vectorized=True):  # fmt: skip
        self.name = name
        self.title = title
        self.formula = formula
        self._func = func
        self.domain = _check_domain(domain, name)
        self.dim = len(self.domain)
        self.instance = instance
        self.constrained = bool(constrained)
        self.smooth_at_minima = smooth_at_minima
        self.vectorized = vectorized
        self.published_f_star = published_f_star
        self._raw_minima = _points(minima, self.dim, "minima", name)
        self._raw_local = _points(local_minima, self.dim, "local_minima", name)
        self._given_f_star = None if f_star is None else float(f_star)
        self._refined = None if not refined else (self._raw_minima, self._raw_local)
        # a fast ``value_and_grad(X)`` on columns, used by the study when set (built-ins set it)
        self.value_and_grad = None
        self.__doc__ = f"{title}: {formula}"

    # -- evaluation -----------------------------------------------------------------------------

    def __call__(self, x):
        return self._func(x)

    def __repr__(self):
        extra = f", dim={self.dim}" + (f", instance={self.instance}" if self.instance else "")
        return f"<TestFunction {self.name}{extra}: {self.formula}>"

    def __reduce__(self):
        # built-in functions travel to worker processes by name; custom ones as they are
        if self.name in _SPECS and self._func is not None and getattr(self, "_builtin", False):
            return (get, (self.name, self.dim, self.instance))
        return object.__reduce__(self)

    # -- bounds ---------------------------------------------------------------------------------

    @property
    def bound(self):
        """The box a run must stay in (see the class docstring)."""
        if self.constrained:
            return self.domain
        return tuple((lo - (hi - lo), hi + (hi - lo)) for lo, hi in self.domain)

    # -- minima (refined on first use) ----------------------------------------------------------

    def _refine_all(self):
        if self._refined is None:
            smooth = self.smooth_at_minima
            glob = np.array([refine(self, m) if smooth else m for m in self._raw_minima])
            loc = np.array([refine(self, m) for m in self._raw_local])
            self._refined = (glob.reshape(-1, self.dim), loc.reshape(-1, self.dim))
        return self._refined

    @property
    def minima(self):
        """The global minimisers, shape (k, n), refined by Newton's method."""
        return self._refine_all()[0]

    @property
    def local_minima(self):
        """Other local minimisers that matter, shape (m, n), refined."""
        return self._refine_all()[1]

    @property
    def all_minima(self):
        """Global then local minimisers: the list a study's ``minimum`` index points into."""
        glob, loc = self._refine_all()
        return np.concatenate([glob, loc]) if len(loc) else glob

    @functools.cached_property
    def minimum(self):
        """The global minimum value f*: f at the refined global minimiser (or as given)."""
        if self._given_f_star is not None:
            return self._given_f_star
        if not len(self._raw_minima):
            return None
        return float(min(float(self(m)) for m in self.minima))

    @property
    def f_star(self):
        """The global minimum value (the same as ``minimum``)."""
        return self.minimum

    @property
    def minimiser(self):
        """The first global minimiser (the post's name for it)."""
        return self.minima[0]

    def info(self):
        """A JSON-ready description: title, domain, minima (global then local), values, f*."""
        return {
            "title": self.title, "dim": self.dim, "instance": self.instance,
            "domain": [list(p) for p in self.domain],
            "minima": self.all_minima.tolist(), "n_global": len(self.minima),
            "values": [float(self(m)) for m in self.all_minima], "f_star": self.minimum,
            "constrained": self.constrained,
        }  # fmt: skip


def _check_domain(domain, name):
    try:
        box = [tuple(float(v) for v in pair) for pair in domain]
    except (TypeError, ValueError):
        raise ValueError(
            f"{name}: domain must be a list of (low, high) pairs, got {domain!r}"
        ) from None
    if not box or any(len(pair) != 2 for pair in box):
        raise ValueError(
            f"{name}: domain must be a non-empty list of (low, high) pairs, got {domain!r}"
        )
    for i, (lo, hi) in enumerate(box):
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
            raise ValueError(f"{name}: domain[{i}] = ({lo}, {hi}) needs finite low < high")
    return tuple(box)


def _points(points, dim, what, name):
    a = np.array(points, dtype=float)
    if a.size == 0:
        return np.zeros((0, dim))
    a = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
    if a.shape[1] != dim:
        raise ValueError(f"{name}: {what} must have {dim} coordinates each, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: {what} must be finite, got {a.tolist()}")
    return a


def refine(f, x, max_steps=30):
    """Newton's method from ``x`` on f's own gradient and Hessian (autodiff), to machine precision.

    Coordinates sitting on an edge of f's domain stay there (the minimum of Eggholder lies on
    the edge, where the gradient points outward). Raises ValueError when Newton moves the point
    by more than 1% of the domain: then ``x`` was not close to a minimiser.
    """
    from ..autodiff import grad, hessian  # the study uses autodiff; autodiff never imports study

    x = np.array(x, dtype=float)
    start = x.copy()
    lo = np.array([p[0] for p in f.domain])
    hi = np.array([p[1] for p in f.domain])
    free = ~(np.isclose(x, lo, rtol=0, atol=1e-12) | np.isclose(x, hi, rtol=0, atol=1e-12))
    g_f, h_f = grad(f), hessian(f)
    for _ in range(max_steps):
        g = g_f(x)[free]
        if not np.all(np.isfinite(g)) or not np.any(g):
            break
        h = h_f(x)[np.ix_(free, free)]
        step = np.linalg.lstsq(h, g, rcond=None)[0]
        x_new = x.copy()
        x_new[free] -= step
        if np.array_equal(x_new, x):
            break
        x = x_new
        if np.max(np.abs(step)) <= 1e-15 * (1 + np.max(np.abs(x))):
            break
    if np.max(np.abs(x - start) / (hi - lo)) > 1e-2:
        raise ValueError(
            f"{f.name}: Newton moved the listed minimiser {start.tolist()} to "
            f"{x.tolist()}; the listed point is not near a minimiser"
        )
    return x


# -- formulas (n-D where the function is scalable; x has shape (n, ...)) --------------------------


def _abs(x):
    """|x|, also for the complex inputs of the complex-step gradient (where it is ±x, the
    analytic branch; np.abs would return the modulus and lose the derivative)."""
    if isinstance(x, np.ndarray) and np.iscomplexobj(x):
        return np.where(x.real < 0, -x, x)
    return np.abs(x)


class ComplexStep:
    """Value and gradient of a built-in function on the columns of X by the complex step.

    $\\partial f/\\partial x_j = \\operatorname{Im} f(x + i h e_j) / h$ with $h = 10^{-100}$: exact
    to rounding (no difference is taken), for formulas that are analytic where evaluated. All
    n perturbations of all S columns go through one vectorized call of f, which makes the
    study's runs fast; the tests check it against reverse-mode autodiff for every function.
    """

    H = 1e-100

    def __init__(self, func, dim):
        self.func, self.dim = func, dim

    def __call__(self, X):
        n, count = X.shape
        Z = np.repeat(X[:, None, :], n, axis=1).astype(complex)  # (n coords, n perturbations, S)
        Z[np.arange(n), np.arange(n), :] += 1j * self.H
        out = np.asarray(self.func(Z.reshape(n, n * count))).reshape(n, count)
        return out.real[0].copy(), out.imag / self.H


def _weights(x, values):
    """``values`` (one per coordinate) shaped to broadcast against x of shape (n, ...)."""
    return np.asarray(values, dtype=float).reshape((len(values),) + (1,) * (np.ndim(x) - 1))


def _post(x):
    x1, x2 = x[0], x[1]
    return np.exp(x1 / 5) + 5 * x1**2 + 3 * x2**2 - 2 * x1 * x2 - 7 * x1 - 8 * x2 + 5


def _post_gradient(x):
    """The post's hand-written gradient ``gfx``."""
    x1, x2 = x[0], x[1]
    return np.array([np.exp(x1 / 5) / 5 + 10 * x1 - 2 * x2 - 7, 6 * x2 - 2 * x1 - 8])


def _rosenbrock(x):
    if len(x) == 2:  # the textbook form, term by term
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2, axis=0)


def _himmelblau(x):
    return (x[0] ** 2 + x[1] - 11) ** 2 + (x[0] + x[1] ** 2 - 7) ** 2


def _rastrigin(x):
    return 10 * len(x) + np.sum(x**2 - 10 * np.cos(2 * PI * x), axis=0)


def _ackley(x):
    n = len(x)
    if n == 2:
        r = np.sqrt(0.5 * (x[0] ** 2 + x[1] ** 2))
        c = 0.5 * (np.cos(2 * PI * x[0]) + np.cos(2 * PI * x[1]))
    else:
        r = np.sqrt(np.sum(x**2, axis=0) / n)
        c = np.sum(np.cos(2 * PI * x), axis=0) / n
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


def _sphere(x):
    return np.sum(x**2, axis=0)


def _booth(x):
    return (x[0] + 2 * x[1] - 7) ** 2 + (2 * x[0] + x[1] - 5) ** 2


def _matyas(x):
    return 0.26 * (x[0] ** 2 + x[1] ** 2) - 0.48 * x[0] * x[1]


def _three_hump_camel(x):
    a, b = x[0], x[1]
    return 2 * a**2 - 1.05 * a**4 + a**6 / 6 + a * b + b**2


def _easom(x):
    a, b = x[0], x[1]
    return -np.cos(a) * np.cos(b) * np.exp(-((a - PI) ** 2) - (b - PI) ** 2)


def _levy(x):
    w = 1 + (x - 1) / 4
    first = np.sin(PI * w[0]) ** 2
    last = (w[-1] - 1) ** 2 * (1 + np.sin(2 * PI * w[-1]) ** 2)
    middle = np.sum((w[:-1] - 1) ** 2 * (1 + 10 * np.sin(PI * w[:-1] + 1) ** 2), axis=0)
    return first + middle + last


def _griewank(x):
    product = np.cos(x[0])
    for i in range(1, len(x)):
        product = product * np.cos(x[i] / math.sqrt(i + 1))
    return np.sum(x**2, axis=0) / 4000 - product + 1


def _schwefel(x):
    return 418.9829 * len(x) - np.sum(x * np.sin(np.sqrt(_abs(x))), axis=0)


def _michalewicz(x):
    i = _weights(x, np.arange(1, len(x) + 1))
    return -np.sum(np.sin(x) * np.sin(i * x**2 / PI) ** 20, axis=0)


def _zakharov(x):
    s = np.sum(0.5 * _weights(x, np.arange(1, len(x) + 1)) * x, axis=0)
    return np.sum(x**2, axis=0) + s**2 + s**4


def _dixon_price(x):
    i = _weights(x, np.arange(2, len(x) + 1))
    return (x[0] - 1) ** 2 + np.sum(i * (2 * x[1:] ** 2 - x[:-1]) ** 2, axis=0)


def _bohachevsky(x):
    a, b = x[0], x[1]
    return a**2 + 2 * b**2 - 0.3 * np.cos(3 * PI * a) - 0.4 * np.cos(4 * PI * b) + 0.7


def _branin(x):
    a, b = x[0], x[1]
    return ((b - 5.1 / (4 * PI**2) * a**2 + 5 / PI * a - 6) ** 2
            + 10 * (1 - 1 / (8 * PI)) * np.cos(a) + 10)  # fmt: skip


def _cross_in_tray(x):
    a, b = x[0], x[1]
    inner = _abs(np.sin(a) * np.sin(b) * np.exp(_abs(100 - np.sqrt(a**2 + b**2) / PI)))
    return -0.0001 * (inner + 1) ** 0.1


def _eggholder(x):
    a, b = x[0], x[1]
    return (-(b + 47) * np.sin(np.sqrt(_abs(a / 2 + b + 47)))
            - a * np.sin(np.sqrt(_abs(a - (b + 47)))))  # fmt: skip


def _holder_table(x):
    a, b = x[0], x[1]
    return -_abs(np.sin(a) * np.cos(b) * np.exp(_abs(1 - np.sqrt(a**2 + b**2) / PI)))


def _drop_wave(x):
    r2 = x[0] ** 2 + x[1] ** 2
    return -(1 + np.cos(12 * np.sqrt(r2))) / (0.5 * r2 + 2)


def _mccormick(x):
    a, b = x[0], x[1]
    return np.sin(a + b) + (a - b) ** 2 - 1.5 * a + 2.5 * b + 1


def _shubert_factor(t):
    return sum(i * np.cos((i + 1) * t + i) for i in range(1, 6))


def _shubert(x):
    return _shubert_factor(x[0]) * _shubert_factor(x[1])


# -- minima that take a computation ---------------------------------------------------------------


def _shubert_minima():
    """Shubert's 18 global minimisers in [−10, 10]²: (u, v) with u at a maximum and v at a
    minimum of the 1-D factor, or the reverse (the factor is 2π-periodic, 3 of each)."""
    t = np.linspace(-10, 10, 200001)
    g = _shubert_factor(t)
    top, bottom = [], []
    for arr, extreme, keep in ((g, g.max(), top), (-g, -g.min(), bottom)):
        idx = np.flatnonzero((arr[1:-1] >= arr[:-2]) & (arr[1:-1] >= arr[2:])) + 1
        keep += [t[i] for i in idx if arr[i] > extreme - 1e-3]
    pts = [(u, v) for u in top for v in bottom] + [(v, u) for u in top for v in bottom]
    return sorted(pts)


# -- the registry -------------------------------------------------------------------------------


def _repeat(pair, dim):
    return [pair] * dim


def _nd(value, dim):
    return [[value] * dim]


# name -> (title, formula, func, domain(dim), minima(dim), locals(dim), published f*, options)
# where dim is None for 2-D-only functions (their spec ignores it).
_SPECS: dict = {}


def _spec(name, title, formula, func, domain, minima, published, local=None, scalable=False,
          **options):  # fmt: skip
    _SPECS[name] = dict(
        title=title, formula=formula, func=func, domain=domain, minima=minima, published=published,
        local=local or (lambda d: ()), scalable=scalable, options=options,
    )  # fmt: skip


_RASTRIGIN_R = 0.9949586376523348
_ACKLEY_R = 0.9521665459501717
_ST = -2.903534027771177  # Styblinski–Tang's minimiser in each coordinate
_ST_LOCAL = 2.7468027709908367


def _dixon_price_minima(d):
    x = [2.0 ** (-(2.0**i - 2) / 2.0**i) for i in range(1, d + 1)]
    other = x[:-1] + [-x[-1]]
    return [x, other] if d > 1 else [x]


_spec(
    "post",
    "The post's fx",
    "exp(x/5) + 5x² + 3y² − 2xy − 7x − 8y + 5",
    _post,
    lambda d: _repeat((-10, 10), 2),
    lambda d: [(1.009491637512431, 1.6698305458374771)],
    -4.112353204231809,
)
_spec(
    "rosenbrock",
    "Rosenbrock",
    "Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)²",
    _rosenbrock,
    lambda d: [(-2, 2)] + _repeat((-1, 3), d - 1),
    lambda d: _nd(1.0, d),
    0.0,
    scalable=True,
)
_spec(
    "himmelblau",
    "Himmelblau",
    "(x² + y − 11)² + (x + y² − 7)²",
    _himmelblau,
    lambda d: _repeat((-5, 5), 2),
    lambda d: [
        (3, 2),
        (-2.805118086952745, 3.131312518250573),
        (-3.779310253377747, -3.283185991286169),
        (3.5844283403304917, -1.8481265269644036),
    ],
    0.0,
)
_spec(
    "rastrigin",
    "Rastrigin",
    "10n + Σ (xᵢ² − 10 cos 2πxᵢ)",
    _rastrigin,
    lambda d: _repeat((-5.12, 5.12), d),
    lambda d: _nd(0.0, d),
    0.0,
    scalable=True,
    local=lambda d: (
        ()
        if d != 2
        else (
            [(r, 0) for r in (_RASTRIGIN_R, -_RASTRIGIN_R)]
            + [(0, r) for r in (_RASTRIGIN_R, -_RASTRIGIN_R)]
            + [(a, b) for a in (_RASTRIGIN_R, -_RASTRIGIN_R) for b in (_RASTRIGIN_R, -_RASTRIGIN_R)]
        )
    ),
)
_spec(
    "ackley",
    "Ackley",
    "−20 exp(−0.2 √(Σxᵢ²/n)) − exp(Σ cos(2πxᵢ)/n) + e + 20",
    _ackley,
    lambda d: _repeat((-5, 5), d),
    lambda d: _nd(0.0, d),
    0.0,
    scalable=True,
    local=lambda d: (
        () if d != 2 else [(_ACKLEY_R, 0), (-_ACKLEY_R, 0), (0, _ACKLEY_R), (0, -_ACKLEY_R)]
    ),
    smooth_at_minima=False,
)
_spec(
    "beale",
    "Beale",
    "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
    _beale,
    lambda d: _repeat((-4.5, 4.5), 2),
    lambda d: [(3, 0.5)],
    0.0,
)
_spec(
    "styblinski_tang",
    "Styblinski–Tang",
    "½ Σ (xᵢ⁴ − 16xᵢ² + 5xᵢ)",
    _styblinski_tang,
    lambda d: _repeat((-5, 5), d),
    lambda d: _nd(_ST, d),
    -39.16616570377142,
    scalable=True,
    local=lambda d: () if d != 2 else [(_ST_LOCAL, _ST), (_ST, _ST_LOCAL), (_ST_LOCAL, _ST_LOCAL)],
)
_spec(
    "six_hump_camel",
    "Six-hump camel",
    "(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
    _six_hump_camel,
    lambda d: [(-3, 3), (-2, 2)],
    lambda d: [
        (0.0898420131003181, -0.7126564030207396),
        (-0.0898420131003181, 0.7126564030207396),
    ],
    -1.0316284534898774,
    local=lambda d: [
        (1.7036067149699807, -0.7960835686726251),
        (-1.7036067149699807, 0.7960835686726251),
        (1.6071047529201974, 0.5686514548841314),
        (-1.6071047529201974, -0.5686514548841314),
    ],
)
_spec(
    "goldstein_price",
    "Goldstein–Price",
    "[1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x−3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
    _goldstein_price,
    lambda d: _repeat((-2, 2), 2),
    lambda d: [(0, -1)],
    3.0,
    local=lambda d: [(-0.6, -0.4), (1.8, 0.2), (1.2, 0.8)],
)
_spec(
    "sphere",
    "Sphere",
    "Σ xᵢ²",
    _sphere,
    lambda d: _repeat((-5.12, 5.12), d),
    lambda d: _nd(0.0, d),
    0.0,
    scalable=True,
)
_spec(
    "booth",
    "Booth",
    "(x + 2y − 7)² + (2x + y − 5)²",
    _booth,
    lambda d: _repeat((-10, 10), 2),
    lambda d: [(1, 3)],
    0.0,
)
_spec(
    "matyas",
    "Matyas",
    "0.26(x² + y²) − 0.48xy",
    _matyas,
    lambda d: _repeat((-10, 10), 2),
    lambda d: [(0, 0)],
    0.0,
)
_spec(
    "three_hump_camel",
    "Three-hump camel",
    "2x² − 1.05x⁴ + x⁶/6 + xy + y²",
    _three_hump_camel,
    lambda d: _repeat((-5, 5), 2),
    lambda d: [(0, 0)],
    0.0,
    local=lambda d: [(1.7475523, -0.8737761), (-1.7475523, 0.8737761)],
)
_spec(
    "easom",
    "Easom",
    "−cos x cos y exp(−(x − π)² − (y − π)²)",
    _easom,
    lambda d: _repeat((-100, 100), 2),
    lambda d: [(PI, PI)],
    -1.0,
)
_spec(
    "levy",
    "Levy",
    "sin²(πw₁) + Σ (wᵢ − 1)²(1 + 10 sin²(πwᵢ + 1)) + (w_n − 1)²(1 + sin²(2πw_n)), w = 1 + (x − 1)/4",
    _levy,
    lambda d: _repeat((-10, 10), d),
    lambda d: _nd(1.0, d),
    0.0,
    scalable=True,
)
_spec(
    "griewank",
    "Griewank",
    "Σ xᵢ²/4000 − Π cos(xᵢ/√i) + 1",
    _griewank,
    lambda d: _repeat((-600, 600), d),
    lambda d: _nd(0.0, d),
    0.0,
    scalable=True,
)
_spec(
    "schwefel",
    "Schwefel",
    "418.9829 n − Σ xᵢ sin √|xᵢ|",
    _schwefel,
    lambda d: _repeat((-500, 500), d),
    lambda d: _nd(420.9687, d),
    0.0,
    scalable=True,
    constrained=True,
)
_spec(
    "michalewicz",
    "Michalewicz",
    "−Σ sin(xᵢ) sin²⁰(i xᵢ²/π)",
    _michalewicz,
    lambda d: _repeat((0, PI), 2),
    lambda d: [(2.20290552, 1.57079633)],
    -1.8013,
)
_spec(
    "zakharov",
    "Zakharov",
    "Σ xᵢ² + (Σ ½ i xᵢ)² + (Σ ½ i xᵢ)⁴",
    _zakharov,
    lambda d: _repeat((-5, 10), d),
    lambda d: _nd(0.0, d),
    0.0,
    scalable=True,
)
_spec(
    "dixon_price",
    "Dixon–Price",
    "(x₁ − 1)² + Σ i (2xᵢ² − xᵢ₋₁)²",
    _dixon_price,
    lambda d: _repeat((-10, 10), d),
    _dixon_price_minima,
    0.0,
    scalable=True,
)
_spec(
    "bohachevsky",
    "Bohachevsky",
    "x² + 2y² − 0.3 cos 3πx − 0.4 cos 4πy + 0.7",
    _bohachevsky,
    lambda d: _repeat((-100, 100), 2),
    lambda d: [(0, 0)],
    0.0,
)
_spec(
    "branin",
    "Branin",
    "(y − 5.1x²/(4π²) + 5x/π − 6)² + 10(1 − 1/(8π)) cos x + 10",
    _branin,
    lambda d: [(-5, 10), (0, 15)],
    lambda d: [(-PI, 12.275), (PI, 2.275), (9.42478, 2.475)],
    0.397887,
    constrained=True,
)
_spec(
    "cross_in_tray",
    "Cross-in-tray",
    "−0.0001(|sin x sin y exp|100 − √(x² + y²)/π|| + 1)^0.1",
    _cross_in_tray,
    lambda d: _repeat((-10, 10), 2),
    lambda d: [(a, b) for a in (1.3491, -1.3491) for b in (1.3491, -1.3491)],
    -2.06261,
)
_spec(
    "eggholder",
    "Eggholder",
    "−(y + 47) sin √|x/2 + y + 47| − x sin √|x − (y + 47)|",
    _eggholder,
    lambda d: _repeat((-512, 512), 2),
    lambda d: [(512, 404.2319)],
    -959.6407,
    constrained=True,
)
_spec(
    "holder_table",
    "Hölder table",
    "−|sin x cos y exp|1 − √(x² + y²)/π||",
    _holder_table,
    lambda d: _repeat((-10, 10), 2),
    lambda d: [(a, b) for a in (8.05502, -8.05502) for b in (9.66459, -9.66459)],
    -19.2085,
    constrained=True,
)
_spec(
    "drop_wave",
    "Drop-wave",
    "−(1 + cos 12√(x² + y²)) / (½(x² + y²) + 2)",
    _drop_wave,
    lambda d: _repeat((-5.12, 5.12), 2),
    lambda d: [(0, 0)],
    -1.0,
    smooth_at_minima=False,
)
_spec(
    "mccormick",
    "McCormick",
    "sin(x + y) + (x − y)² − 1.5x + 2.5y + 1",
    _mccormick,
    lambda d: [(-1.5, 4), (-3, 4)],
    lambda d: [(-0.54719, -1.54719)],
    -1.9133,
    constrained=True,
)
_spec(
    "shubert",
    "Shubert",
    "(Σᵢ i cos((i+1)x + i)) · (Σᵢ i cos((i+1)y + i)), i = 1..5",
    _shubert,
    lambda d: _repeat((-10, 10), 2),
    lambda d: _shubert_minima(),
    -186.7309,
    constrained=True,
)

SCALABLE = tuple(name for name, s in _SPECS.items() if s["scalable"])


def names(dim=2):
    """The built-in functions available in ``dim`` dimensions (all of them for 2)."""
    return [n for n, s in _SPECS.items() if dim == 2 or s["scalable"]]


def _rotation(rng, dim):
    """A uniformly random rotation (Haar measure: QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q


class _Instance:
    """g(x) = f(c + Q(x − c − s)): f seen in rotated and shifted coordinates (picklable)."""

    def __init__(self, func, q, centre, shift):
        self.func, self.q, self.centre, self.offset = func, q, centre, centre + shift

    def __call__(self, x):
        n = self.q.shape[0]
        shape = np.shape(x)
        flat = x.reshape(n, -1) if len(shape) != 1 else x.reshape(n, 1)
        c = self.centre.reshape(n, 1)
        y = c + self.q @ (flat - self.offset.reshape(n, 1))
        return self.func(y.reshape(shape))


@functools.lru_cache(maxsize=256)
def _build(name, dim, instance):
    spec = _SPECS[name]
    options = dict(spec["options"])
    arg = dim if spec["scalable"] else 2
    domain = _check_domain(spec["domain"](arg), name)
    textbook = TestFunction(
        name, spec["title"], spec["formula"], spec["func"], domain, spec["minima"](arg),
        local_minima=spec["local"](arg),
        published_f_star=spec["published"] * (dim if name == "styblinski_tang" else 1), **options,
    )  # fmt: skip
    textbook._builtin = True
    textbook.value_and_grad = ComplexStep(spec["func"], dim)
    if instance == 0:
        return textbook
    if textbook.constrained:
        raise ValueError(
            f"instance: {name} has no instances other than 0: its domain is a constraint (values "
            f"below f* lie just outside it), which a rotation would not preserve"
        )
    rng = np.random.default_rng([zlib.crc32(name.encode()), dim, instance])
    q = _rotation(rng, dim)
    lo, hi = np.array(domain).T
    centre, half = (lo + hi) / 2, (hi - lo) / 2
    shift = rng.uniform(-0.2, 0.2, dim) * half
    # the box that holds the whole rotated and shifted textbook domain, so every minimum is in it
    reach = np.abs(q.T) @ half
    box = [(c - r, c + r) for c, r in zip(centre + shift, reach, strict=True)]
    move = lambda pts: (centre + shift + (np.asarray(pts) - centre) @ q).reshape(-1, dim)  # noqa: E731
    f = TestFunction(
        name, f"{spec['title']} (instance {instance})", spec["formula"],
        _Instance(spec["func"], q, centre, shift), box, move(textbook.minima),
        f_star=textbook.minimum, local_minima=move(textbook.local_minima) if len(textbook.local_minima)
        else (), instance=instance, refined=True, published_f_star=textbook.published_f_star,
        **options,
    )  # fmt: skip
    f._builtin = True
    f.value_and_grad = ComplexStep(f._func, dim)
    return f


def get(name, dim=None, instance=0):
    """The built-in test function ``name`` in ``dim`` dimensions, as instance ``instance``.

    Parameters
    ----------
    name : str or TestFunction
        A built-in name (see :func:`names`); a TestFunction is returned as it is.
    dim : int, optional
        Number of variables; default 2. Only the scalable functions (``SCALABLE``) take others.
    instance : int
        0 for the textbook function; k > 0 for a copy shifted and rotated by a random rotation
        seeded by (name, dim, k), with its minima moved along.

    Raises
    ------
    ValueError
        For an unknown name (listing the known ones), a dim < 1 or one the function does not
        support, or a negative instance.
    """
    if isinstance(name, TestFunction):
        if dim not in (None, name.dim) or instance not in (0, name.instance):
            raise ValueError(
                f"get: {name.name} is already a {name.dim}-D function (instance "
                f"{name.instance}); pass its name to choose dim and instance"
            )
        return name
    if not isinstance(name, str) or name not in _SPECS:
        raise ValueError(f"unknown test function {name!r}; choose from {', '.join(_SPECS)}")
    if dim is None:
        dim = 2
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral) or dim < 1:
        raise ValueError(f"get: dim must be an integer >= 1, got {dim!r}")
    if dim != 2 and not _SPECS[name]["scalable"]:
        raise ValueError(
            f"get: {name} is defined in 2 dimensions only, got dim={dim}; the "
            f"scalable functions are {', '.join(SCALABLE)}"
        )
    if name in ("dixon_price", "rosenbrock") and dim < 2:
        raise ValueError(f"get: {name} needs dim >= 2, got dim={dim}")
    if isinstance(instance, bool) or not isinstance(instance, numbers.Integral) or instance < 0:
        raise ValueError(f"get: instance must be an integer >= 0, got {instance!r}")
    return _build(name, int(dim), int(instance))


def _columns(f):
    """Evaluate a function of one point column by column (for code that is not vectorized)."""

    def evaluate(x):
        from ..functional import stack

        if np.ndim(x) == 1:
            return f(x)
        n = x.shape[0]
        flat = x.reshape(n, -1)
        out = stack([f(flat[:, s]) for s in range(flat.shape[1])])
        return out.reshape(x.shape[1:])

    return evaluate


def custom(f, domain, minima=None, f_star=None, name=None, title=None, local_minima=()):
    """A test function of your own, usable everywhere a built-in one is.

    Parameters
    ----------
    f : callable
        f(x) for x of shape (n,), returning one number, in plain NumPy (NumPy dispatch records
        it for the gradient). If it also evaluates columns of an (n, S) array independently, it
        is used that way (checked on random points); otherwise it is called once per point.
    domain : list of (low, high)
        The search box, one pair per coordinate (required: starts are drawn in it).
    minima : array_like, shape (k, n), optional
        Known global minimisers (used as given; refine them with :func:`refine` if rounded).
    f_star : float, optional
        The global minimum value; default f at the best listed minimiser. A study needs one of
        ``minima`` or ``f_star``.
    name, title : str, optional
        Default: ``f.__name__``.
    local_minima : array_like, optional
        Other local minimisers, for the study's "which minimum" records.
    """
    if not callable(f):
        raise ValueError(f"custom: f must be callable, got {f!r}")
    label = name or getattr(f, "__name__", "custom")
    if domain is None:
        raise ValueError(f"custom: {label} needs a domain, a list of (low, high) pairs")
    box = _check_domain(domain, f"custom {label}")
    if f_star is not None and not (isinstance(f_star, numbers.Real) and math.isfinite(f_star)):
        raise ValueError(f"custom: f_star must be a finite number, got {f_star!r}")
    vectorized = _is_vectorized(f, box)
    func = f if vectorized else _columns(f)
    return TestFunction(
        label, title or label, "custom", func, box, minima if minima is not None else (),
        f_star=f_star, local_minima=local_minima, refined=True, vectorized=vectorized,
    )  # fmt: skip


def _is_vectorized(f, box):
    lo, hi = np.array(box).T
    rng = np.random.default_rng(0)
    pts = lo[:, None] + (hi - lo)[:, None] * rng.random((len(box), 3))
    try:
        with np.errstate(all="ignore"):
            batch = np.asarray(f(pts), dtype=float)
            single = np.array(
                [float(np.asarray(f(pts[:, s]), dtype=float).reshape(())) for s in range(3)]
            )
    except Exception:
        return False
    return batch.shape == (3,) and np.allclose(batch, single, rtol=1e-12, atol=0, equal_nan=True)


ALL = {n: get(n) for n in _SPECS}

post = ALL["post"]
post.gradient = _post_gradient
rosenbrock = ALL["rosenbrock"]
himmelblau = ALL["himmelblau"]
rastrigin = ALL["rastrigin"]
ackley = ALL["ackley"]
beale = ALL["beale"]
styblinski_tang = ALL["styblinski_tang"]
six_hump_camel = ALL["six_hump_camel"]
goldstein_price = ALL["goldstein_price"]
sphere = ALL["sphere"]
booth = ALL["booth"]
matyas = ALL["matyas"]
three_hump_camel = ALL["three_hump_camel"]
easom = ALL["easom"]
levy = ALL["levy"]
griewank = ALL["griewank"]
schwefel = ALL["schwefel"]
michalewicz = ALL["michalewicz"]
zakharov = ALL["zakharov"]
dixon_price = ALL["dixon_price"]
bohachevsky = ALL["bohachevsky"]
branin = ALL["branin"]
cross_in_tray = ALL["cross_in_tray"]
eggholder = ALL["eggholder"]
holder_table = ALL["holder_table"]
drop_wave = ALL["drop_wave"]
mccormick = ALL["mccormick"]
shubert = ALL["shubert"]
