"""One band of a multi-band model: the band's subset of the full kwargs lists.

``SingleBandMultiModel`` is an :class:`~chromalens.imaging.ImageLinearFit` built from
``multi_band_list[band_index]`` and ``kwargs_model``; every public method takes the *full*
kwargs lists of all bands and first selects the band's entries through the
``index_*_model_list`` lists of ``kwargs_model`` (the selected dicts are the caller's own, so
amplitudes written by the linear solver reach the caller, as in the reference).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..data import PSF, ImageData
from ..imaging import ImageLinearFit, ImageModel, functional
from .model_factory import band_indices, check_kwargs_model, create_class_instances

__all__ = ["SingleBandMultiModel", "check_multi_band_list"]


def check_multi_band_list(multi_band_list) -> None:
    """Validate ``[[kwargs_data, kwargs_psf, kwargs_numerics], ...]`` (structure only)."""
    if isinstance(multi_band_list, dict) or not isinstance(multi_band_list, Sequence):
        raise TypeError("multi_band_list must be a list of [kwargs_data, kwargs_psf, "
                        "kwargs_numerics] entries, one per band")
    if len(multi_band_list) == 0:
        raise ValueError("multi_band_list is empty: give at least one band")
    for band, entry in enumerate(multi_band_list):
        if isinstance(entry, dict) or not isinstance(entry, Sequence) or len(entry) != 3:
            raise ValueError(
                f"multi_band_list[{band}] must be [kwargs_data, kwargs_psf, kwargs_numerics]"
            )
        for name, kwargs in zip(("kwargs_data", "kwargs_psf", "kwargs_numerics"), entry,
                                strict=True):
            if not (kwargs is None and name == "kwargs_numerics") and not isinstance(kwargs,
                                                                                   dict):
                raise TypeError(f"band {band}: {name} must be a dict, got "
                                f"{type(kwargs).__name__}")


def _with_band(band_index: int, error: Exception) -> Exception:
    return type(error)(f"band {band_index}: {error}")


class SingleBandMultiModel(ImageLinearFit):
    """Image model of band ``band_index`` of a multi-band configuration.

    Parameters
    ----------
    multi_band_list : list of [kwargs_data, kwargs_psf, kwargs_numerics]
        All bands.
    kwargs_model : dict
        Model lists and options for all bands (see :mod:`chromalens.multiband.model_factory`).
    likelihood_mask_list : list of arrays or None
        One mask per band (None entries: all pixels).
    band_index : int
        The band this object models.
    kwargs_pixelbased : None
        Pixel-based sources are not supported.
    linear_solver : bool
        Solve for the linear amplitudes (default True).
    """

    def __init__(self, multi_band_list, kwargs_model: dict, likelihood_mask_list=None,
                 band_index: int = 0, kwargs_pixelbased=None, linear_solver: bool = True):
        check_multi_band_list(multi_band_list)
        num_bands = len(multi_band_list)
        if isinstance(band_index, bool) or int(band_index) != band_index or not (
                0 <= band_index < num_bands):
            raise ValueError(f"band_index {band_index!r} out of range for {num_bands} bands")
        band_index = int(band_index)
        check_kwargs_model(kwargs_model, num_bands=num_bands)
        if likelihood_mask_list is None:
            likelihood_mask_list = [None] * num_bands
        if len(likelihood_mask_list) != num_bands:
            raise ValueError(f"likelihood_mask_list has {len(likelihood_mask_list)} entries for "
                             f"{num_bands} bands")
        kwargs_data, kwargs_psf, kwargs_numerics = multi_band_list[band_index]
        try:
            data = ImageData(**kwargs_data)
            psf = PSF(**kwargs_psf)
            models = create_class_instances(band_index=band_index, **kwargs_model)
            super().__init__(data, psf, *models, kwargs_numerics=kwargs_numerics,
                             likelihood_mask=likelihood_mask_list[band_index],
                             kwargs_pixelbased=kwargs_pixelbased, linear_solver=linear_solver)
        except (ValueError, TypeError, NotImplementedError) as error:
            raise _with_band(band_index, error) from error
        self.band_index = band_index
        self._index_lens_model = band_indices(kwargs_model, "index_lens_model_list", band_index)
        self._index_source = band_indices(kwargs_model, "index_source_light_model_list",
                                          band_index)
        self._index_lens_light = band_indices(kwargs_model, "index_lens_light_model_list",
                                              band_index)
        self._index_point_source = band_indices(kwargs_model, "index_point_source_model_list",
                                                band_index)
        self._index_optical_depth = band_indices(kwargs_model, "index_optical_depth_model_list",
                                                 band_index)

    # ------------------------------------------------------------------ selection
    def select_kwargs(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                      kwargs_ps=None, kwargs_extinction=None, kwargs_special=None):
        """The band's entries of the full kwargs lists (same dict objects, new lists).

        Returns ``(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
        kwargs_extinction)``; ``kwargs_special`` is accepted and not returned.
        """
        def pick(kwargs, indices):
            if indices is None or kwargs is None:
                return kwargs
            return [kwargs[k] for k in indices]

        return (pick(kwargs_lens, self._index_lens_model),
                pick(kwargs_source, self._index_source),
                pick(kwargs_lens_light, self._index_lens_light),
                pick(kwargs_ps, self._index_point_source),
                pick(kwargs_extinction, self._index_optical_depth))

    # ------------------------------------------------------------------ images
    def image(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
              kwargs_ps=None, kwargs_extinction=None, kwargs_special=None,
              unconvolved: bool = False, source_add: bool = True, lens_light_add: bool = True,
              point_source_add: bool = True) -> np.ndarray:
        """Band image with the kwargs' amplitudes, shape (ny, nx)."""
        selected = self.select_kwargs(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                                      kwargs_extinction)
        return ImageModel.image(self, *selected, kwargs_special=kwargs_special,
                                unconvolved=unconvolved, source_add=source_add,
                                lens_light_add=lens_light_add,
                                point_source_add=point_source_add)

    def source_surface_brightness(self, kwargs_source, kwargs_lens=None,
                                  kwargs_extinction=None, kwargs_special=None,
                                  unconvolved: bool = False, de_lensed: bool = False, k=None,
                                  update_pixelbased_mapping: bool = True) -> np.ndarray:
        """Band image of the source; ``k`` indexes the band's subset of source profiles."""
        lens, source, _, _, extinction = self.select_kwargs(
            kwargs_lens, kwargs_source, None, None, kwargs_extinction)
        return ImageModel.source_surface_brightness(
            self, source, lens, kwargs_extinction=extinction, kwargs_special=kwargs_special,
            unconvolved=unconvolved, de_lensed=de_lensed, k=k)

    def lens_surface_brightness(self, kwargs_lens_light, unconvolved: bool = False,
                                k=None) -> np.ndarray:
        """Band image of the lens light; ``k`` indexes the band's subset."""
        _, _, light, _, _ = self.select_kwargs(kwargs_lens_light=kwargs_lens_light)
        return ImageModel.lens_surface_brightness(self, light, unconvolved=unconvolved, k=k)

    def point_source(self, kwargs_ps, kwargs_lens=None, kwargs_special=None,
                     unconvolved: bool = False, k=None) -> np.ndarray:
        """Band image of the point sources; ``k`` indexes the band's subset."""
        lens, _, _, ps, _ = self.select_kwargs(kwargs_lens=kwargs_lens, kwargs_ps=kwargs_ps)
        return ImageModel.point_source(self, ps, lens, kwargs_special=kwargs_special,
                                       unconvolved=unconvolved, k=k)

    def extinction_map(self, kwargs_extinction=None, kwargs_special=None) -> np.ndarray:
        """Pixel-averaged transmission of the band (1 without extinction)."""
        _, _, _, _, extinction = self.select_kwargs(kwargs_extinction=kwargs_extinction)
        return ImageModel.extinction_map(self, extinction, kwargs_special)

    def _select_pytree(self, kwargs: dict | None) -> dict | None:
        """The band's part of a full parameter pytree (functional face)."""
        if kwargs is None:
            return None
        lens, source, light, ps, extinction, special = functional.as_tuple(kwargs)
        selected = self.select_kwargs(lens, source, light, ps, extinction)
        return dict(zip(functional.KWARGS_NAMES, (*selected, special), strict=True))

    # ------------------------------------------------------------------ linear fit
    def image_linear_solve(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                           kwargs_ps=None, kwargs_extinction=None, kwargs_special=None,
                           inv_bool: bool = False):
        """``(model (ny, nx), error_map (ny, nx), cov_param or None, param (m,))`` of the band."""
        selected = self.select_kwargs(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                                      kwargs_extinction)
        return ImageLinearFit.image_linear_solve(self, *selected, kwargs_special=kwargs_special,
                                                 inv_bool=inv_bool)

    def likelihood_data_given_model(self, kwargs_lens=None, kwargs_source=None,
                                    kwargs_lens_light=None, kwargs_ps=None,
                                    kwargs_extinction=None, kwargs_special=None,
                                    source_marg: bool = False, linear_prior=None,
                                    check_positive_flux: bool = False, linear_solver=None):
        """``(logL, param)`` of the band (``param`` None without the linear solver)."""
        selected = self.select_kwargs(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                                      kwargs_extinction)
        return ImageLinearFit.likelihood_data_given_model(
            self, *selected, kwargs_special=kwargs_special, source_marg=source_marg,
            linear_prior=linear_prior, check_positive_flux=check_positive_flux,
            linear_solver=linear_solver)

    def update_linear_kwargs(self, param, kwargs_lens, kwargs_source, kwargs_lens_light,
                             kwargs_ps, model_band=None):
        """Write ``param`` into the band's dicts; returns the band-subset 4-tuple.

        Without the linear solver the subsets are returned unchanged.
        """
        lens, source, light, ps, _ = self.select_kwargs(kwargs_lens, kwargs_source,
                                                        kwargs_lens_light, kwargs_ps)
        if not self.linear_solver:
            return lens, source, light, ps
        return ImageLinearFit.update_linear_kwargs(self, param, lens, source, light, ps)

    def num_param_linear(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                         kwargs_ps=None) -> int:
        """Number of linear coefficients of the band (0 without the linear solver)."""
        if not self.linear_solver:
            return 0
        lens, source, light, ps, _ = self.select_kwargs(kwargs_lens, kwargs_source,
                                                        kwargs_lens_light, kwargs_ps)
        return ImageLinearFit.num_param_linear(self, lens, source, light, ps)

    def linear_response_matrix(self, kwargs_lens=None, kwargs_source=None,
                               kwargs_lens_light=None, kwargs_ps=None, kwargs_extinction=None,
                               kwargs_special=None) -> np.ndarray:
        """Band response matrix (m, num_data_evaluate), x flux_scaling."""
        selected = self.select_kwargs(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                                      kwargs_extinction)
        return ImageLinearFit.linear_response_matrix(self, *selected,
                                                     kwargs_special=kwargs_special)

    def error_map_source(self, kwargs_source, x_grid, y_grid, cov_param,
                         model_index_select: bool = True) -> np.ndarray:
        """Source-plane variance of the reconstruction at ``(x_grid, y_grid)``.

        ``model_index_select=False``: ``kwargs_source`` is already the band's subset.
        """
        if model_index_select:
            _, kwargs_source, _, _, _ = self.select_kwargs(kwargs_source=kwargs_source)
        if not self.linear_solver:
            return np.zeros_like(np.asarray(x_grid, dtype=float))
        return ImageLinearFit.error_map_source(self, kwargs_source, x_grid, y_grid, cov_param)

    def error_response(self, kwargs_lens, kwargs_ps, kwargs_special):
        """``(C_D_response (n,), model_error (ny, nx))`` of the band (data-based variance)."""
        lens, _, _, ps, _ = self.select_kwargs(kwargs_lens=kwargs_lens, kwargs_ps=kwargs_ps)
        return ImageModel.error_response(self, lens, ps, kwargs_special=kwargs_special)

    def linear_param_from_kwargs(self, kwargs_source, kwargs_lens_light, kwargs_ps) -> list:
        """The band's amplitudes in solver order ([] without the linear solver)."""
        if not self.linear_solver:
            return []
        _, source, light, ps, _ = self.select_kwargs(kwargs_source=kwargs_source,
                                                     kwargs_lens_light=kwargs_lens_light,
                                                     kwargs_ps=kwargs_ps)
        return ImageLinearFit.linear_param_from_kwargs(self, source, light, ps)

    def check_positive_flux(self, kwargs_source, kwargs_lens_light, kwargs_ps) -> bool:
        """Positivity of the band's amplitudes (see ``ImageLinearFit.check_positive_flux``)."""
        _, source, light, ps, _ = self.select_kwargs(kwargs_source=kwargs_source,
                                                     kwargs_lens_light=kwargs_lens_light,
                                                     kwargs_ps=kwargs_ps)
        return ImageLinearFit.check_positive_flux(self, source, light, ps)
