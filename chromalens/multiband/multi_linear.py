"""Several bands, shared non-linear parameters, linear amplitudes solved band by band."""

from __future__ import annotations

import numpy as np

from .._trace_sharing import in_turn, sharing
from ..hoisted_jit import HoistedJit
from ..imaging import functional
from ..imaging.adjoint import with_adjoint_gradient
from ..imaging.linear_fit import POSITIVITY_PENALTY
from .multi_data_base import MultiDataBase
from .single_band_multi_model import SingleBandMultiModel, check_multi_band_list

__all__ = ["MultiLinear"]


class MultiLinear(MultiDataBase):
    """Multi-band model with an independent linear solve per band.

    Parameters
    ----------
    multi_band_list : list of [kwargs_data, kwargs_psf, kwargs_numerics]
    kwargs_model : dict
        Model lists for all bands, with optional ``index_*_model_list`` per band.
    likelihood_mask_list : list of arrays, optional
    compute_bool : list of bool, optional
        Bands to compute (all by default).
    kwargs_pixelbased : None
        Not supported.
    linear_solver : bool
        False is allowed for a single band only (as in the reference).
    """

    def __init__(self, multi_band_list, kwargs_model: dict, likelihood_mask_list=None,
                 compute_bool=None, kwargs_pixelbased=None, linear_solver: bool = True):
        check_multi_band_list(multi_band_list)
        if linear_solver is False and len(multi_band_list) > 1:
            raise ValueError(
                "linear_solver=False is only supported for a single band in MultiLinear"
            )
        image_model_list = [
            SingleBandMultiModel(multi_band_list, kwargs_model,
                                 likelihood_mask_list=likelihood_mask_list, band_index=band,
                                 kwargs_pixelbased=kwargs_pixelbased,
                                 linear_solver=linear_solver)
            for band in range(len(multi_band_list))
        ]
        super().__init__(image_model_list, compute_bool=compute_bool)
        self.type = "multi-linear"
        self.linear_solver = linear_solver
        self._bands_jit = HoistedJit(self._solve_bands_pure,
                                     static_argnames=("statics", "inv_bool", "source_marg"))

    # ------------------------------------------------------------------ engine
    def _bands_in_turn(self, kwargs, solve_band) -> list:
        """``solve_band(i, band, plane)`` of every computed band, one band after the other.

        Runs in one sharing scope over the same traced pytree, so work that bands share (ray
        shooting of identical grids, light of shared profiles) is computed once; each band's
        convolution waits for the previous band's log-likelihood (the first entry of
        ``solve_band``'s result), so the bands' temporaries are not alive at once (see
        :mod:`chromalens._trace_sharing`).
        """
        with sharing():
            planes = self._batched_planes(kwargs)
            return in_turn(enumerate(self._computed_bands()),
                           lambda item: solve_band(*item, planes.get(item[1])),
                           lambda result: result[0])

    def _num_extended_coefficients(self, kwargs, specs) -> int:
        """Extended-light coefficients of the largest band (static)."""
        return max(self._image_model_list[band]._num_extended_coefficients(kwargs, specs[band])
                   for band in self._computed_bands())

    def _bands_surrogate(self, kwargs, specs, adjoints):
        """Sum of the computed bands' adjoint surrogates (``ImageLinearFit.
        _adjoint_surrogate``), ray shooting once per group of bands."""
        with sharing():
            planes = self._batched_planes(kwargs)
            return sum(self._image_model_list[band]._adjoint_surrogate(
                kwargs, specs[band], adjoint, planes.get(band))
                for band, adjoint in zip(self._computed_bands(), adjoints, strict=True))

    def _solve_bands_pure(self, kwargs, solved, priors, statics, inv_bool, source_marg):
        """Every computed band's fused solve from one parameter pytree (pure, one compile)."""
        return self._bands_in_turn(kwargs, lambda i, band, plane: functional.solve_band(
            self._image_model_list[band], kwargs,
            functional.FunctionalSpec(statics[i], solved[i], False), priors[i], inv_bool,
            source_marg, plane=plane))

    def _solve_bands(self, kwargs, inv_bool, source_marg, priors, likelihood_only=False):
        """Run all computed bands; numpy ``(logL, param, cov, model)`` per band, error maps
        (with ``likelihood_only`` only logL and param are fetched, the rest None: see
        ``ImageLinearFit._solve``)."""
        specs = [functional.band_spec(self._image_model_list[band], kwargs,
                                      self._image_model_list[band]._select_pytree)
                 for band in self._computed_bands()]
        results = self._bands_jit(
            functional.call_pytree(kwargs), [s.solved for s in specs], priors,
            statics=tuple(s.static for s in specs), inv_bool=bool(inv_bool or source_marg),
            source_marg=bool(source_marg))
        if likelihood_only:
            results = [(*fetched, None, None, None)
                       for fetched in functional.fetch([result[:2] for result in results])]
        else:
            results = functional.fetch(results)
        out, errors = [], []
        for logL, param, cov, model, error in results:
            out.append((float(logL), param, cov, model))
            errors.append(error)
        return out, errors

    def image_linear_solve(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                           kwargs_ps=None, kwargs_extinction=None, kwargs_special=None,
                           inv_bool: bool = False):
        """Solve every computed band.

        Returns
        -------
        wls_list, error_map_list, cov_param_list, param_list : lists of length num_bands
            Per band as ``SingleBandMultiModel.image_linear_solve``; ``None`` for skipped
            bands. Amplitudes are written into the kwargs dicts band after band, so shared
            components end with the last computed band's values (reference behaviour).
        """
        kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
                  kwargs_special)
        solved, errors = self._solve_bands(kwargs, inv_bool, False,
                                           [None] * len(self._computed_bands()))
        results = [(None, None, None, None)] * self._num_bands
        for (_, param, cov, model), error, band in zip(solved, errors, self._computed_bands(),
                                                       strict=True):
            results[band] = (model, error, cov, param)
            self._image_model_list[band].update_linear_kwargs(
                param, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps)
        wls_list, error_list, cov_list, param_list = (list(x) for x in zip(*results,
                                                                            strict=True))
        return wls_list, error_list, cov_list, param_list

    def likelihood_data_given_model(self, kwargs_lens=None, kwargs_source=None,
                                    kwargs_lens_light=None, kwargs_ps=None,
                                    kwargs_extinction=None, kwargs_special=None,
                                    source_marg: bool = False, linear_prior=None,
                                    check_positive_flux: bool = False):
        """Sum of the computed bands' log-likelihoods.

        ``linear_prior`` is a list with one prior width (or None) per band.

        Returns
        -------
        logL : float
        param_list : list of length num_bands (None for skipped bands)
        """
        if linear_prior is None:
            linear_prior = [None] * self._num_bands
        if not isinstance(linear_prior, (list, tuple, np.ndarray)):
            raise TypeError("MultiLinear: linear_prior must be a list with one entry per band")
        if len(linear_prior) != self._num_bands:
            raise ValueError(
                f"linear_prior must have one entry per band ({self._num_bands}), "
                f"got {len(linear_prior)}"
            )
        kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
                  kwargs_special)
        computed = self._computed_bands()
        solved, _ = self._solve_bands(kwargs, source_marg, source_marg,
                                      [linear_prior[band] for band in computed],
                                      likelihood_only=True)
        logL = 0.0
        param_list = [None] * self._num_bands
        for (logL_band, param, _, _), band in zip(solved, computed, strict=True):
            model = self._image_model_list[band]
            model.update_linear_kwargs(param, kwargs_lens, kwargs_source, kwargs_lens_light,
                                       kwargs_ps)
            if check_positive_flux and not model.check_positive_flux(
                    kwargs_source, kwargs_lens_light, kwargs_ps):
                logL_band -= POSITIVITY_PENALTY
            logL += logL_band
            param_list[band] = param
        return logL, param_list

    def update_linear_kwargs(self, param, model_band, kwargs_lens, kwargs_source,
                             kwargs_lens_light, kwargs_ps):
        """Write band ``model_band``'s amplitudes ``param[model_band]`` into its dicts.

        Returns the band-subset 4-tuple ``(lens, source, lens_light, ps)``.
        """
        return self._image_model_list[model_band].update_linear_kwargs(
            param[model_band], kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps)

    # ------------------------------------------------------------------ functional face
    def log_likelihood_function(self, kwargs_template: dict | None = None,
                                source_marg: bool = False, linear_prior=None,
                                check_positive_flux: bool = False):
        """Pure ``f(kwargs) -> logL``: the sum of the computed bands' likelihoods.

        ``kwargs`` is a parameter pytree (see :mod:`chromalens.imaging.functional`);
        ``linear_prior`` a list with one entry per band. jit / vmap / grad-able; equals
        :meth:`likelihood_data_given_model`. Derivatives go through the adjoint of each
        band's solve (:mod:`chromalens.imaging.adjoint`), except with ``source_marg``.
        """
        computed = self._computed_bands()
        priors = [None] * self._num_bands if linear_prior is None else list(linear_prior)
        specs = {band: self._image_model_list[band]._prepare_function(kwargs_template)
                 for band in computed}

        def evaluate(kwargs, adjoint):
            results = self._bands_in_turn(kwargs, lambda i, band, plane: self._image_model_list[
                band]._pure_band(kwargs, specs[band], source_marg, priors[band],
                                 check_positive_flux, plane=plane, adjoint=adjoint))
            logL = sum((result[0] for result in results), 0.0)
            return logL, ([result[4] for result in results] if adjoint else None)

        return with_adjoint_gradient(
            evaluate, lambda kwargs, adjoints: self._bands_surrogate(kwargs, specs, adjoints),
            enabled=not source_marg,
            num_coefficients=lambda kwargs: self._num_extended_coefficients(kwargs, specs))

    def image_function(self, kwargs_template: dict | None = None):
        """Pure ``g(kwargs) -> [(model image, amplitudes) per computed band]``."""
        computed = self._computed_bands()
        functions = [self._image_model_list[band].image_function(kwargs_template)
                     for band in computed]

        def images(kwargs):
            return [function(kwargs) for function in functions]

        return images
