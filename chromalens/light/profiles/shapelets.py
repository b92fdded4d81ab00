"""SHAPELETS: a complete set of 2D Cartesian (Gauss-Hermite) shapelets up to order ``n_max``.

Source: Refregier 2003, MNRAS 338, 35 ("Shapelets I", arXiv:astro-ph/0105178), eq. (1)-(3).

The 1D dimensionless basis functions are the normalised Hermite functions

    phi_n(u) = [2^n sqrt(pi) n!]^(-1/2) H_n(u) exp(-u^2 / 2),

and the 2D basis function with index ``(n1, n2)`` is ``phi_n1(dx / beta) * phi_n2(dy / beta)``
with ``dx = x - center_x``, ``dy = y - center_y``. As in the reference there is **no**
``1/beta`` normalisation factor: ``amp`` multiplies the dimensionless product directly.

Conventions kept for parity with the reference (lenstronomy ``ShapeletSet``):

* coefficient order ``k``: ``(n1, n2) = (0,0), (1,0), (0,1), (2,0), (1,1), (0,2), (3,0), ...``,
  i.e. by total order ``n = n1 + n2`` ascending and, within one order, ``n1`` descending;
  ``(n_max + 1)(n_max + 2)/2`` coefficients in all;
* each 1D function ``phi_n`` is set to zero where ``u >= 5 sqrt(n + 2)`` (a one-sided cut:
  nothing is cut for large negative ``u``);
* the total flux is not defined by the reference (``total_flux`` raises ``ValueError``).

All ``n_max + 1`` Hermite functions are built at once with the stable three-term recurrence of
the *normalised* functions,

    phi_0 = pi^(-1/4) exp(-u^2/2),   phi_1 = sqrt(2) u phi_0,
    phi_(n+1) = sqrt(2/(n+1)) u phi_n - sqrt(n/(n+1)) phi_(n-1),

so no factorials or large polynomial values appear and ``n_max`` of 20 and more stays accurate.
The 2D basis is then one gather-and-multiply over the whole stack.

Parameters
----------
==========  =========================  =====================================================
name        unit                       meaning
==========  =========================  =====================================================
amp         flux / arcsec^2            coefficients, array of ``(n_max+1)(n_max+2)/2``
n_max       integer (static)           maximal total order ``n1 + n2``
beta        arcsec                     shapelet scale
center_x    arcsec                     centre, first coordinate (default 0)
center_y    arcsec                     centre, second coordinate (default 0)
==========  =========================  =====================================================

``n_max`` sets array shapes: it must be a Python (or numpy) integer, never a traced value.
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chromalens.light.factored_basis import FactoredBasis

NAME = "SHAPELETS"
PARAM_NAMES: tuple[str, ...] = ("amp", "n_max", "beta", "center_x", "center_y")
DEFAULTS: dict[str, float] = {"center_x": 0.0, "center_y": 0.0}
OPTIONS: dict = {}
#: parameters that set shapes and must stay Python integers (never traced)
STATIC_KEYS: tuple[str, ...] = ("n_max",)
#: ``amp`` is always an array (also for ``n_max = 0``), as in the reference's ``update_linear``
SCALAR_AMP = False

#: the reference's stability cut: phi_n(u) = 0 for u >= CUT_SCALE * sqrt(n + 2)
CUT_SCALE = 5.0


def static_n_max(value: Any) -> int:
    """Return ``n_max`` as a non-negative Python int (TypeError/ValueError otherwise)."""
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"{NAME}: 'n_max' sets array shapes; it must be static, not traced")
    try:
        as_array = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{NAME}: 'n_max' must be an integer, got {value!r}") from error
    if as_array.shape != () or not np.isfinite(as_array) or not float(as_array).is_integer():
        raise ValueError(f"{NAME}: 'n_max' must be an integer, got {value!r}")
    n_max = int(as_array)
    if n_max < 0:
        raise ValueError(f"{NAME}: 'n_max' must be >= 0, got {n_max}")
    return n_max


def num_basis(n_max: int) -> int:
    """Number of 2D basis functions with ``n1 + n2 <= n_max``: ``(n_max+1)(n_max+2)/2``."""
    return (n_max + 1) * (n_max + 2) // 2


def index_pairs(n_max: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference's coefficient order as two integer arrays ``(n1, n2)``.

    Returns
    -------
    n1, n2 : numpy int arrays of shape ``(num_basis(n_max),)``; order ``n = n1 + n2``
        ascending and, for equal ``n``, ``n1`` descending.
    """
    n1 = [n - j for n in range(n_max + 1) for j in range(n + 1)]
    n2 = [j for n in range(n_max + 1) for j in range(n + 1)]
    return np.asarray(n1, dtype=np.int32), np.asarray(n2, dtype=np.int32)


