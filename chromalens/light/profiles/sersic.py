"""Sérsic surface-brightness profiles: SERSIC, SERSIC_ELLIPSE, SERSIC_ELLIPSE_Q_PHI.

Sérsic (1963, Boletin de la Asociacion Argentina de Astronomia 6, 41)::

    I(R) = amp * exp(-b_n [(R / R_sersic)^(1/n) - 1]),   b_n = 1.9992 n - 0.3271

``b_n`` is the linear approximation of the root of ``2 gamma(2n, b_n) = Gamma(2n)`` used by the
reference (Capaccioli 1989), floored at 1e-5; it is not the exact root.

Parameters (``amp`` is the surface brightness *at* ``R_sersic``, not the total flux):

=============  ==================  ====================================================
name           unit                meaning
=============  ==================  ====================================================
amp            flux / arcsec^2     surface brightness at R = R_sersic
R_sersic       arcsec              half-light radius (circularised, product average, by
                                   default; semi-major with ``sersic_major_axis=True``)
n_sersic       --                  Sérsic index
e1, e2         --                  complex ellipticity (SERSIC_ELLIPSE)
q, phi         --, rad             axis ratio and position angle (SERSIC_ELLIPSE_Q_PHI)
center_x/y     arcsec              centre (default 0)
max_R_frac     --                  I = 0 where R / R_sersic > max_R_frac (default 1000;
                                   100 for SERSIC_ELLIPSE_Q_PHI)
=============  ==================  ====================================================

Options (``profile_kwargs_list`` entry): ``smoothing`` (arcsec, default 1e-4) floors both ``R``
and ``R_sersic``; ``sersic_major_axis`` (default False) measures ``R`` along the major axis
(``sqrt(x_maj^2 + y_min^2/q^2)``, capped ``q``) instead of the product average
``sqrt(q x_maj^2 + y_min^2/q)``.

Total flux (round profile of effective radius ``r_eff``)::

    F = amp r_eff^2 2 pi n e^{b_n} b_n^{-2n} Gamma(2n),

with ``r_eff = R_sersic`` (product average) or ``R_sersic sqrt(q)`` (``sersic_major_axis``).
"""

from __future__ import annotations

from types import SimpleNamespace

import jax.numpy as jnp
from jax.scipy.special import gamma as gamma_function

from chromalens.ellipticity import (
    ellipticity_to_phi_q,
    major_axis_radius,
    phi_q_to_ellipticity,
    product_average_radius,
)

#: static options of every Sérsic-family profile and their defaults
OPTIONS = {"smoothing": 1e-4, "sersic_major_axis": False}

#: floor of b_n for very small Sérsic indices
B_N_FLOOR = 1e-5


def b_n(n_sersic):
    """Reference approximation ``b_n = max(1.9992 n - 0.3271, 1e-5)``."""
    return jnp.maximum(1.9992 * n_sersic - 0.3271, B_N_FLOOR)


def elliptical_radius(x, y, e1, e2, center_x, center_y, opts):
    """Radius (arcsec) in the convention selected by ``opts['sersic_major_axis']``."""
    if opts.get("sersic_major_axis", False):
        return major_axis_radius(x, y, e1, e2, center_x, center_y)
    return product_average_radius(x, y, e1, e2, center_x, center_y)


def sersic_kernel(radius, R_sersic, n_sersic, max_R_frac, smoothing):
    """``exp(-b_n [(R/R_s)^(1/n) - 1])`` with the floors and outer cut of the reference.

    ``R`` and ``R_sersic`` are floored at ``smoothing``; the kernel is 0 where
    ``R/R_s > max_R_frac``. Gradients stay finite everywhere (the masked branch is evaluated at
    a harmless ``R/R_s = 1``).
    """
    radius = jnp.maximum(radius, smoothing)
    r_s = jnp.maximum(R_sersic, smoothing)
    frac = radius / r_s
    inside = frac <= max_R_frac
    frac_safe = jnp.where(inside, frac, 1.0)
    # frac^(1/n) as exp(log(frac) / n): XLA vectorises exp and log but calls a scalar pow
    # (0.22 against 0.46 ms on 40 000 points); frac > 0 here (floored radius)
    value = jnp.exp(-b_n(n_sersic) * (jnp.exp(jnp.log(frac_safe) / n_sersic) - 1.0))
    return jnp.nan_to_num(jnp.where(inside, value, 0.0))


def round_total_flux(amp, r_eff, n_sersic):
    """Total flux of a round Sérsic profile with surface brightness ``amp`` at ``r_eff``."""
    bn = b_n(n_sersic)
    return (
        amp * r_eff**2 * 2.0 * jnp.pi * n_sersic * jnp.exp(bn) / bn ** (2.0 * n_sersic)
        * gamma_function(2.0 * n_sersic)
    )


def _num_linear(p, opts) -> int:
    return 1


def _make(name, param_names, defaults, ellipticity):
    """Build the namespace of one Sérsic variant; ``ellipticity(p) -> (e1, e2)``."""

    def basis(x, y, p, opts):
        e1, e2 = ellipticity(p)
        radius = elliptical_radius(x, y, e1, e2, p["center_x"], p["center_y"], opts)
        kernel = sersic_kernel(
            radius, p["R_sersic"], p["n_sersic"], p["max_R_frac"],
            opts.get("smoothing", OPTIONS["smoothing"]),
        )
        return kernel[None]

    def surface_brightness(x, y, p, opts):
        return p["amp"] * basis(x, y, p, opts)[0]

    def total_flux(p, opts):
        r_eff = p["R_sersic"]
        if opts.get("sersic_major_axis", False):
            _, q = ellipticity_to_phi_q(*ellipticity(p))
            r_eff = r_eff * jnp.sqrt(q)
        return round_total_flux(p["amp"], r_eff, p["n_sersic"])

    return SimpleNamespace(
        NAME=name,
        PARAM_NAMES=param_names,
        DEFAULTS=defaults,
        OPTIONS=OPTIONS,
        num_linear=_num_linear,
        basis=basis,
        surface_brightness=surface_brightness,
        total_flux=total_flux,
    )


_CENTER = {"center_x": 0.0, "center_y": 0.0}

SERSIC = _make(
    "SERSIC",
    ("amp", "R_sersic", "n_sersic", "center_x", "center_y"),
    {**_CENTER, "max_R_frac": 1000.0},
    lambda p: (0.0, 0.0),
)
SERSIC_ELLIPSE = _make(
    "SERSIC_ELLIPSE",
    ("amp", "R_sersic", "n_sersic", "e1", "e2", "center_x", "center_y"),
    {**_CENTER, "max_R_frac": 1000.0},
    lambda p: (p["e1"], p["e2"]),
)
SERSIC_ELLIPSE_Q_PHI = _make(
    "SERSIC_ELLIPSE_Q_PHI",
    ("amp", "R_sersic", "n_sersic", "q", "phi", "center_x", "center_y"),
    {**_CENTER, "max_R_frac": 100.0},
    lambda p: phi_q_to_ellipticity(p["phi"], p["q"]),
)

PROFILES = {
    "SERSIC": SERSIC,
    "SERSIC_ELLIPSE": SERSIC_ELLIPSE,
    "SERSIC_ELLIPSE_Q_PHI": SERSIC_ELLIPSE_Q_PHI,
}
