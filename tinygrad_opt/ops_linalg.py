"""Linear-algebra primitives (``np.linalg``): forward and gradient rule together, as in :mod:`.ops`.

Every primitive works on stacks of matrices (leading batch axes), like NumPy's ``np.linalg``.
The rules are written with NumPy calls and operators only, so on Tensors (``create_graph=True``)
they record a graph and differentiate again.

A primitive has one output. Decompositions with several results (eigh, svd, qr) return them
packed into one array along the last axis (see :func:`pack` and :func:`unpack`); the dispatch
layer unpacks them by indexing, so the gradient of each part flows back into the packed array and
the rule receives all parts' gradients at once (zeros for a part that was not used).

Sources of the rules (standard matrix calculus):

- M. B. Giles, "An extended collection of matrix derivative results for forward and reverse mode
  algorithmic differentiation" (2008): inverse, determinant, solve, eigenvalues of a symmetric
  matrix.
- I. Murray, "Differentiation of the Cholesky decomposition" (2016).
- J. Townsend, "Differentiating the singular value decomposition" (2016).
- H.-J. Liao, J.-G. Liu, L. Wang, T. Xiang, "Differentiable programming tensor networks" (2019),
  and S. F. Walter, L. Lehmann, "Algorithmic differentiation of linear algebra functions with
  application in optimum experimental design" (2018): QR.
- G. H. Golub, V. Pereyra, "The differentiation of pseudo-inverses and nonlinear least squares
  problems whose variables separate" (1973): pseudo-inverse.
"""

from __future__ import annotations

import numpy as np

from .ops import Primitive, shape_of, unbroadcast

__all__ = ["LINALG_PRIMITIVES", "pack", "unpack"]


def _t(x):
    """Transpose of the last two axes (a stack of matrices)."""
    return x.swapaxes(-1, -2)


def _diag_embed(v):
    """Stack of diagonal matrices from a stack of vectors (differentiable: a broadcast product)."""
    return v[..., :, None] * np.eye(shape_of(v)[-1])


def _lower_read(abar, upper):
    """The gradient with respect to the matrix a routine reads only one triangle of.

    ``abar`` is the gradient with respect to the symmetric matrix S actually decomposed. NumPy's
    eigh (UPLO='L') and cholesky read S from the lower triangle of ``a``: S = tril(a) +
    tril(a, -1)ᵀ, so ∂/∂a = tril(abar + abarᵀ, -1) + diag(abar) and the other triangle gets 0,
    which is what central differences on ``a`` see.
    """
    n = shape_of(abar)[-1]
    strict = np.tril(np.ones((n, n)), -1)
    if upper:
        strict = strict.T
    return (abar + _t(abar)) * strict + abar * np.eye(n)


def _require_distinct(values, who):
    """Refuse a gradient through eigen/singular vectors when values repeat (it is not defined)."""
    v = np.asarray(getattr(values, "data", values))
    if v.shape[-1] > 1:
        gaps = np.abs(np.diff(np.sort(v, axis=-1), axis=-1))
        if np.any(gaps <= 1e-12 * np.maximum(np.abs(v).max(axis=-1, keepdims=True), 1.0)):
            raise ValueError(
                f"{who}: the gradient through the vectors is not defined when values repeat "
                f"(got {v})"
            )


def pack(batch, *parts):
    """Arrays with the leading ``batch`` shape, each flattened after it, joined along one axis."""
    flat = []
    for p in parts:
        p = np.asarray(p)
        core = p.ndim - len(batch)
        flat.append(p.reshape(batch + (int(np.prod(p.shape[p.ndim - core :])),)))
    return np.concatenate(flat, axis=-1)


def unpack(packed, shapes):
    """Split ``packed`` (array or Tensor) into parts of the given core ``shapes`` (batch kept)."""
    batch = shape_of(packed)[:-1]
    parts, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape))
        parts.append(packed[..., start : start + size].reshape(batch + tuple(shape)))
        start += size
    return parts


# ---------------------------------------------------------------------------------------------


class Inv(Primitive):
    r"""$X = A^{-1}$;  $\bar A = -X^T \bar X X^T$ (Giles 2008)."""

    name = "inv"

    @staticmethod
    def forward(a):
        return np.linalg.inv(a)

    @staticmethod
    def vjp(g, out, needs, a):
        xt = _t(out)
        return (-(xt @ g @ xt),)


