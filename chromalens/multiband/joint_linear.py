"""Several bands, one linear solve: the amplitudes are shared by all bands."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from .._trace_sharing import in_turn, sharing
from ..hoisted_jit import HoistedJit
from ..imaging import functional
from ..imaging.adjoint import block_adjoints, with_adjoint_gradient
from ..imaging.linear_solve import marginalization, normal_equations, weighted_least_squares_blocks
from .multi_linear import MultiLinear

__all__ = ["JointLinear"]

#: log-likelihood penalty of a negative amplitude in the joint modes (reference value)
JOINT_POSITIVITY_PENALTY = 1e5

_LINEAR_INDEX_KEYS = ("index_source_light_model_list", "index_lens_light_model_list",
                      "index_point_source_model_list")


def _check_same_linear_models(kwargs_model: dict, num_bands: int) -> None:
    """The joint solve needs the same light and point-source models in every band."""
    for key in _LINEAR_INDEX_KEYS:
        index_list = kwargs_model.get(key)
        if index_list is None or kwargs_model.get("all_models", False):
            continue
        first = list(index_list[0])
        for band in range(1, min(num_bands, len(index_list))):
            if list(index_list[band]) != first:
                raise ValueError(
                    f"JointLinear needs the same models in every band: kwargs_model[{key!r}] "
                    f"selects {first} in band 0 and {list(index_list[band])} in band {band}; "
                    f"use MultiLinear for band-dependent models"
                )


class JointLinear(MultiLinear):
    """Multi-band model with one weighted linear solve over all computed bands.

    The response matrices of the bands are concatenated along the pixel axis, so each
    amplitude is shared by all bands (each band's ``flux_scaling`` sets its relative
    normalisation). Models that differ between bands are refused.

    Parameters
    ----------
    multi_band_list : list of [kwargs_data, kwargs_psf, kwargs_numerics]
    kwargs_model : dict
    compute_bool : list of bool, optional
        Bands to compute; at least one (ValueError otherwise).
    likelihood_mask_list : list of arrays, optional
    """

    def __init__(self, multi_band_list, kwargs_model: dict, compute_bool=None,
                 likelihood_mask_list=None):
        if isinstance(kwargs_model, dict):
            _check_same_linear_models(kwargs_model, len(multi_band_list))
        super().__init__(multi_band_list, kwargs_model,
                         likelihood_mask_list=likelihood_mask_list, compute_bool=compute_bool)
        self.type = "joint-linear"
        if not self._computed_bands():
            raise ValueError(f"{type(self).__name__}: compute_bool {self.compute_bool} leaves "
                             "no band for the joint solve")
        self._joint_jit = HoistedJit(self._joint_call,
                                     static_argnames=("statics", "inv_bool", "source_marg"))

    # ------------------------------------------------------------------ stacked pieces
    def _band_responses(self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                        kwargs_extinction, kwargs_special) -> list[np.ndarray]:
        responses = []
        for band in self._computed_bands():
            responses.append(self._image_model_list[band].linear_response_matrix(
                kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
                kwargs_special))
        sizes = {response.shape[0] for response in responses}
        if len(sizes) > 1:
            raise ValueError(
                f"JointLinear: the bands have different numbers of linear coefficients "
                f"{[r.shape[0] for r in responses]}; the joint solve needs the same models"
            )
        return responses

    def linear_response_matrix(self, kwargs_lens=None, kwargs_source=None,
                               kwargs_lens_light=None, kwargs_ps=None, kwargs_extinction=None,
                               kwargs_special=None) -> np.ndarray:
        """Joint response, shape (m, sum of the computed bands' masked pixels)."""
        responses = self._band_responses(kwargs_lens, kwargs_source, kwargs_lens_light,
                                         kwargs_ps, kwargs_extinction, kwargs_special)
        return np.concatenate(responses, axis=1)

    @property
    def data_response(self) -> np.ndarray:
        """Masked data of the computed bands, concatenated, 1-D."""
        return np.concatenate([self._image_model_list[band].data_response
                               for band in self._computed_bands()])

    def error_response(self, kwargs_lens, kwargs_ps, kwargs_special=None):
        """``(C_D_response concatenated 1-D, [model_error (ny, nx) per computed band])``."""
        variances, errors = [], []
        for band in self._computed_bands():
            variance, error = self._image_model_list[band].error_response(
                kwargs_lens, kwargs_ps, kwargs_special)
            variances.append(variance)
            errors.append(error)
        return np.concatenate(variances), errors

    def _array2image_list(self, array) -> list[np.ndarray]:
        """Split a joint 1-D masked array into per-computed-band images (zeros outside masks)."""
        images, start = [], 0
        for band in self._computed_bands():
            n = self._num_response_list[band]
            images.append(self._image_model_list[band].array_masked2image(
                array[start:start + n]))
            start += n
        return images

    # ------------------------------------------------------------------ solve
    #: solve one constant background per band with the amplitudes (JointLinear_VaryBG)
    _solve_background = False

    def _joint_pure(self, inputs, model_errors, linear_prior, statics, inv_bool, source_marg,
                    planes=None, adjoint: bool = False):
        """Responses of all computed bands, one weighted solve, per-band likelihoods (pure).

        Works on every pixel of every band with zero weights outside the masks (see
        ``ImageLinearFit._masked_weights``). ``adjoint``: also return one
        :class:`~chromalens.imaging.adjoint.Adjoint` per computed band.
        """
        computed = self._computed_bands()

        def block(item):
            i, band = item
            model = self._image_model_list[band]
            error = jnp.broadcast_to(model_errors[i], (model.Data.ny, model.Data.nx))
            pixels = (model._response_full(*inputs[i], static=statics[i],
                                           plane=(planes or {}).get(band)),
                      model._masked_weights(error), jnp.asarray(model.Data.data_finite).ravel())
            return pixels, normal_equations(*pixels)

        # one band after the other (see _trace_sharing), each after the previous normal matrix
        blocks, normal = zip(*in_turn(enumerate(computed), block,
                                      lambda result: jnp.sum(result[1][0])), strict=True)
        param, cov, model_flats, solve = weighted_least_squares_blocks(
            list(blocks), inv_bool=inv_bool, background=self._solve_background,
            normal=list(normal), with_solver=True)
        logL, images, gradients = 0.0, [], []
        for i, band in enumerate(computed):
            model = self._image_model_list[band]
            images.append(model._masked_image(model_flats[i]))
            error = jnp.broadcast_to(model_errors[i], (model.Data.ny, model.Data.nx))
            logL_band, band_gradients = model._flat_log_likelihood_and_gradients(
                model_flats[i], error, adjoint)
            gradients.append(band_gradients)
            logL = logL + logL_band
        if source_marg and cov is not None:
            logL = logL + marginalization(cov, linear_prior)
        if adjoint:
            return logL, param, cov, images, block_adjoints(
                blocks, param, model_flats, solve, gradients, self._solve_background)
        return logL, param, cov, images

    def _joint_call(self, kwargs, solved, linear_prior, statics, inv_bool, source_marg):
        """The compiled class-API call: specs from static + solved, then the joint solve."""
        specs = {band: functional.FunctionalSpec(statics[i], solved[i], False)
                 for i, band in enumerate(self._computed_bands())}
        return self._pure_joint(kwargs, specs, linear_prior, inv_bool=inv_bool,
                                source_marg=source_marg)

    def _linear_solve(self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                      kwargs_extinction, kwargs_special, inv_bool, source_marg=False,
                      linear_prior=None, likelihood_only=False):
        """Run the compiled joint engine: ``(images, error maps, cov, param, logL)`` (numpy;
        with ``likelihood_only`` only param and logL are fetched, the rest None: see
        ``ImageLinearFit._solve``)."""
        kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
                  kwargs_special)
        specs = [functional.band_spec(self._image_model_list[band], kwargs,
                                      self._image_model_list[band]._select_pytree)
                 for band in self._computed_bands()]
        outputs = self._joint_jit(
            functional.call_pytree(kwargs), [s.solved for s in specs], linear_prior,
            statics=tuple(s.static for s in specs), inv_bool=bool(inv_bool or source_marg),
            source_marg=bool(source_marg))
        if likelihood_only:
            logL, param = functional.fetch(outputs[:2])
            return None, None, None, param, float(logL)
        logL, param, cov, images, errors = functional.fetch(outputs)
        return list(images), list(errors), cov, param, float(logL)

    def _public_param(self, param, cov):
        """Map the solve's parameters to the returned layout (identity here)."""
        return param, cov

    def image_linear_solve(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                           kwargs_ps=None, kwargs_extinction=None, kwargs_special=None,
                           inv_bool: bool = False):
        """One weighted least-squares solve over all computed bands.

        Returns
        -------
        wls_list : list of (ny, nx) arrays, one per computed band
        error_map_list : list of (ny, nx) arrays, one per computed band
        cov_param : (M, M) array or None
        param : (M,) array
            ``M = m`` here (``m + num_bands`` for JointLinear_VaryBG). The amplitudes are
            *not* written into the kwargs (reference behaviour; use ``update_linear_kwargs``).
            ``kwargs_special`` reaches the PSF-variance term (the reference drops it there).
        """
        wls_list, errors, cov, param, _ = self._linear_solve(
            kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
            kwargs_special, inv_bool)
        param, cov = self._public_param(param, cov)
        return wls_list, errors, cov, param

    def likelihood_data_given_model(self, kwargs_lens=None, kwargs_source=None,
                                    kwargs_lens_light=None, kwargs_ps=None,
                                    kwargs_extinction=None, kwargs_special=None,
                                    source_marg: bool = False, linear_prior=None,
                                    check_positive_flux: bool = False):
        """Joint log-likelihood.

        Returns
        -------
        logL : float
            Sum of the bands' log-likelihoods of the joint model, plus the marginalisation
            term (``source_marg``, scalar ``linear_prior``); with ``check_positive_flux`` the
            input amplitudes of band 0 are checked (reference behaviour) and 1e5 subtracted
            if one is negative.
        param : (m,) array
        """
        _, _, _, param, logL = self._linear_solve(
            kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
            kwargs_special, source_marg, source_marg=source_marg, linear_prior=linear_prior,
            likelihood_only=True)
        if check_positive_flux and self._num_bands > 0:
            if not self._image_model_list[0].check_positive_flux(kwargs_source,
                                                                 kwargs_lens_light, kwargs_ps):
                logL -= JOINT_POSITIVITY_PENALTY
        return logL, self._public_param(param, None)[0]

    def update_linear_kwargs(self, param, model_band, kwargs_lens, kwargs_source,
                             kwargs_lens_light, kwargs_ps):
        """Write the joint amplitudes into band ``model_band``'s dicts (band-subset 4-tuple)."""
        return self._image_model_list[model_band].update_linear_kwargs(
            param, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps)

    # ------------------------------------------------------------------ functional face
    def _pure_joint(self, kwargs, specs, linear_prior=None, inv_bool=False, source_marg=False,
                    adjoint: bool = False):
        """``(logL, param, cov, images, error maps)`` (with ``adjoint``: and the adjoints)."""
        with sharing():
            return self._pure_joint_bands(kwargs, specs, linear_prior, inv_bool, source_marg,
                                          adjoint)

    def _pure_joint_bands(self, kwargs, specs, linear_prior, inv_bool, source_marg,
                          adjoint=False):
        inputs, statics, errors = [], [], []
        for band in self._computed_bands():
            model = self._image_model_list[band]
            band_inputs, static = functional.pure_inputs(model, model._select_pytree(kwargs),
                                                         specs[band])
            inputs.append(band_inputs)
            statics.append(static)
            errors.append(functional.pure_error_map(model, band_inputs[0], band_inputs[5],
                                                    band_inputs[6], band_inputs[7]))
        logL, param, cov, images, *extra = self._joint_pure(
            inputs, errors, linear_prior, planes=self._batched_planes(kwargs),
            statics=tuple(statics), inv_bool=bool(inv_bool or source_marg),
            source_marg=bool(source_marg), adjoint=adjoint)
        return (logL, param, cov, images, errors, *extra)

    def _input_positive_pure(self, kwargs):
        """Pure positivity of the *input* amplitudes of band 0 (the joint modes' check)."""
        model = self._image_model_list[0]
        _, source, light, ps, _, _ = functional.as_tuple(model._select_pytree(kwargs))
        ok = jnp.asarray(True)
        if source:
            ok = ok & model.SourceModel.check_positive_flux_profile(source)
        if light:
            ok = ok & model.LensLightModel.check_positive_flux_profile(light)
        if ps and model.PointSource.point_source_type_list:
            ok = ok & model.PointSource.positive_flux(ps)
        return ok

    def log_likelihood_function(self, kwargs_template: dict | None = None,
                                source_marg: bool = False, linear_prior=None,
                                check_positive_flux: bool = False):
        """Pure ``f(kwargs) -> logL`` of the joint solve (see MultiLinear's); derivatives
        through the adjoint of the joint solve (:mod:`chromalens.imaging.adjoint`), except
        with ``source_marg``."""
        computed = self._computed_bands()
        specs = {band: self._image_model_list[band]._prepare_function(kwargs_template)
                 for band in computed}

        def evaluate(kwargs, adjoint):
            result = self._pure_joint(kwargs, specs, linear_prior, source_marg=source_marg,
                                      adjoint=adjoint)
            logL = result[0]
            if check_positive_flux:
                logL = jnp.where(self._input_positive_pure(kwargs), logL,
                                 logL - JOINT_POSITIVITY_PENALTY)
            return logL, (result[5] if adjoint else None)

        return with_adjoint_gradient(
            evaluate, lambda kwargs, adjoints: self._bands_surrogate(kwargs, specs, adjoints),
            enabled=not source_marg,
            num_coefficients=lambda kwargs: self._num_extended_coefficients(kwargs, specs))

    def image_function(self, kwargs_template: dict | None = None):
        """Pure ``g(kwargs) -> (list of model images, joint amplitudes)``."""
        specs = {band: self._image_model_list[band]._prepare_function(kwargs_template)
                 for band in self._computed_bands()}

        def images(kwargs):
            _, param, _, band_images, _ = self._pure_joint(kwargs, specs)
            return band_images, param

        return images
