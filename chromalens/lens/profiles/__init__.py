"""Lens mass profiles: one module of pure ``jax.numpy`` functions per profile.

Every profile module defines

``PARAM_NAMES``  tuple of the reference's kwargs names (required + optional), and
``DEFAULTS``     dict of the optional ones with their default values;
``deflection(x, y, p, opts) -> (alpha_x, alpha_y)``   arcsec;
``potential(x, y, p, opts) -> psi``                   arcsec^2;
optionally ``hessian(x, y, p, opts) -> (f_xx, f_xy, f_yx, f_yy)``; without it the
Hessian is the Jacobian of the deflection by automatic differentiation.

``x, y`` are arrays of one shape (arcsec), ``p`` a dict of parameter values (defaults filled
in), ``opts`` a dict of static profile options (``lens_profile_kwargs_list`` entry, often
empty). No Python branch may depend on a parameter value.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: reference profile name -> module in this package
PROFILE_MODULES: dict[str, str] = {
    "SIS": "sis",
    "SIE": "sie",
    "NIE": "nie",
    "SPP": "spp",
    "EPL": "epl",
    "EPL_MULTIPOLE_M3M4": "epl_multipole",
    "EPL_MULTIPOLE_M1M3M4": "epl_multipole_m1m3m4",
    "MULTIPOLE": "multipole",
    "NFW": "nfw",
    "NFW_ELLIPSE_CSE": "nfw_ellipse_cse",
    "TNFW": "tnfw",
    "HERNQUIST": "hernquist",
    "HERNQUIST_ELLIPSE_CSE": "hernquist_ellipse_cse",
    "PJAFFE": "pjaffe",
    "POINT_MASS": "point_mass",
    "SERSIC": "sersic",
    "SHEAR": "shear",
    "SHEAR_GAMMA_PSI": "shear_gamma_psi",
    "SHEAR_REDUCED": "shear_reduced",
    "CONVERGENCE": "convergence",
}


def get_profile(name: str) -> ModuleType:
    """Return the module implementing lens profile ``name`` (ValueError if unknown)."""
    if name not in PROFILE_MODULES:
        raise ValueError(
            f"unknown lens profile {name!r}; supported: {', '.join(sorted(PROFILE_MODULES))}"
        )
    return importlib.import_module(f"{__name__}.{PROFILE_MODULES[name]}")
