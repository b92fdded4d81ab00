"""``LightModel``: a list of surface-brightness profiles, their sum and their linear basis.

The class mirrors lenstronomy's ``LightModel`` (method names, argument order, return values)
and is also the functional engine used by the imaging code:

* every method that evaluates light (``surface_brightness``, ``basis_stack``,
  ``functions_split``, ``total_flux``, ``with_linear_amplitudes``) is pure ``jax.numpy`` code,
  usable inside ``jax.jit`` / ``vmap`` / ``grad`` with kwargs pytrees of traced values;
* validation (profile names, kwargs keys, list lengths) only looks at static things, at every
  call, and raises ``ValueError`` naming the profile index, profile name and key;
* the only values that must stay concrete (Python ints, never traced) are the profiles'
  ``STATIC_KEYS`` (e.g. the shapelet order ``n_max``): they fix array shapes. Under an outer
  ``jit``, close over them (see :meth:`LightModel.split_static` / :meth:`LightModel.merge_static`).

``update_linear`` writes the solved amplitudes into the caller's dicts in place, as the
reference does (documented side effect); ``with_linear_amplitudes`` is its pure counterpart.

Deliberate differences from the reference (lenstronomy 1.14.2):

* ``num_param_linear_list`` counts ``SERSIC_ELLIPSE_Q_PHI`` as one linear coefficient (the
  reference omits it from that list and raises, although ``functions_split`` and
  ``update_linear`` handle it);
* ``total_flux`` is available for every profile that defines one (the reference also refuses
  ``SERSIC_ELLIPSE_Q_PHI``, whose flux is that of the equivalent ``SERSIC_ELLIPSE``);
* ``profile_kwargs_list`` of the wrong length and unknown profile options are errors (the
  reference silently zips / fails with a TypeError).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chromalens._trace_sharing import shared
from chromalens.light.factored_basis import block_images
from chromalens.light.profiles import get_profile

KwargsList = Sequence[dict[str, Any]]

#: profiles whose amplitude has a physical (non-negative) meaning, checked by
#: ``check_positive_flux_profile`` (the reference's list, restricted to names chromalens knows)
POSITIVE_FLUX_PROFILES = frozenset(
    {
        "MULTI_GAUSSIAN",
        "MULTI_GAUSSIAN_ELLIPSE",
        "CHAMELEON",
        "CORE_SERSIC",
        "GAUSSIAN",
        "GAUSSIAN_ELLIPSE",
        "HERNQUIST",
        "HERNQUIST_ELLIPSE",
        "NIE",
        "PJAFFE",
        "PJAFFE_ELLIPSE",
        "POWER_LAW",
        "SERSIC",
        "SERSIC_ELLIPSE",
    }
)

#: profiles whose ``amp`` is an array (one entry per linear coefficient) in the reference's
#: ``total_flux(norm=True)``: normalised to unit sum instead of set to 1
_ARRAY_AMP_NORM_PROFILES = frozenset({"MULTI_GAUSSIAN", "MULTI_GAUSSIAN_ELLIPSE"})


def _is_tracer(value) -> bool:
    return isinstance(value, jax.core.Tracer)


def _static_value(value, index: int, name: str, key: str):
    """Concrete, hashable Python value of a static (shape-fixing) kwarg."""
    if _is_tracer(value):
        raise TypeError(
            f"light profile {index} ({name}): parameter {key!r} fixes array shapes and must be a "
            "concrete Python number, not a traced value; close over it (LightModel.split_static)"
        )
    array = np.asarray(value)
    if array.ndim != 0:
        raise ValueError(f"light profile {index} ({name}): parameter {key!r} must be a scalar")
    return array.item()


class LightModel:
    """Sum of surface-brightness profiles (flux per arcsec^2) and their linear basis.

    Parameters
    ----------
    light_model_list : list of str
        Profile names, e.g. ``["SERSIC_ELLIPSE", "SHAPELETS"]``.
    profile_kwargs_list : list of (dict or None), optional
        Static options per profile (e.g. ``{"sersic_major_axis": True}``), same length.
    deflection_scaling_list, source_redshift_list : list of float, optional
        Stored for the lens-plane logic of the imaging code (``deflection_scaling_list``,
        ``redshift_list`` attributes), as in the reference; not used here.
    """

    def __init__(
        self,
        light_model_list: Sequence[str],
        profile_kwargs_list: Sequence[dict | None] | None = None,
        deflection_scaling_list: Sequence[float] | None = None,
        source_redshift_list: Sequence[float] | None = None,
    ) -> None:
        if isinstance(light_model_list, str) or not isinstance(light_model_list, Sequence):
            raise TypeError("light_model_list must be a list of profile names")
        n = len(light_model_list)
        if profile_kwargs_list is None:
            profile_kwargs_list = [None] * n
        if len(profile_kwargs_list) != n:
            raise ValueError(
                f"profile_kwargs_list has {len(profile_kwargs_list)} entries for {n} light profiles"
            )
        self.profile_type_list = list(light_model_list)
        self._profiles = []
        self._options = []
        pairs = zip(light_model_list, profile_kwargs_list, strict=True)
        for index, (name, options) in enumerate(pairs):
            if not isinstance(name, str):
                raise TypeError(f"light profile {index}: name must be a string, got {name!r}")
            try:
                profile = get_profile(name)
            except ValueError as error:
                raise ValueError(f"light profile {index}: {error}") from None
            except ImportError as error:
                raise ValueError(
                    f"light profile {index} ({name}) is not available: {error}"
                ) from None
            if options is not None and not isinstance(options, dict):
                raise TypeError(
                    f"light profile {index} ({name}): profile_kwargs_list entries must be dicts or "
                    f"None, got {options!r} (note: the second positional argument is "
                    "profile_kwargs_list, pass deflection_scaling_list by keyword)"
                )
            options = {} if options is None else dict(options)
            allowed = getattr(profile, "OPTIONS", None)
            if allowed is not None:
                for key in options:
                    if key not in allowed:
                        raise ValueError(
                            f"light profile {index} ({name}): unknown profile option {key!r}; "
                            f"allowed: {sorted(allowed)}"
                        )
                options = {**allowed, **options}
            self._profiles.append(profile)
            self._options.append(options)
        self._num_func = n
        self.deflection_scaling_list = deflection_scaling_list
        self.redshift_list = source_redshift_list
        self._surface_brightness_jit = jax.jit(
            self._surface_brightness_impl, static_argnums=(3, 4)
        )
        self._basis_stack_jit = jax.jit(self._basis_stack_impl, static_argnums=(3, 4))

    # ------------------------------------------------------------------ static configuration
    @property
    def param_name_list(self) -> list[list[str]]:
        """The reference's parameter names of every profile (list of lists of str)."""
        return [list(profile.PARAM_NAMES) for profile in self._profiles]

    def _accepted_keys(self, index: int) -> set[str]:
        profile = self._profiles[index]
        return set(profile.PARAM_NAMES) | set(profile.DEFAULTS)

    def _check_kwargs(self, kwargs_list: KwargsList, require_amp: bool = True) -> None:
        """Static validation of the kwargs list (keys and lengths only)."""
        if isinstance(kwargs_list, dict) or not isinstance(kwargs_list, Sequence):
            raise TypeError("kwargs_list must be a list of dicts, one per light profile")
        if len(kwargs_list) != self._num_func:
            raise ValueError(
                f"kwargs_list has {len(kwargs_list)} entries for {self._num_func} light profiles "
                f"{self.profile_type_list}"
            )
        for index, (name, profile, kwargs) in enumerate(
            zip(self.profile_type_list, self._profiles, kwargs_list, strict=True)
        ):
            if not isinstance(kwargs, dict):
                raise TypeError(f"light profile {index} ({name}): kwargs must be a dict")
            accepted = self._accepted_keys(index)
            for key in kwargs:
                if key not in accepted:
                    raise ValueError(
                        f"light profile {index} ({name}): unknown parameter {key!r}; "
                        f"allowed: {sorted(accepted)}"
                    )
            for key in profile.PARAM_NAMES:
                if key in profile.DEFAULTS or key in kwargs:
                    continue
                if key == "amp" and not require_amp:
                    continue
                raise ValueError(f"light profile {index} ({name}): missing parameter {key!r}")

    def check_parameters(self, kwargs_list: KwargsList) -> None:
        """Raise ``ValueError`` unless every profile gets exactly its parameter names.

        Stricter than the evaluation methods (which accept defaults): like the reference's
        ``check_parameters``, every name of ``param_name_list`` must be present.
        """
        self._check_kwargs(kwargs_list)
        for index, (name, profile, kwargs) in enumerate(
            zip(self.profile_type_list, self._profiles, kwargs_list, strict=True)
        ):
            for key in profile.PARAM_NAMES:
                if key not in kwargs:
                    raise ValueError(f"light profile {index} ({name}): missing parameter {key!r}")
            for key in kwargs:
                if key not in profile.PARAM_NAMES:
                    raise ValueError(
                        f"light profile {index} ({name}): parameter {key!r} is not a model "
                        f"parameter; allowed: {list(profile.PARAM_NAMES)}"
                    )

    def _selection(self, k) -> tuple[bool, ...]:
        """The reference's ``convert_bool_list``: None / int / list of ints / list of bools."""
        n = self._num_func
        if k is None:
            return (True,) * n
        if isinstance(k, (int, np.integer)) and not isinstance(k, bool):
            if not -n <= int(k) < n:
                raise ValueError(f"k={k} out of range for {n} light profiles")
            selection = [False] * n
            selection[int(k)] = True
            return tuple(selection)
        k = list(k)
        if len(k) == 0:
            return (False,) * n
        if isinstance(k[0], (bool, np.bool_)):
            if len(k) != n:
                raise ValueError(
                    f"boolean selection k has {len(k)} entries for {n} light profiles"
                )
            return tuple(bool(b) for b in k)
        selection = [False] * n
        for index in k:
            if not -n <= int(index) < n:
                raise ValueError(f"k contains {index}, out of range for {n} light profiles")
            selection[int(index)] = True
        return tuple(selection)

    def split_static(self, kwargs_list: KwargsList) -> tuple[list[dict], tuple]:
        """Separate the shape-fixing kwargs (``STATIC_KEYS``, e.g. ``n_max``) from the rest.

        Returns
        -------
        dynamic : list of dict
            The kwargs without the static keys (a pytree of arrays, safe to trace).
        static : tuple
            Hashable ``((key, value), ...)`` per profile; pass it as a static argument and
            recombine with :meth:`merge_static`.
        """
        dynamic, static = [], []
        for index, (name, profile, kwargs) in enumerate(
            zip(self.profile_type_list, self._profiles, kwargs_list, strict=True)
        ):
            keys = tuple(getattr(profile, "STATIC_KEYS", ()))
            static.append(
                tuple(
                    (key, _static_value(kwargs[key], index, name, key))
                    for key in keys
                    if key in kwargs
                )
            )
            dynamic.append({key: value for key, value in kwargs.items() if key not in keys})
        return dynamic, tuple(static)

    @staticmethod
    def merge_static(dynamic_list: KwargsList, static: tuple) -> list[dict]:
        """Inverse of :meth:`split_static`: new dicts with the static keys put back."""
        return [
            {**kwargs, **dict(pairs)} for kwargs, pairs in zip(dynamic_list, static, strict=True)
        ]

    def _params(self, index: int, kwargs: dict) -> dict:
        """Parameter dict of profile ``index`` with the defaults filled in."""
        return {**self._profiles[index].DEFAULTS, **kwargs}

    def _filled(self, kwargs_list: KwargsList, drop_amp: bool = False) -> list[dict]:
        """Kwargs with defaults filled in (one pytree structure per model: fewer recompiles);
        without ``amp`` where only the unit-amplitude basis is needed."""
        filled = [self._params(index, kwargs) for index, kwargs in enumerate(kwargs_list)]
        if drop_amp:
            filled = [{k: v for k, v in kw.items() if k != "amp"} for kw in filled]
        return filled

    def num_param_linear_list(self, kwargs_list: KwargsList) -> list[int]:
        """Number of linear coefficients of each profile (list of int, all profiles)."""
        self._check_kwargs(kwargs_list, require_amp=False)
        return [
            int(profile.num_linear(self._params(index, kwargs), self._options[index]))
            for index, (profile, kwargs) in enumerate(zip(self._profiles, kwargs_list, strict=True))
        ]

    def num_param_linear(self, kwargs_list: KwargsList, list_return: bool = False):
        """Total number of linear coefficients (int), or the per-profile list."""
        n_list = self.num_param_linear_list(kwargs_list)
        if list_return:
            return n_list
        return int(sum(n_list))

    # ------------------------------------------------------------------ evaluation (pure)
    @staticmethod
    def _coordinates(x, y):
        x = jnp.asarray(x, dtype=float)
        y = jnp.asarray(y, dtype=float)
        return jnp.broadcast_arrays(x, y)

    def _surface_brightness_impl(self, x, y, dynamic, static, selection):
        x, y = self._coordinates(x, y)
        kwargs_list = self.merge_static(dynamic, static)
        flux = jnp.zeros(jnp.shape(x))
        for index, selected in enumerate(selection):
            if selected:
                profile = self._profiles[index]
                params = self._params(index, kwargs_list[index])
                flux = flux + profile.surface_brightness(x, y, params, self._options[index])
        return flux

    def _basis_blocks_impl(self, x, y, dynamic, static, selection):
        x, y = self._coordinates(x, y)
        kwargs_list = self.merge_static(dynamic, static)
        blocks = []
        for index, selected in enumerate(selection):
            if selected:
                profile = self._profiles[index]
                params = self._params(index, kwargs_list[index])
                factors = getattr(profile, "basis_factors", None)
                if factors is not None:
                    blocks.append(factors(x, y, params, self._options[index]))
                    continue
                block = profile.basis(x, y, params, self._options[index])
                blocks.append(jnp.reshape(block, (-1,) + jnp.shape(x)))
        return blocks

    def _basis_stack_impl(self, x, y, dynamic, static, selection):
        blocks = self._basis_blocks_impl(x, y, dynamic, static, selection)
        if not blocks:
            return jnp.zeros((0,) + jnp.shape(x))
        return jnp.concatenate([block_images(block) for block in blocks], axis=0)

    def basis_blocks(self, x, y, kwargs_list: KwargsList) -> list:
        """:meth:`basis_stack` before the concatenation (pure).

        Returns
        -------
        list, one entry per profile:
            an array of shape ``(n_linear_i, *x.shape)``, or, for a profile whose images are
            products of two stacks of factors (SHAPELETS), a
            :class:`~chromalens.light.factored_basis.FactoredBasis` of points ``x.shape``,
            best formed inside its consumer (``Numerics.re_size_convolve_blocks``).
        """
        self._check_kwargs(kwargs_list, require_amp=False)
        dynamic, static = self.split_static(self._filled(kwargs_list, drop_amp=True))
        selection = self._selection(None)
        # one evaluation per traced program for bands sharing coordinates and parameters
        return list(shared(
            ("light basis", tuple(self.profile_type_list), repr(self._options), static,
             selection),
            (x, y, dynamic),
            lambda: self._basis_blocks_impl(x, y, dynamic, static, selection)))

    def basis_contracted(self, x, y, kwargs_list: KwargsList, amplitudes, start: int = 0):
        """``amplitudes @ basis_stack``: the summed surface brightness of every profile for
        each row of coefficients (pure).

        Profiles whose basis images are products of stored factors (SHAPELETS, with a
        ``basis_contract`` function) contract the factors directly, so the basis images are
        never formed (their reverse-mode derivative then costs about one image); the others
        scale their unit-amplitude images from :meth:`basis_blocks` (shared by bands).

        Parameters
        ----------
        x, y : arrays of one shape (arcsec)
        kwargs_list : list of dict
            With the static keys (``n_max``); ``amp`` is ignored.
        amplitudes : array (J, n)
            Coefficient vectors; this model's coefficients are columns ``start`` onwards,
            in the reference's order.
        start : int (static)

        Returns
        -------
        images : array (J, *x.shape)
        stop : int, the column after this model's last coefficient
        """
        counts = self.num_param_linear_list(kwargs_list)
        contracts = [getattr(profile, "basis_contract", None) for profile in self._profiles]
        blocks = (self.basis_blocks(x, y, kwargs_list) if None in contracts
                  else [None] * len(counts))  # unit images only where they are used
        xs, ys = self._coordinates(x, y)
        filled = self._filled(kwargs_list, drop_amp=True)
        images = jnp.zeros((amplitudes.shape[0],) + jnp.shape(xs))
        for index, (count, contract, block) in enumerate(zip(counts, contracts, blocks,
                                                             strict=True)):
            coefficients = amplitudes[:, start:start + count]
            start += count
            if contract is not None:
                images = images + contract(xs, ys, self._params(index, filled[index]),
                                           coefficients, self._options[index])
            else:
                images = images + jnp.tensordot(coefficients, block_images(block), axes=1)
        return images, start

    def surface_brightness(self, x, y, kwargs_list: KwargsList, k=None):
        """Summed surface brightness (flux/arcsec^2) of the selected profiles.

        Parameters
        ----------
        x, y : array_like, same shape
            Coordinates (arcsec).
        kwargs_list : list of dict
            One dict of parameters per profile (values may be traced).
        k : None, int, list of int or list of bool
            Profiles to include (all by default).

        Returns
        -------
        jax.Array, shape of ``x``
        """
        self._check_kwargs(kwargs_list, require_amp=True)
        selection = self._selection(k)
        dynamic, static = self.split_static(self._filled(kwargs_list))
        return self._surface_brightness_jit(x, y, dynamic, static, selection)

    def basis_stack(self, x, y, kwargs_list: KwargsList, k=None):
        """All basis images at unit amplitude, stacked: the functional ``functions_split``.

        Returns
        -------
        jax.Array, shape ``(n_linear, *x.shape)``
            One image (flux/arcsec^2 per unit coefficient) per linear coefficient of the
            selected profiles, in the reference's order. ``amp`` need not be in the kwargs.
        """
        self._check_kwargs(kwargs_list, require_amp=False)
        selection = self._selection(k)
        dynamic, static = self.split_static(self._filled(kwargs_list, drop_amp=True))
        return self._basis_stack_jit(x, y, dynamic, static, selection)

    def functions_split(self, x, y, kwargs_list: KwargsList, k=None):
        """Basis images at unit amplitude as the reference returns them.

        Returns
        -------
        images : list of arrays, each of the shape of ``x`` (numpy arrays for concrete inputs,
            traced arrays under ``jit``); prefer :meth:`basis_stack` in new code
        n : int
            Number of images (linear coefficients of the selected profiles).
        """
        stack = self.basis_stack(x, y, kwargs_list, k=k)
        if isinstance(stack, jax.core.Tracer):
            return list(stack), int(stack.shape[0])
        # concrete: numpy views of one host copy, as the reference returns (no per-image dispatch)
        return list(np.asarray(stack)), int(stack.shape[0])

    def total_flux(self, kwargs_list: KwargsList, norm: bool = False, k=None) -> list:
        """Integrated flux of each selected profile (list, one entry per profile).

        With ``norm=True`` the flux at unit amplitude (``amp = 1``; array amplitudes such as
        MULTI_GAUSSIAN's normalised to unit sum, equal weights if missing), and ``amp`` may be
        missing. Raises ``ValueError`` for profiles without a total flux (CORE_SERSIC, UNIFORM).
        """
        self._check_kwargs(kwargs_list, require_amp=not norm)
        selection = self._selection(k)
        fluxes = []
        for index, selected in enumerate(selection):
            if not selected:
                continue
            name = self.profile_type_list[index]
            profile = self._profiles[index]
            flux_function = getattr(profile, "total_flux", None)
            if flux_function is None:
                raise ValueError(
                    f"light profile {index} ({name}) does not support flux normalisation"
                )
            params = self._params(index, kwargs_list[index])
            if norm:
                if name in _ARRAY_AMP_NORM_PROFILES or not getattr(profile, "SCALAR_AMP", True):
                    if "amp" in params:
                        amp = jnp.atleast_1d(jnp.asarray(params["amp"], dtype=float))
                    else:  # no amplitudes given: equal weights
                        amp = jnp.ones(int(profile.num_linear(params, self._options[index])))
                    params["amp"] = amp / jnp.sum(amp)
                else:
                    params["amp"] = 1.0
            fluxes.append(flux_function(params, self._options[index]))
        return fluxes

    # ------------------------------------------------------------------ linear amplitudes
    def _amplitude_slices(self, i: int, kwargs_list: KwargsList):
        """Yield ``(profile index, start, count)`` for every profile, starting at ``i``."""
        n_list = self.num_param_linear_list(kwargs_list)
        for index, count in enumerate(n_list):
            yield index, i, count
            i += count

    def _amplitude_value(self, index: int, param, start: int, count: int):
        if count == 1 and getattr(self._profiles[index], "SCALAR_AMP", True):
            return param[start]
        return param[start : start + count]

    def update_linear(self, param, i: int, kwargs_list: KwargsList):
        """Write linear coefficients into the kwargs **in place**, as the reference does.

        ``amp = param[i]`` for single-coefficient profiles, ``amp = param[i:i+n]`` for the
        multi-coefficient ones (MULTI_GAUSSIAN*, SHAPELETS), for all profiles in order.

        Returns
        -------
        kwargs_list : the same (mutated) list
        i : int, index after the last coefficient read
        """
        self._check_kwargs(kwargs_list, require_amp=False)
        for index, start, count in self._amplitude_slices(i, kwargs_list):
            kwargs_list[index]["amp"] = self._amplitude_value(index, param, start, count)
            i = start + count
        return kwargs_list, i

    def with_linear_amplitudes(self, param, i: int, kwargs_list: KwargsList):
        """Pure counterpart of :meth:`update_linear`: new dicts, the input is not touched.

        Returns ``(new_kwargs_list, i_next)``; works with traced ``param`` (``i`` static).
        """
        self._check_kwargs(kwargs_list, require_amp=False)
        new_list = [dict(kwargs) for kwargs in kwargs_list]
        for index, start, count in self._amplitude_slices(i, kwargs_list):
            new_list[index]["amp"] = self._amplitude_value(index, param, start, count)
            i = start + count
        return new_list, i

    def linear_param_from_kwargs(self, kwargs_list: KwargsList) -> list:
        """Inverse of :meth:`update_linear`: all amplitudes, flattened, in coefficient order."""
        param = []
        for profile, kwargs in zip(self._profiles, kwargs_list, strict=True):
            if "amp" in profile.PARAM_NAMES:
                param.extend(list(jnp.atleast_1d(jnp.asarray(kwargs["amp"]))))
        return param

    def check_positive_flux_profile(self, kwargs_list: KwargsList):
        """False if any profile with a physical amplitude has ``amp < 0``.

        Profiles checked: :data:`POSITIVE_FLUX_PROFILES` (UNIFORM, SHAPELETS, INTERPOL and
        SERSIC_ELLIPSE_Q_PHI may be negative), and only where ``amp`` is present.

        Returns
        -------
        jax.Array, 0-d bool
            Usable in an ``if`` on concrete values and in ``jnp.where`` under ``jit``.
        """
        ok = jnp.asarray(True)
        for name, kwargs in zip(self.profile_type_list, kwargs_list, strict=True):
            if "amp" in kwargs and name in POSITIVE_FLUX_PROFILES:
                ok = ok & ~jnp.any(jnp.asarray(kwargs["amp"]) < 0)
        return ok
