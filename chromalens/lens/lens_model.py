"""Single-plane lens model: a sum of mass profiles, with ray shooting and lensing quantities.

``LensModel`` mirrors the reference's ``lenstronomy.LensModel.LensModel`` for single-plane use:
same constructor keywords, same method names and signatures (``ray_shooting``, ``alpha``,
``hessian``, ``kappa``, ``gamma``, ``magnification``, ``potential``, ``fermat_potential``,
``curl``), kwargs given as a list of dicts, one per profile.

Two faces, one engine:

* **class face** — every method validates the kwargs list (length, unknown and missing keys; a
  ``ValueError`` names the profile index, profile name and key) and returns JAX arrays of the
  broadcast shape of ``x`` and ``y``.
* **functional face** — the same methods are pure functions of ``(x, y, kwargs)``: validation
  inspects only the *structure* of ``kwargs`` (dict keys, list length), never the values, so
  the methods can be called on traced values inside ``jax.jit``, ``jax.vmap`` and ``jax.grad``
  with ``kwargs`` a pytree (list of dicts of scalars or arrays). ``fill_defaults`` returns the
  complete pytree (every parameter present) for samplers that flatten it.

Each computation is jit-compiled once per ``k`` selection and input structure (not per
parameter value). Hessians come from a profile's closed form where it has one, otherwise
from forward-mode automatic differentiation of the deflection (exact, two JVPs).

Not supported (clear errors): multi-plane lensing, line-of-sight profiles, and a source
redshift different from ``z_source_convention`` (which needs a cosmology for the rescaling).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp

from .profiles import PROFILE_MODULES, get_profile

__all__ = ["LensModel"]

ArrayLike = Any
KwargsList = Sequence[Mapping[str, Any]]


def _profile_hessian(module, x, y, params, opts):
    """Hessian of one profile: its closed form, or the Jacobian of its deflection by JVPs."""
    if hasattr(module, "hessian"):
        return module.hessian(x, y, params, opts)

    def deflection_of_x(x_):
        return module.deflection(x_, y, params, opts)

    def deflection_of_y(y_):
        return module.deflection(x, y_, params, opts)

    ones = jnp.ones_like(x)
    _, (f_xx, f_yx) = jax.jvp(deflection_of_x, (x,), (ones,))
    _, (f_xy, f_yy) = jax.jvp(deflection_of_y, (y,), (ones,))
    return f_xx, f_xy, f_yx, f_yy


class LensModel:
    """Sum of lens mass profiles in a single plane.

    Parameters
    ----------
    lens_model_list : list of str
        Profile names as the reference spells them (``"EPL"``, ``"SHEAR"``, ...).
    z_lens, z_source : float, optional
        Redshifts; stored for compatibility (no cosmology is needed for single-plane lensing).
    lens_redshift_list, cosmo : optional
        Accepted for compatibility, stored, not used.
    multi_plane : bool
        Only ``False`` is supported.
    z_source_convention : float, optional
        Must equal ``z_source`` when both are given (deflection rescaling is not supported).
    profile_kwargs_list : list of dict or None, optional
        Static options per profile (``None`` entries mean defaults).
    observed_convention_index, z_lens_convention, cosmo_interp, z_interp_stop, num_z_interp,
    decouple_multi_plane, kwargs_multiplane_model, distance_ratio_sampling, cosmology_sampling,
    cosmology_model, use_jax
        Multi-plane / cosmology options of the reference; accepted and ignored in single-plane
        mode (as the reference does), except that ``decouple_multi_plane=True``,
        ``distance_ratio_sampling=True`` and ``cosmology_sampling=True`` raise.

    Raises
    ------
    ValueError
        Unknown profile name (with its index), wrong length of ``profile_kwargs_list``.
    NotImplementedError
        Multi-plane lensing or a source-redshift rescaling.
    """

    def __init__(
        self,
        lens_model_list: Sequence[str],
        z_lens: float | None = None,
        z_source: float | None = None,
        lens_redshift_list: Sequence[float] | None = None,
        cosmo: Any = None,
        multi_plane: bool = False,
        observed_convention_index: Sequence[int] | None = None,
        z_source_convention: float | None = None,
        z_lens_convention: float | None = None,
        cosmo_interp: bool = False,
        z_interp_stop: float | None = None,
        num_z_interp: int = 100,
        profile_kwargs_list: Sequence[Mapping[str, Any] | None] | None = None,
        decouple_multi_plane: bool = False,
        kwargs_multiplane_model: Mapping[str, Any] | None = None,
        distance_ratio_sampling: bool = False,
        cosmology_sampling: bool = False,
        cosmology_model: str = "FlatLambdaCDM",
        use_jax: bool | Sequence[bool] = False,
    ) -> None:
        if isinstance(lens_model_list, str) or not isinstance(lens_model_list, Sequence):
            raise TypeError(
                f"lens_model_list must be a list of profile names, got {type(lens_model_list)!r}"
            )
        if multi_plane or decouple_multi_plane:
            raise NotImplementedError(
                "multi-plane lensing is not supported by chromalens; use multi_plane=False"
            )
        if distance_ratio_sampling or cosmology_sampling:
            raise NotImplementedError(
                "distance_ratio_sampling / cosmology_sampling apply to multi-plane lensing, "
                "which chromalens does not support"
            )
        if z_source_convention is None and z_source is not None:
            z_source_convention = z_source
        if z_source is None and z_source_convention is not None:
            z_source = z_source_convention
        if z_source is not None and z_source != z_source_convention:
            raise NotImplementedError(
                f"z_source={z_source} differs from z_source_convention={z_source_convention}: "
                "rescaling the deflection to another source redshift is not supported"
            )
        names = list(lens_model_list)
        for index, name in enumerate(names):
            if not isinstance(name, str) or name not in PROFILE_MODULES:
                raise ValueError(
                    f"lens model {index}: unknown profile {name!r}; supported: "
                    f"{', '.join(sorted(PROFILE_MODULES))}"
                )
        if profile_kwargs_list is None:
            profile_kwargs_list = [None] * len(names)
        if len(profile_kwargs_list) != len(names):
            raise ValueError(
                f"profile_kwargs_list has {len(profile_kwargs_list)} entries for "
                f"{len(names)} lens models"
            )

        self.lens_model_list = names
        self.profile_kwargs_list = [dict(o) if o else {} for o in profile_kwargs_list]
        self.z_lens = z_lens
        self.z_source = z_source
        self.redshift_list = lens_redshift_list
        self.cosmo = cosmo
        self.multi_plane = False
        self.type = "SinglePlane"
        self._profiles = tuple(get_profile(name) for name in names)
        self._required = tuple(
            tuple(n for n in m.PARAM_NAMES if n not in m.DEFAULTS) for m in self._profiles
        )
        self._compiled: dict[tuple[str, tuple[int, ...]], Callable] = {}

    # ------------------------------------------------------------------ parameters
    @property
    def param_name_list(self) -> list[list[str]]:
        """Parameter names of each profile (required and optional), in the reference's order."""
        return [list(m.PARAM_NAMES) for m in self._profiles]

    def check_parameters(self, kwargs: KwargsList) -> None:
        """Check the structure of a kwargs list; values are not inspected (jit-safe).

        Raises
        ------
        TypeError
            ``kwargs`` is not a list of dicts.
        ValueError
            Wrong length, an unknown key, or a missing required key (message names the
            profile index, the profile name and the key).
        """
        if isinstance(kwargs, Mapping) or not isinstance(kwargs, Sequence):
            raise TypeError(
                f"lens kwargs must be a list of dicts (one per profile), got {type(kwargs)!r}"
            )
        if len(kwargs) != len(self._profiles):
            raise ValueError(
                f"got {len(kwargs)} lens kwargs dicts for {len(self._profiles)} lens models "
                f"{self.lens_model_list}"
            )
        for index, (name, module, params) in enumerate(
            zip(self.lens_model_list, self._profiles, kwargs, strict=True)
        ):
            if not isinstance(params, Mapping):
                raise TypeError(
                    f"lens model {index} ({name}): kwargs must be a dict, got {type(params)!r}"
                )
            for key in params:
                if key not in module.PARAM_NAMES:
                    raise ValueError(
                        f"lens model {index} ({name}): unknown parameter {key!r}; "
                        f"allowed: {list(module.PARAM_NAMES)}"
                    )
            for key in self._required[index]:
                if key not in params:
                    raise ValueError(
                        f"lens model {index} ({name}): missing required parameter {key!r}"
                    )

    def fill_defaults(self, kwargs: KwargsList) -> list[dict[str, Any]]:
        """Validated copy of ``kwargs`` with every optional parameter filled in.

        Returns a list of dicts whose keys are exactly each profile's ``PARAM_NAMES`` (a fixed
        pytree structure for flattening); values are passed through unchanged.
        """
        self.check_parameters(kwargs)
        return [
            {name: params[name] if name in params else module.DEFAULTS[name]
             for name in module.PARAM_NAMES}
            for module, params in zip(self._profiles, kwargs, strict=True)
        ]

    def _indices(self, k) -> tuple[int, ...]:
        """Profile indices selected by ``k`` (None, int, list of int or list of bool)."""
        n = len(self._profiles)
        if k is None:
            return tuple(range(n))
        if not isinstance(k, bool):
            try:
                index = operator.index(k)
            except TypeError:
                index = None
            if index is not None:
                if not -n <= index < n:
                    raise ValueError(f"k={k} out of range for {n} lens models")
                return (index % n,)
        selection = list(k)
        if selection and all(isinstance(v, bool) for v in selection):
            if len(selection) != n:
                raise ValueError(f"boolean k has {len(selection)} entries for {n} lens models")
            return tuple(i for i, v in enumerate(selection) if v)
        indices = []
        for v in selection:
            index = operator.index(v)
            if not -n <= index < n:
                raise ValueError(f"k={k} out of range for {n} lens models")
            indices.append(index % n)
        return tuple(sorted(set(indices)))

    # ------------------------------------------------------------------ pure kernels
    def _potential_impl(self, x, y, params, indices):
        total = jnp.zeros_like(x)
        for i in indices:
            total = total + self._profiles[i].potential(
                x, y, params[i], self.profile_kwargs_list[i]
            )
        return total

    def _alpha_impl(self, x, y, params, indices):
        alpha_x, alpha_y = jnp.zeros_like(x), jnp.zeros_like(x)
        for i in indices:
            ax, ay = self._profiles[i].deflection(x, y, params[i], self.profile_kwargs_list[i])
            alpha_x, alpha_y = alpha_x + ax, alpha_y + ay
        return alpha_x, alpha_y

    def _hessian_impl(self, x, y, params, indices):
        total = [jnp.zeros_like(x) for _ in range(4)]
        for i in indices:
            parts = _profile_hessian(
                self._profiles[i], x, y, params[i], self.profile_kwargs_list[i]
            )
            total = [t + jnp.broadcast_to(p, x.shape) for t, p in zip(total, parts, strict=True)]
        return tuple(total)

    def _run(self, kind: str, x, y, kwargs, k):
        params = self.fill_defaults(kwargs)
        indices = self._indices(k)
        x, y = jnp.broadcast_arrays(jnp.asarray(x, dtype=float), jnp.asarray(y, dtype=float))
        key = (kind, indices)
        if key not in self._compiled:
            impl = getattr(self, f"_{kind}_impl")
            self._compiled[key] = jax.jit(partial(impl, indices=indices))
        return self._compiled[key](x, y, params)

    # ------------------------------------------------------------------ public API
    def potential(self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None) -> jax.Array:
        """Lensing potential (arcsec^2) at ``(x, y)`` (arcsec); same shape as the inputs.

        ``k``: None (all profiles), an index, or a list of indices / booleans.
        """
        return self._run("potential", x, y, kwargs, k)

    def alpha(
        self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None, diff=None
    ) -> tuple[jax.Array, jax.Array]:
        """Deflection ``(alpha_x, alpha_y)`` (arcsec).

        ``diff`` (the reference's finite-difference option) must be None: deflections are
        always analytic here.
        """
        if diff is not None:
            raise NotImplementedError("finite-difference deflections (diff) are not supported")
        return self._run("alpha", x, y, kwargs, k)

    def ray_shooting(
        self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None
    ) -> tuple[jax.Array, jax.Array]:
        """Source-plane position ``(x - alpha_x, y - alpha_y)`` (arcsec) of image positions."""
        alpha_x, alpha_y = self.alpha(x, y, kwargs, k=k)
        x, y = jnp.broadcast_arrays(jnp.asarray(x, dtype=float), jnp.asarray(y, dtype=float))
        return x - alpha_x, y - alpha_y

    def hessian(
        self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None, diff=None,
        diff_method: str = "square",
    ) -> tuple[jax.Array, jax.Array, jax.Array, jax.Array]:
        """Second derivatives ``(f_xx, f_xy, f_yx, f_yy)`` of the potential (dimensionless).

        ``f_xy = d alpha_x / d y`` and ``f_yx = d alpha_y / d x``. Exact (closed form or automatic
        differentiation); ``diff`` must be None.
        """
        if diff is not None:
            raise NotImplementedError("finite-difference Hessians (diff) are not supported")
        return self._run("hessian", x, y, kwargs, k)

    def kappa(self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None, diff=None,
              diff_method: str = "square") -> jax.Array:
        """Convergence ``(f_xx + f_yy) / 2``."""
        f_xx, _, _, f_yy = self.hessian(x, y, kwargs, k=k, diff=diff)
        return 0.5 * (f_xx + f_yy)

    def curl(self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None, diff=None,
             diff_method: str = "square") -> jax.Array:
        """``f_xy - f_yx`` (zero for a curl-free deflection field)."""
        _, f_xy, f_yx, _ = self.hessian(x, y, kwargs, k=k, diff=diff)
        return f_xy - f_yx

    def gamma(self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None, diff=None,
              diff_method: str = "square") -> tuple[jax.Array, jax.Array]:
        """Shear ``(gamma1, gamma2) = ((f_xx - f_yy) / 2, f_xy)``."""
        f_xx, f_xy, _, f_yy = self.hessian(x, y, kwargs, k=k, diff=diff)
        return 0.5 * (f_xx - f_yy), f_xy

    def magnification(self, x: ArrayLike, y: ArrayLike, kwargs: KwargsList, k=None, diff=None,
                      diff_method: str = "square") -> jax.Array:
        """Signed magnification ``1 / ((1 - f_xx)(1 - f_yy) - f_xy f_yx)``."""
        f_xx, f_xy, f_yx, f_yy = self.hessian(x, y, kwargs, k=k, diff=diff)
        return 1.0 / ((1.0 - f_xx) * (1.0 - f_yy) - f_xy * f_yx)

    def fermat_potential(
        self, x_image: ArrayLike, y_image: ArrayLike, kwargs_lens: KwargsList,
        x_source: ArrayLike | None = None, y_source: ArrayLike | None = None, k=None,
    ) -> jax.Array:
        """Fermat potential ``|theta - beta|^2 / 2 - psi(theta)`` (arcsec^2).

        Without ``x_source``/``y_source`` the source position of each image is obtained by
        ray shooting (as the reference does).
        """
        psi = self.potential(x_image, y_image, kwargs_lens, k=k)
        x_image, y_image = jnp.broadcast_arrays(
            jnp.asarray(x_image, dtype=float), jnp.asarray(y_image, dtype=float)
        )
        if x_source is None or y_source is None:
            x_source, y_source = self.ray_shooting(x_image, y_image, kwargs_lens, k=k)
        geometry = ((x_image - x_source) ** 2 + (y_image - y_source) ** 2) / 2.0
        return geometry - psi

    # ------------------------------------------------------------------ compatibility
    def set_static(self, kwargs: KwargsList) -> KwargsList:
        """No-op kept for API compatibility (nothing is cached per parameter value)."""
        self.check_parameters(kwargs)
        return kwargs

    def set_dynamic(self) -> None:
        """No-op kept for API compatibility."""

    def info(self) -> None:
        """Print each profile's name and parameter names."""
        for index, (name, module) in enumerate(
            zip(self.lens_model_list, self._profiles, strict=True)
        ):
            print(f"Lens model {index} is {name} with parameters {list(module.PARAM_NAMES)}")
