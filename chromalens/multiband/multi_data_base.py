"""Bookkeeping shared by every multi-band class: the bands, which are computed, their sizes."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from ..imaging import functional

__all__ = ["MultiDataBase"]


class MultiDataBase:
    """Base of the multi-band classes.

    Parameters
    ----------
    image_model_list : list of SingleBandMultiModel
        One image model per band.
    compute_bool : list of bool, optional
        Which bands enter the fit (all by default). numpy booleans count as booleans (the
        reference silently skips a band given ``np.True_``).
    """

    def __init__(self, image_model_list, compute_bool=None):
        self._num_bands = len(image_model_list)
        if compute_bool is None:
            compute_bool = [True] * self._num_bands
        if len(compute_bool) != self._num_bands:
            raise ValueError(
                f"compute_bool has {len(compute_bool)} entries for {self._num_bands} bands"
            )
        for band, value in enumerate(compute_bool):
            if not isinstance(value, (bool, np.bool_)):
                raise TypeError(f"compute_bool[{band}] must be a boolean, got {value!r}")
        self._compute_bool = [bool(value) for value in compute_bool]
        self._image_model_list = image_model_list
        self._num_response_list = [model.num_data_evaluate for model in image_model_list]
        self._ray_groups = self._ray_shooting_groups()

    @property
    def num_bands(self) -> int:
        """Number of bands (computed or not)."""
        return self._num_bands

    @property
    def compute_bool(self) -> list[bool]:
        """Which bands are computed."""
        return list(self._compute_bool)

    @property
    def image_model_list(self) -> list:
        """The per-band image models."""
        return self._image_model_list

    @property
    def num_response_list(self) -> list[int]:
        """Number of masked-in pixels of every band (computed or not)."""
        return self._num_response_list

    @property
    def num_data_evaluate(self) -> int:
        """Number of masked-in pixels over the computed bands."""
        return int(sum(n for n, on in zip(self._num_response_list, self._compute_bool,
                                          strict=True) if on))

    def _computed_bands(self):
        return [i for i in range(self._num_bands) if self._compute_bool[i]]

    # ------------------------------------------------------------------ shared ray shooting
    def _ray_shooting_groups(self) -> list:
        """Computed bands whose ray shooting runs as one batched call (found at construction,
        kept in ``self._ray_groups``).

        Bands with the same lens models (and lens kwargs selection) and the same number of
        evaluation points but different coordinates (grids shifted by an offset, for
        instance) form a group; bands on identical grids share one entry of their group.
        Returns a list of groups, each a list of ``(representative band, [bands])``; only
        groups of at least two bands. Bands on one identical grid are grouped too: the
        compiler would merge their identical forward ray shooting anyway, but reverse mode
        would transpose it once per band; sharing one call accumulates the bands'
        cotangents first and transposes the lens model once.
        """
        groups: dict = {}
        for band in self._computed_bands():
            model = self._image_model_list[band]
            if not model.LensModel.lens_model_list:
                continue
            x, _ = model.ImageNumerics.coordinates_evaluate
            index = getattr(model, "_index_lens_model", None)
            key = (tuple(model.LensModel.lens_model_list),
                   None if index is None else tuple(index), np.shape(x))
            groups.setdefault(key, []).append(band)
        result = []
        for bands in groups.values():
            entries: list = []
            for band in bands:
                x, y = (np.asarray(c) for c in
                        self._image_model_list[band].ImageNumerics.coordinates_evaluate)
                for representative, members in entries:
                    rx, ry = (np.asarray(c) for c in self._image_model_list[
                        representative].ImageNumerics.coordinates_evaluate)
                    if np.array_equal(x, rx) and np.array_equal(y, ry):
                        members.append(band)
                        break
                else:
                    entries.append((band, [band]))
            if len(bands) > 1:
                result.append(entries)
        return result

    def _batched_planes(self, kwargs: dict) -> dict:
        """``{band: (x, y, beta_x, beta_y)}`` for the grouped bands, one ray-shooting call per
        group on the stacked coordinates (pure; ``kwargs`` is a full parameter pytree)."""
        planes = {}
        for entries in self._ray_groups:
            model = self._image_model_list[entries[0][0]]
            lens = functional.as_tuple(model._select_pytree(kwargs))[0] or []
            coordinates = [self._image_model_list[representative].ImageNumerics
                           .coordinates_evaluate for representative, _ in entries]
            xs = jnp.stack([jnp.asarray(x) for x, _ in coordinates])
            ys = jnp.stack([jnp.asarray(y) for _, y in coordinates])
            beta_x, beta_y = model.LensModel.ray_shooting(xs, ys, lens)
            for i, (_, members) in enumerate(entries):
                plane = (xs[i], ys[i], beta_x[i], beta_y[i])  # one object: see _trace_sharing
                for band in members:
                    planes[band] = plane
        return planes

    def reset_point_source_cache(self, cache: bool = True) -> None:
        """Accepted for compatibility: chromalens keeps no point-source cache (every call
        solves the lens equation afresh, so there is nothing to reset)."""

    def num_param_linear(self, kwargs_lens, kwargs_source, kwargs_lens_light,
                         kwargs_ps) -> int:
        """Sum over the computed bands of each band's number of linear coefficients.

        (For the joint classes this is, as in the reference, the per-band sum, not the size
        of the joint solve.)
        """
        return int(sum(self._image_model_list[i].num_param_linear(
            kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps)
            for i in self._computed_bands()))

    def reduced_residuals(self, model_list, error_map_list=None) -> list:
        """Normalised residual images of the computed bands.

        ``model_list`` may hold one entry per band (as MultiLinear returns, ``None`` for
        skipped bands) or one per computed band (as the joint classes return).
        """
        computed = self._computed_bands()
        per_band = len(model_list) == self._num_bands
        residuals = []
        for counter, band in enumerate(computed):
            index = band if per_band else counter
            error = 0 if error_map_list is None else error_map_list[index]
            residuals.append(self._image_model_list[band].reduced_residuals(
                model_list[index], error_map=0 if error is None else error))
        return residuals

    # ------------------------------------------------------------------ functional face
    def log_likelihood_batch(self, params_batch, kwargs_template: dict | None = None,
                             chunk_size: int | None = None, **options):
        """Log-likelihoods of many parameter sets in one compiled, vectorised call.

        Parameters
        ----------
        params_batch : list of parameter pytrees, or one pytree with a leading batch axis
        kwargs_template : dict, optional
            See ``log_likelihood_function``.
        chunk_size : int, optional
            Sets evaluated together in one compiled, vectorised call (bounds memory); chunks
            run one after the other. Default: on a CPU the largest chunk up to 8 whose
            scratch memory fits in the last-level cache (chosen at the first call, see
            ``functional.BatchFunction``), 256 on a GPU.
        options
            ``source_marg``, ``linear_prior``, ``check_positive_flux``.

        Returns
        -------
        numpy array (N,)
        """
        return functional.log_likelihood_batch(self, params_batch, kwargs_template,
                                               chunk_size, **options)