class Det(Primitive):
    r"""$d = \det A$;  $\bar A = \bar d\, d\, A^{-T}$ (Giles 2008). A singular A raises LinAlgError."""

    name = "det"

    @staticmethod
    def forward(a):
        return np.linalg.det(a)

    @staticmethod
    def vjp(g, out, needs, a):
        return ((g * out)[..., None, None] * _t(np.linalg.inv(a)),)


class LogAbsDet(Primitive):
    r"""$\log|\det A|$ (slogdet's second result);  $\bar A = \bar g A^{-T}$."""

    name = "logabsdet"

    @staticmethod
    def forward(a):
        return np.linalg.slogdet(a)[1]

    @staticmethod
    def vjp(g, out, needs, a):
        return (g[..., None, None] * _t(np.linalg.inv(a)),)


class Solve(Primitive):
    r"""$X = A^{-1} B$;  $\bar B = A^{-T} \bar X$,  $\bar A = -\bar B X^T$ (Giles 2008).

    As NumPy 2: ``b`` is a vector only when it is 1-D, else a stack of matrices (..., M, K);
    batch axes broadcast and their gradients are summed back.
    """

    name = "solve"

    @staticmethod
    def forward(a, b):
        return np.linalg.solve(a, b)

    @staticmethod
    def vjp(g, out, needs, a, b):
        vector = len(shape_of(b)) == 1
        if vector:
            g, out = g[..., None], out[..., None]
        gb = np.linalg.solve(_t(a), g)
        ga = unbroadcast(-(gb @ _t(out)), a) if needs[0] else None
        if needs[1]:
            gb = unbroadcast(gb, np.broadcast_to(0.0, shape_of(b) + (1,)) if vector else b)
            gb = gb[..., 0] if vector else gb
        else:
            gb = None
        return ga, gb


class Cholesky(Primitive):
    r"""Lower Cholesky factor $L$ of $A = L L^T$ (read from the lower triangle, as NumPy).

    Murray (2016): $\bar S = \tfrac12 L^{-T} \Phi(L^T \bar L) L^{-1}$ symmetrized, with
    $\Phi$ taking the lower triangle and halving the diagonal; then the lower-triangle read
    (see ``_lower_read``).
    """

    name = "cholesky"

    @staticmethod
    def forward(a):
        return np.linalg.cholesky(a)

    @staticmethod
    def vjp(g, out, needs, a):
        n = shape_of(a)[-1]
        phi = np.tril(np.ones((n, n))) - 0.5 * np.eye(n)
        p = (_t(out) @ g) * phi
        s = _t(np.linalg.solve(_t(out), _t(np.linalg.solve(_t(out), p))))  # L^-T P L^-1
        return (_lower_read(0.5 * (s + _t(s)), False),)


