"""Light profiles: one module of pure ``jax.numpy`` functions per profile family.

Every profile module (or a small class/namespace object registered below) provides

``PARAM_NAMES``  tuple of the reference's kwargs names (including ``amp``), and
``DEFAULTS``     dict of the optional ones with their default values;
``num_linear(p, opts) -> int``  number of linear coefficients (static: from ``n_max``,
                                 ``len(sigma)``, ...; 1 for most profiles);
``basis(x, y, p, opts) -> array (num_linear, *x.shape)``  the profile at unit amplitude(s),
                                 in the reference's coefficient order;
``surface_brightness(x, y, p, opts) -> array like x``   flux per arcsec^2;
``total_flux(p, opts) -> float or array``                as the reference defines it.

``x, y`` arrays of one shape (arcsec), ``p`` a dict of parameter values (defaults filled in),
``opts`` a dict of static profile options (``*_profile_kwargs_list`` entry, often empty).
No Python branch may depend on a parameter value (shapes may depend on n_max / len(sigma)).

Optional attributes, read by ``chromalens.light.LightModel``:

``OPTIONS``      dict of the accepted profile options with their defaults; when present,
                 ``LightModel`` rejects unknown options and passes ``{**OPTIONS, **user}`` as
                 ``opts`` (without it the user's dict is passed unchecked);
``STATIC_KEYS``  tuple of kwargs that fix array shapes (e.g. ``("n_max",)``): they must be
                 concrete Python numbers, never traced; ``LightModel.split_static`` takes them
                 out of the traced pytree and ``merge_static`` puts them back;
``SCALAR_AMP``   (default True) False for profiles whose ``amp`` is always an array, so that
                 ``update_linear`` writes ``param[i:i+n]`` even when ``n == 1`` (MGE, shapelets);
``total_flux = None`` (or absent): the profile has no total flux; ``LightModel.total_flux``
                 raises ``ValueError`` naming it.

Accepted kwargs keys are ``PARAM_NAMES`` plus the keys of ``DEFAULTS`` (so a default may be a
keyword the reference's function accepts but does not list, e.g. SERSIC's ``max_R_frac``);
``amp`` may be omitted where only the basis is evaluated (``functions_split``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: reference profile name -> module in this package (several names may share a module that
#: exposes one namespace per name; see ``get_profile``)
PROFILE_MODULES: dict[str, str] = {
    "SERSIC": "sersic",
    "SERSIC_ELLIPSE": "sersic",
    "SERSIC_ELLIPSE_Q_PHI": "sersic",
    "CORE_SERSIC": "core_sersic",
    "GAUSSIAN": "gaussian",
    "GAUSSIAN_ELLIPSE": "gaussian",
    "MULTI_GAUSSIAN": "gaussian",
    "MULTI_GAUSSIAN_ELLIPSE": "gaussian",
    "SHAPELETS": "shapelets",
    "HERNQUIST": "hernquist",
    "HERNQUIST_ELLIPSE": "hernquist",
    "PJAFFE": "pjaffe",
    "PJAFFE_ELLIPSE": "pjaffe",
    "CHAMELEON": "chameleon",
    "NIE": "nie",
    "POWER_LAW": "power_law",
    "UNIFORM": "uniform",
    "INTERPOL": "interpol",
}


def get_profile(name: str):
    """Return the object implementing light profile ``name`` (ValueError if unknown).

    A module serving several names exposes ``PROFILES: dict[name, namespace]``; a module
    serving one name is itself the namespace.
    """
    if name not in PROFILE_MODULES:
        raise ValueError(
            f"unknown light profile {name!r}; supported: {', '.join(sorted(PROFILE_MODULES))}"
        )
    module: ModuleType = importlib.import_module(f"{__name__}.{PROFILE_MODULES[name]}")
    table = getattr(module, "PROFILES", None)
    return table[name] if table is not None else module
