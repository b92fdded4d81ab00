"""Single-band image simulation: lensed source + lens light + point sources, seen through
the band's numerics (supersampling, PSF convolution) and flux scaling.

``ImageModel`` mirrors the reference's ``lenstronomy.ImSim.image_model.ImageModel``: same
constructor, same method names, lenstronomy-style kwargs lists in and numpy arrays out.

Engine. The extended light (source and lens light) is computed by one jit-compiled pure
function per model (compiled once; new parameter values never recompile): ray shooting of
the evaluation grid, surface brightness or unit-amplitude basis images of every profile
(stacked, one array), extinction ``exp(-tau)`` on the lensed source, then all components
downsampled and convolved in one batched call. Point-source image positions are solved
outside the compiled function (the lens-equation solver is an iterative search), then
rendered onto the grid.

No hidden state: nothing is cached between calls, the same call twice gives the same answer.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from ..data import PSF, ImageData
from ..extinction import DifferentialExtinction
from ..lens import LensModel
from ..light import LightModel
from ..light.factored_basis import FactoredBasis, block_images
from ..point_source import PointSource
from . import functional
from .numerics import Numerics

__all__ = ["ImageModel"]


def _as_list(kwargs_list):
    return [] if kwargs_list is None else kwargs_list


def _split_integer_keys(kwargs_list):
    """Split Python-int values (shape-fixing, e.g. ``n_max``) off a kwargs list.

    Returns ``(dynamic list or None, static tuple)`` in the layout of
    ``LightModel.split_static`` so that ``LightModel.merge_static`` recombines them.
    """
    if not kwargs_list:
        return None, ()
    dynamic, static = [], []
    for kwargs in kwargs_list:
        pairs = tuple(sorted((key, value) for key, value in kwargs.items()
                             if isinstance(value, int) and not isinstance(value, bool)))
        dynamic.append({key: value for key, value in kwargs.items()
                        if key not in dict(pairs)})
        static.append(pairs)
    return dynamic, tuple(static)


class ImageModel:
    """Image of one band from lens, source, lens-light and point-source models.

    Parameters
    ----------
    data_class : ImageData
        Pixels, grid, noise model and ``flux_scaling`` of the band.
    psf_class : PSF
        The band's PSF; its pixel size is set from the data grid.
    lens_model_class : LensModel, optional
    source_model_class, lens_light_model_class : LightModel, optional
    point_source_class : PointSource, optional
    extinction_class : DifferentialExtinction, optional
        Optical depth applied to the lensed source as ``exp(-tau0 * tau(x, y))``.
    kwargs_numerics : dict, optional
        Every key of the reference's ``kwargs_numerics`` (see :class:`Numerics`).
    likelihood_mask : array (ny, nx) of bool / 0-1, optional
        Pixels entering the likelihood and the linear solve (all by default). Non-finite data
        pixels must lie outside it.
    psf_error_map_bool_list : list of bool, optional
        Per point-source model: include the PSF-variance error term (default all True).
    kwargs_pixelbased : None
        Pixel-based (SLITronomy) sources are not supported; must be None.
    """

    def __init__(self, data_class: ImageData, psf_class: PSF,
                 lens_model_class: LensModel | None = None,
                 source_model_class: LightModel | None = None,
                 lens_light_model_class: LightModel | None = None,
                 point_source_class: PointSource | None = None,
                 extinction_class: DifferentialExtinction | None = None,
                 kwargs_numerics: dict | None = None, likelihood_mask=None,
                 psf_error_map_bool_list: list[bool] | None = None,
                 kwargs_pixelbased: dict | None = None):
        if kwargs_pixelbased is not None:
            raise NotImplementedError(
                "kwargs_pixelbased: pixel-based (SLITronomy) sources are not supported"
            )
        if not isinstance(data_class, ImageData):
            raise TypeError(f"data_class must be an ImageData, got {type(data_class).__name__}")
        if not isinstance(psf_class, PSF):
            raise TypeError(f"psf_class must be a PSF, got {type(psf_class).__name__}")
        self.type = "single-band"
        self.num_bands = 1
        self.Data = data_class
        self.PSF = psf_class
        self.PSF.set_pixel_size(self.Data.pixel_width)
        self._kwargs_numerics = {} if kwargs_numerics is None else dict(kwargs_numerics)
        self.ImageNumerics = Numerics.from_kwargs(self.Data, self.PSF, self._kwargs_numerics)
        self.LensModel = LensModel([]) if lens_model_class is None else lens_model_class
        self.SourceModel = LightModel([]) if source_model_class is None else source_model_class
        self.LensLightModel = (LightModel([]) if lens_light_model_class is None
                               else lens_light_model_class)
        self.PointSource = PointSource([]) if point_source_class is None else point_source_class
        if getattr(self.PointSource, "_lens_model", None) is None:
            self.PointSource.update_lens_model(lens_model_class=self.LensModel)
        x_center, y_center = self.Data.center
        search_window = float(np.max(self.Data.width))
        self.PointSource.update_search_window(
            search_window=search_window, x_center=x_center, y_center=y_center,
            min_distance=min(self.Data.pixel_width, search_window / 200),
            only_from_unspecified=True)
        self._extinction = (DifferentialExtinction([]) if extinction_class is None
                            else extinction_class)
        if getattr(self.SourceModel, "deflection_scaling_list", None) is not None:
            raise NotImplementedError("source_deflection_scaling_list is not supported")
        self._psf_error_map = bool(self.PSF.psf_variance_map_bool)
        n_ps = len(self.PointSource.point_source_type_list)
        if psf_error_map_bool_list is None:
            psf_error_map_bool_list = [True] * n_ps
        if len(psf_error_map_bool_list) != n_ps:
            raise ValueError(
                f"psf_error_map_bool_list has {len(psf_error_map_bool_list)} entries for "
                f"{n_ps} point-source models"
            )
        self._psf_error_map_bool_list = list(psf_error_map_bool_list)
        self._set_mask(likelihood_mask)
        self._flux_scaling = self.Data.flux_scaling
        self._reset_compiled()

    def _reset_compiled(self) -> None:
        """(Re)create the compiled calls: they read the data, mask and PSF when they trace,
        so :meth:`update_data` and :meth:`update_psf` must drop them (and the compiled batch
        functions of ``log_likelihood_batch``)."""
        self.__dict__.pop("_batch_cache", None)
        self._extended_images_jit = jax.jit(self._extended_images,
                                            static_argnames=("static", "unconvolved"))
        self._extended_basis_jit = jax.jit(self._extended_basis,
                                           static_argnames=("static", "unconvolved"))

    # ------------------------------------------------------------------ mask
    def _set_mask(self, likelihood_mask) -> None:
        shape = (self.Data.ny, self.Data.nx)
        if likelihood_mask is None:
            mask = np.ones(shape, dtype=bool)
        else:
            raw = np.asarray(likelihood_mask)
            if raw.shape != shape:
                raise ValueError(
                    f"likelihood_mask has shape {raw.shape}, expected the image shape {shape}"
                )
            if raw.dtype != bool and not np.issubdtype(raw.dtype, np.number):
                raise TypeError(f"likelihood_mask must be boolean or 0/1, got dtype {raw.dtype}")
            if not np.all(np.isfinite(raw.astype(float))):
                raise ValueError("likelihood_mask contains non-finite values")
            mask = raw.astype(bool)
        bad = int(np.sum(self.Data.nonfinite_mask & mask))
        if bad:
            raise ValueError(
                f"image_data has {bad} non-finite pixel(s) inside the likelihood mask; "
                f"exclude them with likelihood_mask"
            )
        self.likelihood_mask = mask
        self._mask_jnp = jax.device_put(mask)
        self._mask1d = mask.ravel()
        self._mask_index = np.flatnonzero(self._mask1d)
        self._mask_index_jnp = jax.device_put(self._mask_index)

    # ------------------------------------------------------------------ pure engine
    def _static_of(self, kwargs_source, kwargs_lens_light, kwargs_extinction):
        _, source_static = self.SourceModel.split_static(kwargs_source)
        _, light_static = self.LensLightModel.split_static(kwargs_lens_light)
        _, ext_static = _split_integer_keys(kwargs_extinction)
        return source_static, light_static, ext_static

    def _source_plane(self, kwargs_lens, plane=None):
        """``(x, y, beta_x, beta_y)`` on the evaluation grid; ``plane`` if already computed
        (the multi-band classes ray-shoot offset bands in one batched call)."""
        if plane is not None:
            return plane
        x, y = self.ImageNumerics.coordinates_evaluate
        if len(self.LensModel.lens_model_list) == 0:
            return x, y, x, y
        beta_x, beta_y = self.LensModel.ray_shooting(x, y, kwargs_lens)
        return x, y, beta_x, beta_y

    def _extinction_factor(self, x, y, extinction, tau0_list, ext_static):
        """``exp(-tau0 tau(x, y))`` on the evaluation grid (1 without extinction)."""
        if extinction is None:
            return 1.0
        kwargs = LightModel.merge_static(extinction, ext_static)
        special = None if tau0_list is None else {"tau0_list": tau0_list}
        return self._extinction.extinction(x, y, kwargs_extinction=kwargs,
                                           kwargs_special=special)

    def _extended_images(self, kwargs_lens, source, light, extinction, tau0_list, static,
                         unconvolved, plane=None):
        """Source and lens-light images (2, ny, nx), flux per pixel, x flux_scaling
        (``plane``: the ray-shot evaluation grid if computed already)."""
        source_static, light_static, ext_static = static
        x, y, beta_x, beta_y = self._source_plane(kwargs_lens, plane)
        parts = []
        if self.SourceModel.profile_type_list:
            flux = self.SourceModel.surface_brightness(
                beta_x, beta_y, self.SourceModel.merge_static(source, source_static))
            parts.append(flux * self._extinction_factor(x, y, extinction, tau0_list, ext_static))
        else:
            parts.append(jnp.zeros_like(x))
        if self.LensLightModel.profile_type_list:
            parts.append(self.LensLightModel.surface_brightness(
                x, y, self.LensLightModel.merge_static(light, light_static)))
        else:
            parts.append(jnp.zeros_like(x))
        images = self._re_size_convolve_stack(jnp.stack(parts), unconvolved)
        return images * self._flux_scaling

    def _extended_basis(self, kwargs_lens, source, light, extinction, tau0_list, static,
                        unconvolved, plane=None):
        """Unit-amplitude images of every extended linear coefficient, (n_s + n_l, ny, nx)."""
        source_static, light_static, ext_static = static
        x, y, beta_x, beta_y = self._source_plane(kwargs_lens, plane)
        blocks = []
        if self.SourceModel.profile_type_list:
            factor = self._extinction_factor(x, y, extinction, tau0_list, ext_static)
            source_blocks = self.SourceModel.basis_blocks(
                beta_x, beta_y, self.SourceModel.merge_static(source, source_static))
            blocks += [block.scaled(factor) if isinstance(block, FactoredBasis)
                       else block * factor for block in source_blocks]
        if self.LensLightModel.profile_type_list:
            blocks += self.LensLightModel.basis_blocks(
                x, y, self.LensLightModel.merge_static(light, light_static))
        if not blocks:
            return jnp.zeros((0, self.Data.ny, self.Data.nx))
        numerics = self.ImageNumerics
        if hasattr(numerics, "re_size_convolve_blocks"):
            images = numerics.re_size_convolve_blocks(blocks, unconvolved=unconvolved)
        else:
            stack = jnp.concatenate([block_images(block) for block in blocks], axis=0)
            images = self._re_size_convolve_stack(stack, unconvolved)
        return images * self._flux_scaling

    def _re_size_convolve_stack(self, stack, unconvolved: bool):
        """(n, N_evaluate) surface brightness -> (n, ny, nx) pixel fluxes (one batched call)."""
        numerics = self.ImageNumerics
        if hasattr(numerics, "re_size_convolve_stack"):
            return numerics.re_size_convolve_stack(stack, unconvolved=unconvolved)
        return jax.vmap(partial(numerics.re_size_convolve, unconvolved=unconvolved))(stack)

    def _call_extended(self, function, kwargs_lens, kwargs_source, kwargs_lens_light,
                       kwargs_extinction, kwargs_special, unconvolved):
        """Call a compiled extended-light function on class-API kwargs (the same split into
        static and dynamic parts as the solve, :func:`functional.pure_inputs`)."""
        kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, None, kwargs_extinction,
                  kwargs_special)
        static = self._static_of(_as_list(kwargs_source), _as_list(kwargs_lens_light),
                                 kwargs_extinction)
        spec = functional.FunctionalSpec(static, None, bool(kwargs_extinction))
        inputs, static = functional.pure_inputs(self, functional.call_pytree(kwargs), spec)
        lens, source, light, extinction, tau0_list = inputs[:5]
        return function(lens, source, light, extinction, tau0_list, static=static,
                        unconvolved=bool(unconvolved))

    # ------------------------------------------------------------------ images
    def source_surface_brightness(self, kwargs_source, kwargs_lens=None,
                                  kwargs_extinction=None, kwargs_special=None,
                                  unconvolved: bool = False, de_lensed: bool = False, k=None,
                                  update_pixelbased_mapping: bool = True) -> np.ndarray:
        """Image of the (lensed) source, flux per pixel, shape (ny, nx).

        ``de_lensed=True`` evaluates the source at the image-plane coordinates without lensing
        (and without extinction); ``k`` selects source profiles.
        """
        if len(self.SourceModel.profile_type_list) == 0:
            return np.zeros((self.Data.ny, self.Data.nx))
        x, y = self.ImageNumerics.coordinates_evaluate
        if de_lensed:
            flux = self.SourceModel.surface_brightness(x, y, kwargs_source, k=k)
        else:
            beta_x, beta_y = (x, y) if not self.LensModel.lens_model_list else \
                self.LensModel.ray_shooting(x, y, _as_list(kwargs_lens))
            flux = self.SourceModel.surface_brightness(beta_x, beta_y, kwargs_source, k=k)
            flux = flux * self._extinction.extinction(x, y, kwargs_extinction=kwargs_extinction,
                                                      kwargs_special=kwargs_special)
        image = self.ImageNumerics.re_size_convolve(flux, unconvolved=unconvolved)
        return np.asarray(image * self._flux_scaling)

    def lens_surface_brightness(self, kwargs_lens_light, unconvolved: bool = False,
                                k=None) -> np.ndarray:
        """Image of the lens light, flux per pixel, shape (ny, nx)."""
        if len(self.LensLightModel.profile_type_list) == 0:
            return np.zeros((self.Data.ny, self.Data.nx))
        x, y = self.ImageNumerics.coordinates_evaluate
        flux = self.LensLightModel.surface_brightness(x, y, kwargs_lens_light, k=k)
        image = self.ImageNumerics.re_size_convolve(flux, unconvolved=unconvolved)
        return np.asarray(image * self._flux_scaling)

    def point_source(self, kwargs_ps, kwargs_lens=None, kwargs_special=None,
                     unconvolved: bool = False, k=None) -> np.ndarray:
        """Image of the point sources (PSF-rendered), flux per pixel, shape (ny, nx)."""
        image = np.zeros((self.Data.ny, self.Data.nx))
        if not self.PointSource.point_source_type_list:
            return image
        ra, dec, amp = self.PointSource.point_source_list(kwargs_ps, kwargs_lens=kwargs_lens,
                                                          k=k)
        ra, dec = self._displace_astrometry(ra, dec, kwargs_special)
        if len(ra) == 0:
            return image
        rendered = self.ImageNumerics.point_source_rendering(ra, dec, amp,
                                                             unconvolved=unconvolved)
        return np.asarray(rendered) * self._flux_scaling

    def image(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
              kwargs_ps=None, kwargs_extinction=None, kwargs_special=None,
              unconvolved: bool = False, source_add: bool = True, lens_light_add: bool = True,
              point_source_add: bool = True) -> np.ndarray:
        """Model image with the amplitudes of the kwargs (no linear solve), shape (ny, nx)."""
        need_source = source_add and bool(self.SourceModel.profile_type_list)
        need_light = lens_light_add and bool(self.LensLightModel.profile_type_list)
        model = np.zeros((self.Data.ny, self.Data.nx))
        # the fused call needs the kwargs of every model that has profiles: with one of two
        # non-empty models switched off, take the single-component path instead
        source_off = not need_source and bool(self.SourceModel.profile_type_list)
        light_off = not need_light and bool(self.LensLightModel.profile_type_list)
        if need_source and light_off:
            model = model + ImageModel.source_surface_brightness(
                self, kwargs_source, kwargs_lens, kwargs_extinction, kwargs_special,
                unconvolved=unconvolved)
        elif need_light and source_off:
            model = model + ImageModel.lens_surface_brightness(
                self, kwargs_lens_light, unconvolved=unconvolved)
        elif need_source or need_light:
            images = self._call_extended(
                self._extended_images_jit, kwargs_lens,
                kwargs_source if need_source else [],
                kwargs_lens_light if need_light else [], kwargs_extinction if need_source
                else None, kwargs_special, unconvolved)
            if need_source:
                self.SourceModel.check_parameters(kwargs_source)
                model = model + np.asarray(images[0])
            if need_light:
                self.LensLightModel.check_parameters(kwargs_lens_light)
                model = model + np.asarray(images[1])
        if point_source_add:
            model = model + ImageModel.point_source(self, kwargs_ps, kwargs_lens,
                                              kwargs_special=kwargs_special,
                                              unconvolved=unconvolved)
        return model

    def extinction_map(self, kwargs_extinction=None, kwargs_special=None) -> np.ndarray:
        """Pixel-averaged transmission ``exp(-tau0 tau)`` (1 without extinction), (ny, nx).

        (The reference prints a debug line here; chromalens does not.)
        """
        x, y = self.ImageNumerics.coordinates_evaluate
        transmission = self._extinction.extinction(x, y, kwargs_extinction=kwargs_extinction,
                                                   kwargs_special=kwargs_special)
        transmission = jnp.ones_like(x) * transmission
        image = self.ImageNumerics.re_size_convolve(transmission, unconvolved=True)
        return np.asarray(image) / self.Data.pixel_width**2

    # ------------------------------------------------------------------ likelihood
    def likelihood_data_given_model(self, kwargs_lens=None, kwargs_source=None,
                                    kwargs_lens_light=None, kwargs_ps=None,
                                    kwargs_extinction=None, kwargs_special=None,
                                    linear_prior=None, source_marg: bool = False,
                                    check_positive_flux: bool = False) -> float:
        """Log-likelihood of the data for the kwargs' amplitudes (no linear solve)."""
        model = ImageModel.image(self, kwargs_lens, kwargs_source, kwargs_lens_light,
                                 kwargs_ps, kwargs_extinction, kwargs_special)
        model_error = ImageModel._error_map_model(self, kwargs_lens, kwargs_ps, kwargs_special)
        return float(self.Data.log_likelihood(model, self.likelihood_mask, model_error))

    @property
    def data_response(self) -> np.ndarray:
        """Masked data pixels, 1-D (row-major order)."""
        return self.image2array_masked(self.Data.data)

    def error_response(self, kwargs_lens, kwargs_ps, kwargs_special=None):
        """``(C_D_response (n,), model_error (ny, nx))``: data-based variance plus the
        PSF-variance term, masked; and the PSF-variance term as an image."""
        model_error = self._error_map_model(kwargs_lens, kwargs_ps, kwargs_special)
        return self.image2array_masked(self.Data.C_D + model_error), model_error

    @property
    def num_data_evaluate(self) -> int:
        """Number of pixels inside the likelihood mask."""
        return int(np.sum(self.likelihood_mask))

    def reduced_residuals(self, model, error_map=0) -> np.ndarray:
        """``(data - model) / sqrt(C_D_model(model) + |error_map|)``, zero outside the mask."""
        variance = np.asarray(self.Data.C_D_model(model)) + np.abs(error_map)
        residual = (self.Data.data_finite - model) / np.sqrt(variance)
        return np.where(self.likelihood_mask, residual, 0.0)

    def reduced_chi2(self, model, error_map=0) -> float:
        """Sum of squared reduced residuals over the number of masked-in pixels."""
        residual = self.reduced_residuals(model, error_map)
        return float(np.sum(residual**2) / self.num_data_evaluate)

    def image2array_masked(self, image) -> np.ndarray:
        """Image (ny, nx) -> 1-D array of the masked-in pixels."""
        return np.asarray(image).ravel()[self._mask1d]

    def array_masked2image(self, array) -> np.ndarray:
        """Inverse of :meth:`image2array_masked`; zeros outside the mask."""
        flat = np.zeros(self.Data.num_pixel)
        flat[self._mask1d] = np.asarray(array)
        return flat.reshape(self.Data.ny, self.Data.nx)

    def reset_point_source_cache(self, cache: bool = True) -> None:
        """Accepted for compatibility; chromalens keeps no point-source cache."""

    def update_psf(self, psf_class: PSF) -> None:
        """Use another PSF for this band (rebuilds the numerics; functions already built by
        ``log_likelihood_function`` keep the old PSF)."""
        self.PSF = psf_class
        self.PSF.set_pixel_size(self.Data.pixel_width)
        self.ImageNumerics = Numerics.from_kwargs(self.Data, self.PSF, self._kwargs_numerics)
        self._psf_error_map = bool(self.PSF.psf_variance_map_bool)
        self._reset_compiled()

    def update_data(self, data_class: ImageData) -> None:
        """Use other data on the same grid (same shape).

        The class methods use the new data from the next call on. Functions already built by
        ``log_likelihood_function`` / ``image_function`` keep the data they were built with
        (they are pure); build them again.
        """
        if (data_class.nx, data_class.ny) != (self.Data.nx, self.Data.ny):
            raise ValueError("update_data: the new data must have the same shape")
        self.Data = data_class
        self._set_mask(self.likelihood_mask)
        self._reset_compiled()

    # ------------------------------------------------------------------ point-source errors
    def _error_map_model(self, kwargs_lens, kwargs_ps, kwargs_special=None) -> np.ndarray:
        return self._error_map_psf(kwargs_lens, kwargs_ps, kwargs_special)

    def _error_map_psf(self, kwargs_lens, kwargs_ps, kwargs_special=None) -> np.ndarray:
        """PSF-uncertainty variance around the point sources, (ny, nx) (zeros if unused).

        Amplitudes are estimated from the data around each image, as in the reference.
        """
        error_map = np.zeros((self.Data.ny, self.Data.nx))
        if not self._psf_error_map:
            return error_map
        for k, use in enumerate(self._psf_error_map_bool_list):
            if not use:
                continue
            ra, dec, _ = self.PointSource.point_source_list(kwargs_ps, kwargs_lens=kwargs_lens,
                                                            k=k, with_amp=False)
            if len(ra) > 0:
                ra, dec = self._displace_astrometry(ra, dec, kwargs_special)
                error_map = error_map + np.asarray(self.ImageNumerics.psf_variance_map(
                    ra, dec, None, self.Data.data_finite, fix_psf_variance_map=False))
        return error_map

    @staticmethod
    def _displace_astrometry(x_pos, y_pos, kwargs_special=None):
        """Add ``delta_x_image`` / ``delta_y_image`` (zero-padded) to the image positions."""
        x_pos = np.asarray(x_pos, dtype=float)
        y_pos = np.asarray(y_pos, dtype=float)
        if kwargs_special is not None and "delta_x_image" in kwargs_special:
            delta_x = np.zeros(len(x_pos))
            delta_y = np.zeros(len(y_pos))
            dx = np.asarray(kwargs_special["delta_x_image"], dtype=float)[:len(x_pos)]
            dy = np.asarray(kwargs_special["delta_y_image"], dtype=float)[:len(y_pos)]
            delta_x[:len(dx)] = dx
            delta_y[:len(dy)] = dy
            x_pos, y_pos = x_pos + delta_x, y_pos + delta_y
        return x_pos, y_pos