def hermite_functions(u, n_max: int):
    """Normalised Hermite functions ``phi_0 .. phi_n_max`` with the reference's cut.

    Parameters
    ----------
    u : array, any shape
        dimensionless coordinate ``(x - center) / beta``.
    n_max : int (static)
        highest order.

    Returns
    -------
    array of shape ``(n_max + 1, *u.shape)``: ``phi_n(u)``, zero where
    ``u >= 5 sqrt(n + 2)``.
    """
    u = jnp.asarray(u)
    phi_prev = jnp.pi ** (-0.25) * jnp.exp(-0.5 * u * u)
    rows = [phi_prev]
    if n_max >= 1:
        phi = math.sqrt(2.0) * u * phi_prev
        rows.append(phi)
        for n in range(1, n_max):
            phi, phi_prev = (
                math.sqrt(2.0 / (n + 1)) * u * phi - math.sqrt(n / (n + 1)) * phi_prev,
                phi,
            )
            rows.append(phi)
    stack = jnp.stack(rows)
    cut = CUT_SCALE * np.sqrt(np.arange(n_max + 1) + 2.0)
    cut = cut.reshape((n_max + 1,) + (1,) * u.ndim)
    return jnp.where(u[None] < cut, stack, 0.0)


def _amp_vector(p: dict, n_max: int):
    amp = jnp.asarray(p["amp"])
    expected = num_basis(n_max)
    if amp.ndim != 1 or amp.shape[0] != expected:
        raise ValueError(
            f"{NAME}: 'amp' must be a 1D array of (n_max+1)(n_max+2)/2 = {expected} "
            f"coefficients for n_max = {n_max}, got shape {amp.shape}"
        )
    return amp


def _hermite_stacks(x, y, p: dict, n_max: int):
    beta = p["beta"]
    u = (jnp.asarray(x) - p["center_x"]) / beta
    v = (jnp.asarray(y) - p["center_y"]) / beta
    return hermite_functions(u, n_max), hermite_functions(v, n_max)


def num_linear(p: dict, opts: dict | None = None) -> int:
    """Number of linear coefficients, ``(n_max+1)(n_max+2)/2`` (static)."""
    return num_basis(static_n_max(p["n_max"]))


def basis_factors(x, y, p: dict, opts: dict | None = None) -> FactoredBasis:
    """The basis images as products of the two Hermite stacks (see :func:`basis`).

    Returns
    -------
    FactoredBasis
        ``left = phi_n(u)`` and ``right = phi_n(v)``, each of shape ``(n_max + 1, *x.shape)``,
        with the row pairs ``(n1, n2)`` of :func:`index_pairs`: image ``k`` is
        ``left[n1[k]] * right[n2[k]]``.
    """
    n_max = static_n_max(p["n_max"])
    phi_x, phi_y = _hermite_stacks(x, y, p, n_max)
    n1, n2 = index_pairs(n_max)
    return FactoredBasis(phi_x, phi_y, n1, n2)


def basis(x, y, p: dict, opts: dict | None = None):
    """All shapelet basis images at unit amplitude, in the reference's order.

    Parameters
    ----------
    x, y : arrays of one shape (arcsec)
    p : dict with ``n_max`` (static int), ``beta``, ``center_x``, ``center_y``
        (``amp`` is ignored)
    opts : unused

    Returns
    -------
    array of shape ``(num_basis(n_max), *x.shape)``.
    """
    return basis_factors(x, y, p, opts).images()


def basis_contract(x, y, p: dict, coefficients, opts: dict | None = None):
    """``coefficients @ basis(x, y, p)`` without forming the basis images.

    Each row of ``coefficients`` (J, num_basis) is placed in a triangular matrix ``C`` and
    ``sum_ij phi_i(u) C_ij phi_j(v)`` is one contraction of the two Hermite stacks, whose
    reverse-mode derivative is again a contraction (no gather of the basis products).

    Returns an array of shape ``(J, *x.shape)``.
    """
    factors = basis_factors(x, y, p, opts)
    n_rows = factors.left.shape[0]
    coefficients = jnp.asarray(coefficients)
    matrices = jnp.zeros((coefficients.shape[0], n_rows, n_rows),
                         dtype=jnp.result_type(coefficients, factors.left))
    matrices = matrices.at[:, np.asarray(factors.left_index),
                           np.asarray(factors.right_index)].set(coefficients)
    shape = factors.left.shape[1:]
    # contractions (dot_general), not an elementwise reduction: XLA then materialises the two
    # Hermite stacks once instead of re-running the recurrence inside a fused reduction
    images = jnp.einsum("in,jik,kn->jn", factors.left.reshape(n_rows, -1), matrices,
                        factors.right.reshape(n_rows, -1))
    return images.reshape((coefficients.shape[0],) + shape)


def surface_brightness(x, y, p: dict, opts: dict | None = None):
    """Shapelet surface brightness ``sum_k amp_k phi_n1(k)(u) phi_n2(k)(v)`` (flux / arcsec^2).

    Evaluated as ``sum_ij phi_i(u) A_ij phi_j(v)`` with ``A`` the triangular coefficient matrix
    (:func:`basis_contract` of one coefficient row), so the ``num_basis`` basis images are
    never materialised. Returns an array like ``x``.
    """
    amp = _amp_vector(p, static_n_max(p["n_max"]))
    return jnp.nan_to_num(basis_contract(x, y, p, amp[None], opts)[0])


def total_flux(p: dict, opts: dict | None = None):
    """Not defined by the reference for SHAPELETS: raises ``ValueError``."""
    raise ValueError(f"profile {NAME} does not support flux normalization (as the reference)")