class Eigh(Primitive):
    r"""Eigenvalues $w$ and eigenvectors $V$ of a symmetric matrix, packed (``UPLO`` as NumPy).

    Giles (2008): $\bar S = V (\mathrm{diag}(\bar w) + F \circ V^T \bar V) V^T$ with
    $F_{ij} = 1/(w_j - w_i)$ off the diagonal, symmetrized; then the triangle read. The
    eigenvector term needs distinct eigenvalues (else ValueError).
    """

    name = "eigh"

    @staticmethod
    def forward(a, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        return pack(np.shape(a)[:-2], w, v)

    @staticmethod
    def vjp(g, out, needs, a, uplo):
        n = shape_of(a)[-1]
        w, v = unpack(out, [(n,), (n, n)])
        gw, gv = unpack(g, [(n,), (n, n)])
        inner = _diag_embed(gw)
        if np.any(np.asarray(getattr(gv, "data", gv))):
            _require_distinct(w, "eigh")
            eye = np.eye(n)
            f = (1 - eye) / (w[..., None, :] - w[..., :, None] + eye)
            inner = inner + f * (_t(v) @ gv)
        s = v @ inner @ _t(v)
        return (_lower_read(0.5 * (s + _t(s)), uplo == "U"), None)


class Svd(Primitive):
    r"""Thin SVD $A = U \mathrm{diag}(s) V^T$ (``full_matrices=False``), packed as (U, s, Vᵀ).

    Townsend (2016), with $F_{ij} = 1/(s_j^2 - s_i^2)$ off the diagonal:
    $\bar A = U[(F\circ(U^T\bar U - \bar U^T U))S + \mathrm{diag}(\bar s)
    + S(F\circ(V^T\bar V - \bar V^T V))]V^T + (I - UU^T)\bar U S^{-1} V^T
    + U S^{-1} \bar V^T (I - V V^T)$.
    The singular-vector terms need distinct, non-zero singular values (else ValueError).
    """

    name = "svd"

    @staticmethod
    def forward(a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        return pack(np.shape(a)[:-2], u, s, vh)

    @staticmethod
    def vjp(g, out, needs, a):
        m, n = shape_of(a)[-2:]
        k = min(m, n)
        shapes = [(m, k), (k,), (k, n)]
        u, s, vh = unpack(out, shapes)
        gu, gs, gvh = unpack(g, shapes)
        v, gv = _t(vh), _t(gvh)
        middle = _diag_embed(gs)
        if np.any(np.asarray(getattr(gu, "data", gu))) or np.any(
            np.asarray(getattr(gv, "data", gv))
        ):
            _require_distinct(s * s, "svd")
            if np.any(np.asarray(getattr(s, "data", s)) == 0):
                raise ValueError("svd: the gradient through U or Vᵀ needs non-zero singular values")
            eye = np.eye(k)
            s2 = s * s
            f = (1 - eye) / (s2[..., None, :] - s2[..., :, None] + eye)
            ut_gu = _t(u) @ gu
            vt_gv = _t(v) @ gv
            smat = _diag_embed(s)
            middle = middle + (f * (ut_gu - _t(ut_gu))) @ smat + smat @ (f * (vt_gv - _t(vt_gv)))
            inv_s = (1 / s)[..., None, :]  # right-multiplying by S^-1 scales columns
            extra = (gu - u @ ut_gu) * inv_s @ vh
            extra = extra + (u * inv_s) @ (_t(gv) - (_t(gv) @ v) @ vh)
            return (u @ middle @ vh + extra,)
        return (u @ middle @ vh,)


def _qr_square_rule(q, r, gq, gr):
    """Ā for A = QR with A m×n, m >= n (Walter & Lehmann 2018; Liao et al. 2019):
    M = R R̄ᵀ − Q̄ᵀ Q,  Ā = (Q̄ + Q copyltu(M)) R⁻ᵀ, copyltu mirroring the lower triangle up."""
    k = shape_of(r)[-1]
    m = r @ _t(gr) - _t(gq) @ q
    lower = np.tril(np.ones((k, k)), -1)
    copyltu = m * lower + _t(m * lower) + m * np.eye(k)
    b = gq + q @ copyltu
    return _t(np.linalg.solve(r, _t(b)))  # B R^-T = (R^-1 Bᵀ)ᵀ


class Qr(Primitive):
    """Reduced QR (``mode='reduced'``), packed as (Q, R); rules in ``_qr_square_rule``.

    For a wide A = [X | Y] (m < n), R = [U | V] with X = QU and V = QᵀY: Ȳ = Q V̄ and X̄ is the
    square rule applied to (Q̄ + Y V̄ᵀ, Ū). R must have a non-zero diagonal (full rank).
    """

    name = "qr"

    @staticmethod
    def forward(a):
        q, r = np.linalg.qr(a, mode="reduced")
        return pack(np.shape(a)[:-2], q, r)

    @staticmethod
    def vjp(g, out, needs, a):
        m, n = shape_of(a)[-2:]
        k = min(m, n)
        shapes = [(m, k), (k, n)]
        q, r = unpack(out, shapes)
        gq, gr = unpack(g, shapes)
        if m >= n:
            return (_qr_square_rule(q, r, gq, gr),)
        y = a[..., :, m:]
        gv = gr[..., :, m:]
        gx = _qr_square_rule(q, r[..., :, :m], gq + y @ _t(gv), gr[..., :, :m])
        return (np.concatenate([gx, q @ gv], axis=-1),)


class Pinv(Primitive):
    r"""Moore-Penrose pseudo-inverse $X = A^+$ (``rcond`` as NumPy).

    Golub & Pereyra (1973), valid where the rank is locally constant:
    $\bar A = -X^T \bar X X^T + (I - A X) \bar X^T X X^T + X^T X \bar X^T (I - X A)$.
    """

    name = "pinv"

    @staticmethod
    def forward(a, rcond):
        return np.linalg.pinv(a, rcond=rcond)

    @staticmethod
    def vjp(g, out, needs, a, rcond):
        x, xt = out, _t(out)
        m, n = shape_of(a)[-2:]
        gt = _t(g)
        term = -(xt @ g @ xt)
        term = term + (np.eye(m) - a @ x) @ gt @ (x @ xt)
        term = term + (xt @ x) @ gt @ (np.eye(n) - x @ a)
        return (term, None)


LINALG_PRIMITIVES = (Inv, Det, LogAbsDet, Solve, Cholesky, Eigh, Svd, Qr, Pinv)
