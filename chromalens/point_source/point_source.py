"""``PointSource``: a list of point-source models, their image positions and amplitudes.

Mirrors the reference's ``lenstronomy.PointSource.PointSource`` (constructor keywords, method
names, return shapes) and adds a pure functional face for the jit-compiled imaging core.
See the package docstring (:mod:`chromalens.point_source`) for the interface and
:mod:`chromalens.point_source.types` for the parameters of each type.

Deliberate differences from the reference (lenstronomy 1.14.2), each a bug fix:

* **No hidden state.** The reference caches solved image positions (``save_cache``,
  ``PointSourceCached``), so a second call can reuse the previous call's positions. Here
  nothing is cached: ``set_save_cache`` and ``delete_lens_model_cache`` are accepted no-ops and
  the same call twice returns the same answer. (Within one call positions are solved once.)
* Each ``PointSource`` keeps its **own deep copy** of ``kwargs_lens_eqn_solver``; the reference
  stores the caller's dict and ``update_search_window`` mutates it, which leaks one band's
  search window into every other band built from the same dict.
* ``image_position(width_search_factor=...)`` widens the search window (the reference's test
  ``hasattr(dict, "search_window")`` is always False, so it never did).
* ``check_positive_flux(None)`` is True (the reference raises).
* SOURCE_POSITION ``source_amplitude`` divides by ``|mu|`` (see ``types.SourcePosition``) and
  uses this object's solver settings.
* With ``index_lens_model_list`` / ``point_source_frame_list``, the fixed-magnification basis
  of ``linear_response_set`` uses each image's own lens-model subset, as ``image_amplitude``
  does (the reference's linear response uses the full lens model there).
* The type's amplitudes never alias the caller's arrays (the reference multiplies
  ``point_amp`` by ``mag_pert`` in place when their lengths match).
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from .types import POINT_SOURCE_TYPES, PointSourceType, _as_vector, _is_tracer, newton_refine

__all__ = ["PointSource"]

KwargsList = Sequence[Mapping[str, Any]]
#: per model: ``(x_image, y_image)`` arrays from the solver, or None (positions from kwargs)
SolvedPositions = Sequence[tuple[Any, Any] | None]

_SUPPORTED_MODELS = tuple(POINT_SOURCE_TYPES)
_DEFAULT_SEARCH_WINDOW = 10.0  # the solver's default window [arcsec]


def _per_model_list(values, n: int, default, name: str) -> list:
    if values is None:
        return [default] * n
    values = list(values)
    if len(values) != n:
        raise ValueError(f"{name} has {len(values)} entries for {n} point-source models")
    return values


class PointSource:
    """Point-source models (UNLENSED, LENSED_POSITION, SOURCE_POSITION).

    Parameters
    ----------
    point_source_type_list : list of str
        One type name per model.
    lens_model : LensModel, optional
        Needed by the lensed types for magnifications and the lens-equation solver.
    fixed_magnification_list : list of bool, optional
        Per model: amplitudes ``source_amp * |mu|`` (one linear parameter) instead of one free
        ``point_amp`` per image. Not allowed for UNLENSED.
    additional_images_list : list of bool, optional
        Per model (LENSED_POSITION): re-solve the lens equation for all images of the source.
    flux_from_point_source_list : list of bool, optional
        Per model: False makes the model dark in images and linear fits (its positions are
        still reported). Default all True.
    magnification_limit : float, optional
        Solver: drop images with ``|mu|`` below this limit.
    save_cache : bool
        Accepted for compatibility; nothing is ever cached (see module docstring).
    kwargs_lens_eqn_solver : dict, optional
        Keywords of ``LensEquationSolver.image_position_from_source`` (``min_distance``,
        ``search_window``, ``x_center``, ``y_center``, ``precision_limit``, ...). Deep-copied.
    index_lens_model_list : list of list of int, optional
        Lens-model subset per frame / band.
    point_source_frame_list : list of (list of int or None), optional
        Per model (LENSED_POSITION): the frame of each image; required with
        ``index_lens_model_list``.
    redshift_list : list of (float or None), optional
        Source redshift per model; only None (or the lens model's ``z_source``) is supported.

    Raises
    ------
    ValueError
        Unknown type name (with its index), per-model lists of the wrong length,
        fixed magnification for an UNLENSED model, missing ``point_source_frame_list``.
    NotImplementedError
        A source redshift different from the lens model's.
    """

    def __init__(
        self,
        point_source_type_list: Sequence[str],
        lens_model=None,
        fixed_magnification_list: Sequence[bool] | None = None,
        additional_images_list: Sequence[bool] | None = None,
        flux_from_point_source_list: Sequence[bool] | None = None,
        magnification_limit: float | None = None,
        save_cache: bool = False,
        kwargs_lens_eqn_solver: Mapping[str, Any] | None = None,
        index_lens_model_list: Sequence[Sequence[int]] | None = None,
        point_source_frame_list: Sequence[Sequence[int] | None] | None = None,
        redshift_list: Sequence[float | None] | None = None,
    ) -> None:
        if isinstance(point_source_type_list, str) or not isinstance(
            point_source_type_list, Sequence
        ):
            raise TypeError("point_source_type_list must be a list of point-source type names")
        types = list(point_source_type_list)
        n = len(types)
        for index, name in enumerate(types):
            if name not in POINT_SOURCE_TYPES:
                raise ValueError(
                    f"point source {index}: unknown type {name!r}; supported: "
                    f"{list(_SUPPORTED_MODELS)}"
                )
        fixed = [bool(v) for v in _per_model_list(
            fixed_magnification_list, n, False, "fixed_magnification_list")]
        additional = [bool(v) for v in _per_model_list(
            additional_images_list, n, False, "additional_images_list")]
        flux_from = [bool(v) for v in _per_model_list(
            flux_from_point_source_list, n, True, "flux_from_point_source_list")]
        redshifts = _per_model_list(redshift_list, n, None, "redshift_list")
        for index, name in enumerate(types):
            if name == "UNLENSED" and fixed[index]:
                raise ValueError(
                    f"point source {index} (UNLENSED): fixed_magnification needs a lensed type"
                )
            z = redshifts[index]
            if z is not None and (lens_model is None or getattr(lens_model, "z_source", None) != z):
                raise NotImplementedError(
                    f"point source {index} ({name}): redshift {z} differs from the lens model's "
                    "z_source; multiple source redshifts are not supported"
                )
        if "LENSED_POSITION" in types and index_lens_model_list is not None:
            if point_source_frame_list is None:
                raise ValueError(
                    "with index_lens_model_list, point_source_frame_list is required for "
                    "LENSED_POSITION"
                )
        frames = _per_model_list(
            point_source_frame_list if index_lens_model_list is not None else None,
            n, None, "point_source_frame_list",
        )

        self.point_source_type_list = types
        self._lens_model = lens_model
        self._fixed_magnification_list = fixed
        self._additional_images_list = additional
        self._flux_from_point_source_list = flux_from
        self._redshift_list = redshifts
        self._index_lens_model_list = (
            None if index_lens_model_list is None else [list(v) for v in index_lens_model_list]
        )
        self._point_source_frame_list = frames
        self._magnification_limit = magnification_limit
        self._save_cache = bool(save_cache)
        self._kwargs_lens_eqn_solver = copy.deepcopy(dict(kwargs_lens_eqn_solver or {}))
        self._solver = None
        self._models: list[PointSourceType] = []
        for index, name in enumerate(types):
            k_list = None
            if (name == "LENSED_POSITION" and self._index_lens_model_list is not None
                    and frames[index] is not None):
                k_list = [self._index_lens_model_list[f] for f in frames[index]]
            self._models.append(POINT_SOURCE_TYPES[name](
                index, lens_model=lens_model, fixed_magnification=fixed[index],
                additional_images=additional[index], k_list=k_list,
            ))

    # ------------------------------------------------------------------ configuration
    @property
    def fixed_magnification_list(self) -> list[bool]:
        """Per model: amplitudes tied to the lens magnification."""
        return list(self._fixed_magnification_list)

    @property
    def flux_from_point_source_list(self) -> list[bool]:
        """Per model: whether the model contributes flux."""
        return list(self._flux_from_point_source_list)

    @property
    def kwargs_lens_eqn_solver(self) -> dict:
        """A copy of this object's lens-equation solver settings."""
        return copy.deepcopy(self._kwargs_lens_eqn_solver)

    @property
    def uses_solver(self) -> tuple[bool, ...]:
        """Per model: True when its image positions come from the lens-equation solver.

        Those models need :meth:`solve_image_positions` outside ``jit``; the others read their
        positions from the kwargs (traceable).
        """
        return tuple(m.uses_solver for m in self._models)

    def update_search_window(
        self,
        search_window: float,
        x_center: float,
        y_center: float,
        min_distance: float | None = None,
        only_from_unspecified: bool = False,
    ) -> None:
        """Set the solver's search window (this object's own settings only).

        Parameters
        ----------
        search_window : float
            Side of the square searched for images [arcsec].
        x_center, y_center : float
            Centre of the window [arcsec].
        min_distance : float, optional
            Solver grid spacing [arcsec]; only used with ``only_from_unspecified`` and only
            if not set before (as in the reference).
        only_from_unspecified : bool
            Keep values that were already set.
        """
        settings = self._kwargs_lens_eqn_solver
        if only_from_unspecified:
            if min_distance is not None and "min_distance" not in settings:
                settings["min_distance"] = min_distance
            settings.setdefault("search_window", search_window)
            settings.setdefault("x_center", x_center)
            settings.setdefault("y_center", y_center)
        else:
            settings["search_window"] = search_window
            settings["x_center"] = x_center
            settings["y_center"] = y_center

    def update_lens_model(self, lens_model_class) -> None:
        """Use another lens model (for magnifications, ray shooting and the solver)."""
        self._lens_model = lens_model_class
        self._solver = None
        for model in self._models:
            model.lens_model = lens_model_class

    def set_save_cache(self, save_cache: bool) -> None:
        """Accepted for compatibility; no positions are ever cached (no hidden state)."""
        self._save_cache = bool(save_cache)

    def delete_lens_model_cache(self) -> None:
        """Accepted for compatibility; there is no cache to delete (no hidden state)."""

    def k_list(self, k: int):
        """Lens-model selection of each image of model ``k`` (None without frames)."""
        if self._index_lens_model_list is None or self._point_source_frame_list[k] is None:
            return None
        return [self._index_lens_model_list[f] for f in self._point_source_frame_list[k]]

    # ------------------------------------------------------------------ helpers
    def _solver_instance(self):
        if self._solver is None:
            if self._lens_model is None:
                raise ValueError("the lens-equation solver needs a lens model (lens_model=None)")
            from chromalens.lens.equation_solver import LensEquationSolver

            self._solver = LensEquationSolver(self._lens_model)
        return self._solver

    def _selection(self, k) -> list[int]:
        n = len(self._models)
        if k is None:
            return list(range(n))
        if not isinstance(k, bool):
            try:
                index = operator.index(k)
            except TypeError:
                index = None
            if index is not None:
                if not -n <= index < n:
                    raise ValueError(f"k={k} out of range for {n} point-source models")
                return [index % n]
        values = list(k)
        if values and all(isinstance(v, (bool, np.bool_)) for v in values):
            if len(values) != n:
                raise ValueError(f"boolean k has {len(values)} entries for {n} models")
            return [i for i, v in enumerate(values) if v]
        out = []
        for v in values:
            index = operator.index(v)
            if not -n <= index < n:
                raise ValueError(f"k={k} out of range for {n} point-source models")
            out.append(index % n)
        return sorted(set(out))

    def _check_kwargs(self, kwargs_ps: KwargsList, need_amp: bool = False,
                      indices: Sequence[int] | None = None) -> None:
        if kwargs_ps is None or isinstance(kwargs_ps, Mapping) or not isinstance(
            kwargs_ps, Sequence
        ):
            raise TypeError(
                "kwargs_ps must be a list of dicts (one per point-source model), got "
                f"{type(kwargs_ps)!r}"
            )
        if len(kwargs_ps) != len(self._models):
            raise ValueError(
                f"got {len(kwargs_ps)} point-source kwargs dicts for {len(self._models)} "
                f"point-source models {self.point_source_type_list}"
            )
        for i in range(len(self._models)) if indices is None else indices:
            self._models[i].check_kwargs(
                kwargs_ps[i], need_amp=need_amp and self._flux_from_point_source_list[i]
            )

    def _solver_settings(self, width_search_factor: float = 1) -> dict:
        settings = dict(self._kwargs_lens_eqn_solver)
        if width_search_factor != 1:
            settings["search_window"] = (
                settings.get("search_window", _DEFAULT_SEARCH_WINDOW) * width_search_factor
            )
        return settings

    def _solve_one(self, i: int, kwargs_ps, kwargs_lens, settings):
        return self._models[i].solve(
            kwargs_ps[i], kwargs_lens, self._solver_instance(), settings,
            self._magnification_limit,
        )

    # ------------------------------------------------------------------ functional face
    def solve_image_positions(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None, k=None,
        width_search_factor: float = 1,
    ) -> list[tuple[np.ndarray, np.ndarray] | None]:
        """Solve the lens equation for the models that need it (numpy, outside ``jit``).

        Returns
        -------
        list, one entry per point-source model
            ``(x_image, y_image)`` numpy arrays [arcsec] for models in :attr:`uses_solver`
            (and selected by ``k``), None for the others. Pass it as ``solved_positions`` to
            the functional methods; the image counts fix their array shapes.
        """
        self._check_kwargs(kwargs_ps)
        settings = self._solver_settings(width_search_factor)
        selected = set(self._selection(k))
        return [
            self._solve_one(i, kwargs_ps, kwargs_lens, settings)
            if model.uses_solver and i in selected else None
            for i, model in enumerate(self._models)
        ]

    def _positions(self, i, kwargs_ps, kwargs_lens, solved, refine):
        """Image positions of model ``i`` as jnp arrays (pure given ``solved``)."""
        model = self._models[i]
        if not model.uses_solver:
            return model.kwargs_positions(kwargs_ps[i])
        entry = None if solved is None else solved[i]
        if entry is None:
            entry = self._solve_one(i, kwargs_ps, kwargs_lens, self._solver_settings())
        x_image, y_image = _as_vector(entry[0]), _as_vector(entry[1])
        if refine:
            x_source, y_source = model.source_position(kwargs_ps[i], kwargs_lens)
            x_image, y_image = newton_refine(
                self._lens_model, x_image, y_image, x_source, y_source, kwargs_lens
            )
        return x_image, y_image

    def _check_solved(self, solved) -> None:
        if solved is not None and len(solved) != len(self._models):
            raise ValueError(
                f"solved_positions has {len(solved)} entries for {len(self._models)} "
                "point-source models"
            )

    def image_positions(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None,
        solved_positions: SolvedPositions | None = None, k=None, refine: bool = True,
    ) -> tuple[list[jax.Array], list[jax.Array]]:
        """Image positions of the selected models, pure (jit-able given ``solved_positions``).

        Parameters
        ----------
        kwargs_ps, kwargs_lens : list of dict
        solved_positions : list or None
            Output of :meth:`solve_image_positions`. Without it, models that need the solver
            are solved here (only possible outside ``jit``).
        k : None, int or list
            Models to include.
        refine : bool
            Apply one Newton step of the lens equation to solver positions (moves them by
            round-off and makes them differentiable in the source and lens parameters).

        Returns
        -------
        x_list, y_list : lists of jax.Array, one (n_images_i,) array per selected model [arcsec]
        """
        self._check_kwargs(kwargs_ps)
        self._check_solved(solved_positions)
        x_list, y_list = [], []
        for i in self._selection(k):
            x, y = self._positions(i, kwargs_ps, kwargs_lens, solved_positions, refine)
            x_list.append(x)
            y_list.append(y)
        return x_list, y_list

    def _amplitudes(self, i, kwargs_ps, kwargs_lens, x, y):
        amp = self._models[i].image_amplitude(kwargs_ps[i], kwargs_lens, x, y)
        if not self._flux_from_point_source_list[i]:
            amp = jnp.zeros_like(amp)
        return amp

    def point_source_arrays(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None,
        solved_positions: SolvedPositions | None = None, kwargs_special: Mapping | None = None,
        k=None, with_amp: bool = True, refine: bool = True,
    ) -> tuple[jax.Array, jax.Array, jax.Array]:
        """All images of the selected models as flat arrays (pure; for rendering in ``jit``).

        The functional :meth:`point_source_list`: with ``with_amp`` the models with
        ``flux_from_point_source=False`` are left out (static); images whose amplitude is zero
        by value are kept (they render to nothing). ``delta_x_image`` / ``delta_y_image`` of
        ``kwargs_special`` are added to the first images in this order, as the reference's
        ``ImageModel`` does after ``point_source_list`` (the two orders differ only if an
        amplitude is exactly zero by value).

        Returns
        -------
        ra, dec : jax.Array, shape (n,)
            Image positions [arcsec].
        amp : jax.Array, shape (n,)
            Image amplitudes (flux), or ones without ``with_amp``.
        """
        self._check_kwargs(kwargs_ps, need_amp=with_amp)
        self._check_solved(solved_positions)
        ra, dec, amp = [], [], []
        for i in self._selection(k):
            if with_amp and not self._flux_from_point_source_list[i]:
                continue
            x, y = self._positions(i, kwargs_ps, kwargs_lens, solved_positions, refine)
            n = x.shape[0]
            ra.append(x)
            dec.append(y)
            if with_amp:
                amp.append(self._amplitudes(i, kwargs_ps, kwargs_lens, x, y)[:n])
            else:
                amp.append(jnp.ones(n))
        ra, dec, amp = (jnp.concatenate(v) if v else jnp.zeros(0) for v in (ra, dec, amp))
        ra, dec = displace_astrometry(ra, dec, kwargs_special)
        return ra, dec, amp

    def linear_response_arrays(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None,
        solved_positions: SolvedPositions | None = None, kwargs_special: Mapping | None = None,
        refine: bool = True,
    ) -> tuple[jax.Array, jax.Array, jax.Array, np.ndarray, int]:
        """Linear basis of the point sources as flat arrays (pure; for the response matrix).

        Basis functions: a fixed-magnification model is one basis whose images have amplitude
        ``|mu_i|`` (``mag_pert`` is not applied, as in the reference); any other model gives
        one basis per image, of unit amplitude. Models with ``flux_from_point_source=False``
        are left out.

        Returns
        -------
        ra, dec : jax.Array, shape (n_images,)
            Positions [arcsec], shifted by ``delta_x_image`` / ``delta_y_image`` if given.
        amp : jax.Array, shape (n_images,)
            Amplitude of each image in its basis function.
        basis_index : numpy.ndarray of int, shape (n_images,)
            Basis function (row of the response matrix, counted from the first point-source
            row) of each image; static.
        n_basis : int
            Number of basis functions.
        """
        self._check_kwargs(kwargs_ps)
        self._check_solved(solved_positions)
        ra, dec, amp, basis = [], [], [], []
        n_basis = 0
        for i, model in enumerate(self._models):
            if not self._flux_from_point_source_list[i]:
                continue
            x, y = self._positions(i, kwargs_ps, kwargs_lens, solved_positions, refine)
            n = x.shape[0]
            ra.append(x)
            dec.append(y)
            if self._fixed_magnification_list[i]:
                amp.append(model.abs_magnification(x, y, kwargs_lens))
                basis.append(np.full(n, n_basis, dtype=int))
                n_basis += 1
            else:
                amp.append(jnp.ones(n))
                basis.append(n_basis + np.arange(n, dtype=int))
                n_basis += n
        ra, dec, amp = (jnp.concatenate(v) if v else jnp.zeros(0) for v in (ra, dec, amp))
        basis_index = np.concatenate(basis) if basis else np.zeros(0, dtype=int)
        ra, dec = displace_astrometry(ra, dec, kwargs_special)
        return ra, dec, amp, basis_index, n_basis

    def num_images_list(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None,
        solved_positions: SolvedPositions | None = None,
    ) -> list[int]:
        """Number of images of each model (static: kwargs array lengths or solver output)."""
        self._check_kwargs(kwargs_ps)
        self._check_solved(solved_positions)
        counts = []
        for i, model in enumerate(self._models):
            if model.uses_solver:
                entry = None if solved_positions is None else solved_positions[i]
                if entry is None:
                    entry = self._solve_one(i, kwargs_ps, kwargs_lens, self._solver_settings())
                counts.append(int(np.shape(np.atleast_1d(entry[0]))[0]))
            else:
                counts.append(int(model.kwargs_positions(kwargs_ps[i])[0].shape[0]))
        return counts

    def with_linear_amplitudes(
        self, param, i: int, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None,
        solved_positions: SolvedPositions | None = None,
    ) -> tuple[list[dict], int]:
        """Pure counterpart of :meth:`update_linear`: new dicts, the input is not touched.

        Works with traced ``param`` (``i`` and the image counts are static).
        """
        counts = self.num_images_list(kwargs_ps, kwargs_lens, solved_positions)
        new_list = [dict(kwargs) for kwargs in kwargs_ps]
        for k, kwargs in enumerate(new_list):
            if not self._flux_from_point_source_list[k]:
                continue
            if self._fixed_magnification_list[k]:
                kwargs["source_amp"] = param[i]
                i += 1
            else:
                kwargs["point_amp"] = jnp.asarray(param[i:i + counts[k]])
                i += counts[k]
        return new_list, i

    @staticmethod
    def positive_flux(kwargs_ps: KwargsList | None) -> jax.Array:
        """Pure :meth:`check_positive_flux`: 0-d jax bool, usable under ``jit``."""
        ok = jnp.asarray(True)
        for kwargs in kwargs_ps or []:
            for key in ("point_amp", "source_amp"):
                if key in kwargs:
                    ok = ok & jnp.all(jnp.asarray(kwargs[key]) >= 0)
        return ok

    # ------------------------------------------------------------------ class face
    def source_position(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Source-plane position of each model (LENSED_POSITION: mean of the ray-traced images).

        Returns
        -------
        x_list, y_list : lists (one numpy array per model) [arcsec]
        """
        self._check_kwargs(kwargs_ps)
        x_list, y_list = [], []
        for i, model in enumerate(self._models):
            x, y = model.source_position(kwargs_ps[i], kwargs_lens)
            x_list.append(np.asarray(x))
            y_list.append(np.asarray(y))
        return x_list, y_list

    def image_position(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None, k=None,
        original_position: bool = False, additional_images: bool = False,
        width_search_factor: float = 1,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Image positions of the selected models.

        Parameters
        ----------
        kwargs_ps, kwargs_lens : list of dict
        k : None, int or list
            Models to include.
        original_position : bool
            With ``additional_images``, order LENSED_POSITION images to match the kwargs
            positions first (then the extra images in solver order).
        additional_images : bool
            Solve the lens equation also for LENSED_POSITION models.
        width_search_factor : float
            Multiply the solver's search window by this factor.

        Returns
        -------
        x_list, y_list : lists of numpy arrays, one (n_images_i,) array per selected model
        """
        self._check_kwargs(kwargs_ps)
        settings = self._solver_settings(width_search_factor)
        x_list, y_list = [], []
        for i in self._selection(k):
            model = self._models[i]
            if model.uses_solver or (additional_images and model.name == "LENSED_POSITION"):
                x, y = self._solve_one(i, kwargs_ps, kwargs_lens, settings)
                if original_position and additional_images and model.name == "LENSED_POSITION":
                    x_o, y_o = (np.asarray(v) for v in model.kwargs_positions(kwargs_ps[i]))
                    x, y = _sort_by_original(x_o, y_o, x, y)
            else:
                x, y = model.kwargs_positions(kwargs_ps[i])
            x_list.append(np.asarray(x, dtype=float))
            y_list.append(np.asarray(y, dtype=float))
        return x_list, y_list

    def image_amplitude(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None, k=None
    ) -> list[np.ndarray]:
        """Image amplitudes (flux) of the selected models; zeros for dark models.

        Returns
        -------
        list of numpy arrays, one (n_images_i,) array per selected model
        """
        self._check_kwargs(kwargs_ps, need_amp=True, indices=self._selection(k))
        x_list, y_list = self.image_position(kwargs_ps, kwargs_lens, k=k)
        return [
            np.asarray(self._amplitudes(i, kwargs_ps, kwargs_lens, x, y))
            for i, x, y in zip(self._selection(k), x_list, y_list, strict=True)
        ]

    def source_amplitude(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None
    ) -> list[np.ndarray]:
        """Intrinsic (unlensed) amplitude of each model; zeros for dark models."""
        self._check_kwargs(kwargs_ps, need_amp=True)
        x_list, y_list = self.image_position(kwargs_ps, kwargs_lens)
        out = []
        for i, model in enumerate(self._models):
            amp = model.source_amplitude(kwargs_ps[i], kwargs_lens, x_list[i], y_list[i])
            if not self._flux_from_point_source_list[i]:
                amp = jnp.zeros_like(amp)
            out.append(np.asarray(amp))
        return out

    def point_source_list(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None, k=None,
        with_amp: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions and amplitudes of all images of the selected models, flattened.

        Images with zero amplitude are dropped when ``with_amp`` (as in the reference).

        Returns
        -------
        ra, dec : numpy.ndarray, shape (n,)
            Positions [arcsec].
        amp : numpy.ndarray, shape (n,)
            Amplitudes (flux), or ones without ``with_amp``.
        """
        self._check_kwargs(kwargs_ps, need_amp=with_amp, indices=self._selection(k))
        x_list, y_list = self.image_position(kwargs_ps, kwargs_lens, k=k)
        ra, dec, amp = [], [], []
        for i, x, y in zip(self._selection(k), x_list, y_list, strict=True):
            if with_amp:
                a = np.asarray(self._amplitudes(i, kwargs_ps, kwargs_lens, x, y))[: len(x)]
                keep = a != 0
                ra.append(x[keep])
                dec.append(y[keep])
                amp.append(a[keep])
            else:
                ra.append(x)
                dec.append(y)
                amp.append(np.ones(len(x)))
        ra, dec, amp = (np.concatenate(v) if v else np.zeros(0) for v in (ra, dec, amp))
        return ra, dec, amp

    def num_basis(self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None) -> int:
        """Number of linear point-source parameters (one per fixed-magnification model,
        one per image otherwise; dark models count zero)."""
        counts = self.num_images_list(kwargs_ps, kwargs_lens)
        return int(sum(
            (1 if fixed else count)
            for count, fixed, bright in zip(counts, self._fixed_magnification_list,
                                            self._flux_from_point_source_list, strict=True)
            if bright
        ))

    def linear_response_set(
        self, kwargs_ps: KwargsList, kwargs_lens: KwargsList | None = None,
        kwargs_special: Mapping | None = None, with_amp: bool = False,
    ) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray], int]:
        """Point-source basis functions for the linear solve, as the reference returns them.

        Parameters
        ----------
        kwargs_ps, kwargs_lens : list of dict
        kwargs_special : dict, optional
            ``delta_x_image`` / ``delta_y_image`` astrometric shifts, added in image order
            (what the reference's ``ImageLinearFit.point_source_linear_response_set`` does).
        with_amp : bool
            Amplitudes from the kwargs (``image_amplitude``) instead of ``|mu|`` / ones.

        Returns
        -------
        ra_pos, dec_pos, amp : lists (one numpy array per basis function)
            Positions [arcsec] and amplitudes of the images of each basis function.
        n : int
            Number of basis functions.
        """
        self._check_kwargs(kwargs_ps, need_amp=with_amp)
        x_list, y_list = self.image_position(kwargs_ps, kwargs_lens)
        ra_pos, dec_pos, amp = [], [], []
        for i, model in enumerate(self._models):
            if not self._flux_from_point_source_list[i]:
                continue
            x, y = x_list[i], y_list[i]
            if with_amp:
                a = np.asarray(self._amplitudes(i, kwargs_ps, kwargs_lens, x, y))
            elif self._fixed_magnification_list[i]:
                a = np.asarray(model.abs_magnification(x, y, kwargs_lens))
            else:
                a = np.ones(len(x))
            if self._fixed_magnification_list[i]:
                ra_pos.append(np.array(x))
                dec_pos.append(np.array(y))
                amp.append(a[: len(x)])
            else:
                for j in range(len(x)):
                    ra_pos.append(np.array([x[j]]))
                    dec_pos.append(np.array([y[j]]))
                    amp.append(np.array([a[j]]))
        if kwargs_special is not None and "delta_x_image" in kwargs_special:
            delta_x = np.atleast_1d(np.asarray(kwargs_special["delta_x_image"], dtype=float))
            delta_y = np.atleast_1d(np.asarray(kwargs_special["delta_y_image"], dtype=float))
            counter = 0
            for b in range(len(ra_pos)):
                for j in range(len(ra_pos[b])):
                    if counter < len(delta_x):
                        ra_pos[b][j] += delta_x[counter]
                        dec_pos[b][j] += delta_y[counter]
                    counter += 1
        return ra_pos, dec_pos, amp, len(ra_pos)

    def update_linear(self, param, i: int, kwargs_ps: KwargsList,
                      kwargs_lens: KwargsList | None = None) -> tuple[KwargsList, int]:
        """Write solved linear amplitudes into ``kwargs_ps`` **in place** (as the reference).

        Fixed magnification: ``source_amp = param[i]``; otherwise
        ``point_amp = param[i:i + n_images]`` (image count re-solved for SOURCE_POSITION).

        Returns
        -------
        kwargs_ps : the same (mutated) list
        i : int, index after the last parameter read
        """
        counts = self.num_images_list(kwargs_ps, kwargs_lens)
        for k, kwargs in enumerate(kwargs_ps):
            if not self._flux_from_point_source_list[k]:
                continue
            if self._fixed_magnification_list[k]:
                kwargs["source_amp"] = param[i]
                i += 1
            else:
                block = param[i:i + counts[k]]
                kwargs["point_amp"] = block if _is_tracer(block) else np.array(block)
                i += counts[k]
        return kwargs_ps, i

    def linear_param_from_kwargs(self, kwargs_list: KwargsList) -> list:
        """Inverse of :meth:`update_linear`: ``source_amp`` / ``point_amp`` elements in order."""
        param = []
        for k, kwargs in enumerate(kwargs_list):
            if not self._flux_from_point_source_list[k]:
                continue
            if self._fixed_magnification_list[k]:
                param.append(kwargs["source_amp"])
            else:
                param.extend(list(np.atleast_1d(kwargs["point_amp"])))
        return param

    def set_amplitudes(self, amp_list: Sequence, kwargs_ps: KwargsList) -> list[dict]:
        """Copy of ``kwargs_ps`` with each bright model's amplitude set from ``amp_list``."""
        kwargs_list = copy.deepcopy(list(kwargs_ps))
        for i, name in enumerate(self.point_source_type_list):
            if not self._flux_from_point_source_list[i]:
                continue
            if name != "UNLENSED" and self._fixed_magnification_list[i]:
                kwargs_list[i]["source_amp"] = amp_list[i]
            else:
                kwargs_list[i]["point_amp"] = amp_list[i]
        return kwargs_list

    def check_image_positions(self, kwargs_ps: KwargsList, kwargs_lens: KwargsList,
                              tolerance: float = 0.001) -> bool:
        """True if the images of every lensed model ray-trace to one source position
        within ``tolerance`` [arcsec]."""
        x_list, y_list = self.image_position(kwargs_ps, kwargs_lens)
        for i, name in enumerate(self.point_source_type_list):
            if name == "UNLENSED" or len(x_list[i]) == 0:
                continue
            x_s, y_s = self._lens_model.ray_shooting(x_list[i], y_list[i], kwargs_lens)
            x_s, y_s = np.asarray(x_s), np.asarray(y_s)
            if np.max(np.hypot(x_s - x_s[0], y_s - y_s[0])) > tolerance:
                return False
        return True

    @classmethod
    def check_positive_flux(cls, kwargs_ps: KwargsList | None) -> bool:
        """True iff every ``point_amp`` and ``source_amp`` is >= 0 (True for None)."""
        for kwargs in kwargs_ps or []:
            for key in ("point_amp", "source_amp"):
                if key in kwargs and not np.all(np.asarray(kwargs[key]) >= 0):
                    return False
        return True


def displace_astrometry(ra, dec, kwargs_special: Mapping | None):
    """Add ``kwargs_special['delta_x_image' / 'delta_y_image']`` to the first images (pure).

    Parameters
    ----------
    ra, dec : array, shape (n,)
        Image positions [arcsec].
    kwargs_special : dict or None
        Shifts [arcsec] for the first ``min(n, len(delta))`` images; extra entries are ignored.

    Returns
    -------
    ra, dec : jax.Array, shape (n,)
    """
    ra, dec = jnp.asarray(ra, dtype=float), jnp.asarray(dec, dtype=float)
    if kwargs_special is None or "delta_x_image" not in kwargs_special:
        return ra, dec
    n = ra.shape[0]
    delta_x = _as_vector(kwargs_special["delta_x_image"])[:n]
    delta_y = _as_vector(kwargs_special["delta_y_image"])[:n]
    return ra.at[: delta_x.shape[0]].add(delta_x), dec.at[: delta_y.shape[0]].add(delta_y)


def _sort_by_original(x_o, y_o, x_solved, y_solved):
    """Order solved images so that each original position's nearest image comes first.

    Greedy: for each original position in turn, take the closest remaining solved image; the
    unmatched solved images follow in solver order. With fewer solutions than originals the
    original positions are returned.
    """
    if len(x_o) > len(x_solved):
        return np.asarray(x_o, dtype=float), np.asarray(y_o, dtype=float)
    remaining = list(range(len(x_solved)))
    order = []
    for x, y in zip(x_o, y_o, strict=True):
        distance = [(x_solved[j] - x) ** 2 + (y_solved[j] - y) ** 2 for j in remaining]
        order.append(remaining.pop(int(np.argmin(distance))))
    order.extend(remaining)
    return np.asarray(x_solved)[order], np.asarray(y_solved)[order]
