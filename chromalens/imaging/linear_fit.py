"""Single-band linear fitting: amplitudes of every light component solved by weighted least
squares, and the resulting log-likelihood.

``ImageLinearFit`` mirrors the reference's ``lenstronomy.ImSim.image_linear_solve.
ImageLinearFit``. The response matrix ``A`` has one row per linear coefficient (source basis
functions, then lens-light basis functions, then point-source amplitudes), each the masked,
flattened image of that component at unit amplitude, times the band's ``flux_scaling``.

Reference conventions kept (see ``spec/reference_notes.md`` §3): the weights of the solve use
the data-based variance ``C_D`` (+ PSF-variance term), the likelihood the model-based variance;
``source_marg`` adds the marginalisation term; ``check_positive_flux`` subtracts 1e8 when a
solved amplitude that must be positive is negative. As the reference documents, the solved
amplitudes are written into the caller's kwargs dicts (class API only).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from ..hoisted_jit import HoistedJit
from . import functional
from .adjoint import block_adjoints, with_adjoint_gradient
from .image_model import ImageModel, _as_list
from .linear_solve import marginalization, weighted_least_squares_blocks

__all__ = ["ImageLinearFit"]

#: log-likelihood penalty of a negative solved amplitude, single band (reference value)
POSITIVITY_PENALTY = 1e8


class ImageLinearFit(ImageModel):
    """Image model of one band with the linear amplitudes solved for.

    Parameters
    ----------
    data_class, psf_class, lens_model_class, source_model_class, lens_light_model_class,
    point_source_class, extinction_class, kwargs_numerics, likelihood_mask,
    psf_error_map_bool_list, kwargs_pixelbased
        As :class:`~chromalens.imaging.ImageModel`.
    linear_solver : bool
        If True (default) ``likelihood_data_given_model`` solves for the amplitudes; if False
        it uses the amplitudes in the kwargs (per call overridable).
    """

    def __init__(self, data_class, psf_class, lens_model_class=None, source_model_class=None,
                 lens_light_model_class=None, point_source_class=None, extinction_class=None,
                 kwargs_numerics=None, likelihood_mask=None, psf_error_map_bool_list=None,
                 kwargs_pixelbased=None, linear_solver: bool = True):
        super().__init__(data_class, psf_class, lens_model_class, source_model_class,
                         lens_light_model_class, point_source_class, extinction_class,
                         kwargs_numerics, likelihood_mask, psf_error_map_bool_list,
                         kwargs_pixelbased)
        if not self._mask_index.size:
            raise ValueError("likelihood_mask has no True pixel: nothing to fit")
        self.linear_solver = bool(linear_solver)

    def _reset_compiled(self) -> None:
        super()._reset_compiled()
        self._call_jit = HoistedJit(self._solve_call,
                                    static_argnames=("static", "inv_bool", "source_marg"))
        self._response_jit = jax.jit(self._response_pure, static_argnames=("static",))

    # ------------------------------------------------------------------ response
    def point_source_linear_response_set(self, kwargs_ps, kwargs_lens, kwargs_special=None,
                                         with_amp: bool = True):
        """Point-source basis: ``(ra_pos, dec_pos, amp, n)`` lists, one entry per coefficient,
        with ``delta_x_image`` / ``delta_y_image`` added over all images in order."""
        ra_pos, dec_pos, amp, n_points = self.PointSource.linear_response_set(
            kwargs_ps, kwargs_lens, with_amp=with_amp)
        ra_pos = [np.array(r, dtype=float) for r in ra_pos]
        dec_pos = [np.array(d, dtype=float) for d in dec_pos]
        if kwargs_special is not None and "delta_x_image" in kwargs_special:
            delta_x = np.asarray(kwargs_special["delta_x_image"], dtype=float)
            delta_y = np.asarray(kwargs_special["delta_y_image"], dtype=float)
            k = 0
            for i in range(n_points):
                for j in range(len(ra_pos[i])):
                    if k >= len(delta_x):
                        break
                    ra_pos[i][j] += delta_x[k]
                    dec_pos[i][j] += delta_y[k]
                    k += 1
        return ra_pos, dec_pos, amp, n_points

    def _point_source_basis(self, kwargs_ps, kwargs_lens, solved, special):
        """Unit-amplitude point-source images, one per coefficient, (n_ps, ny, nx) (pure)."""
        ra, dec, amp, basis_index, n_basis = self.PointSource.linear_response_arrays(
            kwargs_ps, kwargs_lens, solved, special)
        if n_basis == 0:
            return jnp.zeros((0, self.Data.ny, self.Data.nx))
        images = self.ImageNumerics.point_source_images(ra, dec, amp)
        summed = jax.ops.segment_sum(images, jnp.asarray(basis_index), num_segments=n_basis)
        return summed * self._flux_scaling

    def _response_full(self, kwargs_lens, source, light, extinction, tau0_list, kwargs_ps,
                       solved, special, static, plane=None):
        """Response over *all* pixels, (m, ny * nx) (pure); rows as ``linear_response_matrix``.

        ``plane``: the ray-shot evaluation grid if already computed (see ``_source_plane``).
        """
        blocks = [self._extended_basis(kwargs_lens, source, light, extinction, tau0_list,
                                       static=static, unconvolved=False, plane=plane)]
        if self.PointSource.point_source_type_list:
            blocks.append(self._point_source_basis(kwargs_ps, kwargs_lens, solved, special))
        images = jnp.concatenate(blocks, axis=0)
        return jnp.nan_to_num(images.reshape(images.shape[0], -1))

    def _response_pure(self, kwargs_lens, source, light, extinction, tau0_list, kwargs_ps,
                       solved, special, static):
        """Masked response matrix (m, n) from the dynamic kwargs (pure, jit-compiled)."""
        full = self._response_full(kwargs_lens, source, light, extinction, tau0_list,
                                   kwargs_ps, solved, special, static)
        return jnp.take(full, self._mask_index_jnp, axis=1)

    def _masked_weights(self, model_error):
        """``mask / (C_D + model_error)`` over all pixels (zero weight outside the mask).

        The engine works on full pixel arrays with zero weights instead of gathering the
        masked pixels: the sums are the same and no gather / scatter enters the gradient.
        """
        variance = jnp.asarray(self.Data.C_D) + model_error
        return jnp.where(self._mask_jnp, 1.0 / variance, 0.0).ravel()

    def _fused_solve(self, kwargs_lens, source, light, extinction, tau0_list, kwargs_ps, solved,
                     special, model_error, linear_prior, static, inv_bool, source_marg,
                     plane=None, adjoint: bool = False):
        """Response, weighted solve, model image and log-likelihood in one compiled call.

        ``adjoint``: also return the solve's :class:`~chromalens.imaging.adjoint.Adjoint`
        (the log-likelihood then comes with its derivatives by the model and error map).
        """
        A = self._response_full(kwargs_lens, source, light, extinction, tau0_list, kwargs_ps,
                                solved, special, static, plane)
        model_error = jnp.broadcast_to(model_error, (self.Data.ny, self.Data.nx))
        data = jnp.asarray(self.Data.data_finite).ravel()
        block = (A, self._masked_weights(model_error), data)
        param, cov, (model_flat,), solve = weighted_least_squares_blocks(
            [block], inv_bool=inv_bool, with_solver=True)
        model = self._masked_image(model_flat)
        logL, gradients = self._flat_log_likelihood_and_gradients(model_flat, model_error,
                                                                  adjoint)
        if source_marg and cov is not None:
            logL = logL + marginalization(cov, linear_prior)
        if adjoint:
            return logL, param, cov, model, block_adjoints([block], param, [model_flat], solve,
                                                           [gradients])[0]
        return logL, param, cov, model

    def _masked_image(self, model_flat):
        """A flat model over all pixels -> (ny, nx) image, zero outside the likelihood mask."""
        return jnp.where(self._mask_jnp, model_flat.reshape(self.Data.ny, self.Data.nx), 0.0)

    def _flat_log_likelihood(self, model_flat, model_error):
        """Log-likelihood of a flat model over all pixels and the PSF-variance map (ny, nx);
        the gradients of the adjoint are taken of this."""
        return self.Data.log_likelihood(self._masked_image(model_flat), self._mask_jnp,
                                        model_error)

    def _flat_log_likelihood_and_gradients(self, model_flat, model_error, gradients: bool):
        """``(logL, (l_m, l_e))`` of :meth:`_flat_log_likelihood` with its derivatives by the
        model and the error map (what :func:`~chromalens.imaging.adjoint.block_adjoints`
        takes), or ``(logL, None)`` without ``gradients``."""
        if gradients:
            return jax.value_and_grad(self._flat_log_likelihood, argnums=(0, 1))(model_flat,
                                                                                model_error)
        return self._flat_log_likelihood(model_flat, model_error), None

    def _model_images(self, inputs, static, amplitudes, plane=None):
        """``amplitudes @ A``: the band's model over all pixels, flat, for each row of
        coefficients (J, m) -> (J, ny * nx) (pure; rows of ``A`` as ``_response_full``).

        The light is contracted with the coefficients before the convolution (one image per
        row instead of one per coefficient: the same linear map, applied in the other order).
        """
        lens, source, light, extinction, tau0_list, kwargs_ps, solved, special = inputs
        source_static, light_static, ext_static = static
        x, y, beta_x, beta_y = self._source_plane(lens, plane)
        flux, start = jnp.zeros((amplitudes.shape[0],) + jnp.shape(x)), 0
        if self.SourceModel.profile_type_list:
            source_flux, start = self.SourceModel.basis_contracted(
                beta_x, beta_y, self.SourceModel.merge_static(source, source_static),
                amplitudes, start)
            flux = flux + source_flux * self._extinction_factor(x, y, extinction, tau0_list,
                                                                ext_static)
        if self.LensLightModel.profile_type_list:
            light_flux, start = self.LensLightModel.basis_contracted(
                x, y, self.LensLightModel.merge_static(light, light_static), amplitudes, start)
            flux = flux + light_flux
        images = self._re_size_convolve_stack(flux, False) * self._flux_scaling
        images = images.reshape(amplitudes.shape[0], -1)
        if self.PointSource.point_source_type_list:
            point_images = self._point_source_basis(kwargs_ps, lens, solved, special)
            images = images + amplitudes[:, start:] @ point_images.reshape(
                point_images.shape[0], -1)
        return jnp.nan_to_num(images)

    def _num_extended_coefficients(self, kwargs, spec) -> int:
        """Number of extended-light coefficients of the band for a parameter pytree
        (static: from the profiles and ``n_max``)."""
        inputs, (source_static, light_static, _) = functional.pure_inputs(
            self, self._select_pytree(kwargs), spec)
        count = 0
        if self.SourceModel.profile_type_list:
            count += self.SourceModel.num_param_linear(
                self.SourceModel.merge_static(inputs[1], source_static))
        if self.LensLightModel.profile_type_list:
            count += self.LensLightModel.num_param_linear(
                self.LensLightModel.merge_static(inputs[2], light_static))
        return count

    def _adjoint_surrogate(self, kwargs, spec, adjoint, plane=None):
        """``a^T A s + z^T A t + <e, r>`` of the band from a full parameter pytree: its
        derivative at fixed ``adjoint`` is the log-likelihood's (see
        :mod:`chromalens.imaging.adjoint`)."""
        inputs, static = functional.pure_inputs(self, self._select_pytree(kwargs), spec)
        images = self._model_images(inputs, static, jnp.stack([adjoint.a, adjoint.z]), plane)
        value = jnp.sum(images * jnp.stack([adjoint.s, adjoint.t]))
        if self._psf_error_map and self.PointSource.point_source_type_list:
            error = functional.pure_error_map(self, inputs[0], inputs[5], inputs[6], inputs[7])
            value = value + jnp.dot(error.ravel(), adjoint.r)
        return value

    def _dynamic_inputs(self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                        kwargs_extinction, kwargs_special):
        """Split the class-API kwargs into the pure engine's dynamic and static inputs."""
        self._check_kwargs(kwargs_source, kwargs_lens_light)
        kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
                  kwargs_special)
        spec = functional.band_spec(self, kwargs)
        return functional.pure_inputs(self, functional.call_pytree(kwargs), spec)

    def _response_images(self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                         kwargs_extinction, kwargs_special, unconvolved=False):
        extended = self._call_extended(self._extended_basis_jit, kwargs_lens, kwargs_source,
                                       kwargs_lens_light, kwargs_extinction, kwargs_special,
                                       unconvolved)
        if not self.PointSource.point_source_type_list:
            return extended
        ra_pos, dec_pos, amp, n_points = self.point_source_linear_response_set(
            kwargs_ps, kwargs_lens, kwargs_special, with_amp=False)
        # point-source rows are PSF-rendered even when ``unconvolved`` (as the reference)
        images = [self.ImageNumerics.point_source_rendering(
            np.atleast_1d(ra_pos[i]), np.atleast_1d(dec_pos[i]), np.atleast_1d(amp[i]))
            for i in range(n_points)]
        if not images:
            return extended
        return jnp.concatenate([extended, jnp.stack(images) * self._flux_scaling], axis=0)

    def _check_kwargs(self, kwargs_source, kwargs_lens_light):
        if self.SourceModel.profile_type_list:
            self.SourceModel.check_parameters(_as_list(kwargs_source))
        if self.LensLightModel.profile_type_list:
            self.LensLightModel.check_parameters(_as_list(kwargs_lens_light))

    def linear_response_matrix(self, kwargs_lens=None, kwargs_source=None,
                               kwargs_lens_light=None, kwargs_ps=None, kwargs_extinction=None,
                               kwargs_special=None, unconvolved: bool = False) -> np.ndarray:
        """Response matrix ``A``, shape (m, num_data_evaluate), already x flux_scaling.

        Row order: source basis functions, lens-light basis functions, point sources.
        """
        if not unconvolved:
            inputs, static = self._dynamic_inputs(kwargs_lens, kwargs_source,
                                                  kwargs_lens_light, kwargs_ps,
                                                  kwargs_extinction, kwargs_special)
            return np.asarray(self._response_jit(*inputs, static=static))
        self._check_kwargs(kwargs_source, kwargs_lens_light)
        images = self._response_images(kwargs_lens, kwargs_source, kwargs_lens_light,
                                       kwargs_ps, kwargs_extinction, kwargs_special,
                                       unconvolved)
        return np.asarray(self._mask_rows(images))

    def _mask_rows(self, images):
        flat = images.reshape(images.shape[0], -1)
        return jnp.nan_to_num(jnp.take(flat, self._mask_index_jnp, axis=1))

    def num_param_linear(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                         kwargs_ps=None) -> int:
        """Number of linear coefficients ``m``."""
        n = self.SourceModel.num_param_linear(_as_list(kwargs_source))
        n += self.LensLightModel.num_param_linear(_as_list(kwargs_lens_light))
        if self.PointSource.point_source_type_list:
            n += self.PointSource.num_basis(kwargs_ps, kwargs_lens)
        return int(n)

    # ------------------------------------------------------------------ solve
    def image_linear_solve(self, kwargs_lens=None, kwargs_source=None, kwargs_lens_light=None,
                           kwargs_ps=None, kwargs_extinction=None, kwargs_special=None,
                           inv_bool: bool = False):
        """Solve for the amplitudes and return the best-fit model.

        Returns
        -------
        model : ndarray (ny, nx)
            Best-fit image, zero outside the likelihood mask.
        model_error : ndarray (ny, nx)
            PSF-variance error term (zeros without a psf_variance_map).
        cov_param : ndarray (m, m) or None
            Covariance of the amplitudes if ``inv_bool``.
        param : ndarray (m,)
            The amplitudes (also written into the kwargs dicts, as the reference does).
        """
        _, _, cov, param, model, model_error = self._solve(
            kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
            kwargs_special, inv_bool=inv_bool)
        ImageLinearFit.update_linear_kwargs(self, param, kwargs_lens, kwargs_source,
                                            kwargs_lens_light, kwargs_ps)
        return model, model_error, cov, param

    def _solve_call(self, kwargs, solved, linear_prior, static, inv_bool, source_marg):
        """The compiled class-API call of this band (kwargs: the band's pytree)."""
        spec = functional.FunctionalSpec(static, solved, False)
        return functional.solve_band(self, kwargs, spec, linear_prior, inv_bool, source_marg,
                                     select=False)

    def _solve(self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
               kwargs_extinction, kwargs_special, inv_bool=False, source_marg=False,
               linear_prior=None, likelihood_only=False):
        """Run the compiled engine; returns numpy ``(logL, marg, cov, param, model, error)``.

        ``likelihood_only``: only logL and param are fetched from the device (``cov``,
        ``model`` and ``error`` None). The compiled call still returns the images: measured
        on the CPU, XLA schedules the shapelet solve ~1.4x slower when they are not outputs.
        """
        self._check_kwargs(kwargs_source, kwargs_lens_light)
        kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
                  kwargs_special)
        spec = functional.band_spec(self, kwargs)
        outputs = self._call_jit(
            functional.call_pytree(kwargs), spec.solved, linear_prior, static=spec.static,
            inv_bool=bool(inv_bool or source_marg), source_marg=bool(source_marg))
        if likelihood_only:
            logL, param = functional.fetch(outputs[:2])
            return float(logL), None, None, param, None, None
        logL, param, cov, model, error = functional.fetch(outputs)
        return float(logL), None, cov, param, model, error

    def likelihood_data_given_model(self, kwargs_lens=None, kwargs_source=None,
                                    kwargs_lens_light=None, kwargs_ps=None,
                                    kwargs_extinction=None, kwargs_special=None,
                                    source_marg: bool = False, linear_prior=None,
                                    check_positive_flux: bool = False, linear_solver=None):
        """Log-likelihood with the amplitudes solved for.

        Returns
        -------
        logL : float
        param : ndarray (m,) or None
            Solved amplitudes (None when the linear solver is off).
        """
        use_solver = self.linear_solver if linear_solver is None else bool(linear_solver)
        if not use_solver:
            logL = ImageModel.likelihood_data_given_model(
                self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                kwargs_extinction, kwargs_special)
            return logL, None
        logL, _, _, param, _, _ = self._solve(
            kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
            kwargs_special, inv_bool=source_marg, source_marg=source_marg,
            linear_prior=linear_prior, likelihood_only=True)
        ImageLinearFit.update_linear_kwargs(self, param, kwargs_lens, kwargs_source,
                                            kwargs_lens_light, kwargs_ps)
        if check_positive_flux and not ImageLinearFit.check_positive_flux(
                self, kwargs_source, kwargs_lens_light, kwargs_ps):
            logL -= POSITIVITY_PENALTY
        return logL, param

    def likelihood_data_given_model_solution(self, model, model_error, cov_matrix, param,
                                             kwargs_lens, kwargs_source, kwargs_lens_light,
                                             kwargs_ps, source_marg: bool = False,
                                             linear_prior=None,
                                             check_positive_flux: bool = False) -> float:
        """Log-likelihood of a solved model, plus marginalisation and positivity terms."""
        logL = float(self.Data.log_likelihood(model, self.likelihood_mask, model_error))
        if cov_matrix is not None and source_marg:
            logL += float(marginalization(jnp.asarray(cov_matrix), linear_prior))
        if check_positive_flux:
            ImageLinearFit.update_linear_kwargs(self, param, kwargs_lens, kwargs_source,
                                                kwargs_lens_light, kwargs_ps)
            if not ImageLinearFit.check_positive_flux(self, kwargs_source, kwargs_lens_light,
                                                      kwargs_ps):
                logL -= POSITIVITY_PENALTY
        return logL

    # ------------------------------------------------------------------ amplitudes
    def update_linear_kwargs(self, param, kwargs_lens, kwargs_source, kwargs_lens_light,
                             kwargs_ps):
        """Write the amplitudes into the kwargs dicts in place (reference behaviour).

        Returns ``(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps)``.
        """
        param = np.asarray(param)
        i = 0
        if kwargs_source is not None:
            kwargs_source, i = self.SourceModel.update_linear(param, i, kwargs_source)
        if kwargs_lens_light is not None:
            kwargs_lens_light, i = self.LensLightModel.update_linear(param, i,
                                                                     kwargs_lens_light)
        if kwargs_ps is not None and self.PointSource.point_source_type_list:
            kwargs_ps, i = self.PointSource.update_linear(param, i, kwargs_ps, kwargs_lens)
        return kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps

    def linear_param_from_kwargs(self, kwargs_source, kwargs_lens_light, kwargs_ps) -> list:
        """Amplitudes of the kwargs in solver order (inverse of ``update_linear_kwargs``)."""
        param = []
        param += [float(v) for v in self.SourceModel.linear_param_from_kwargs(
            _as_list(kwargs_source))]
        param += [float(v) for v in self.LensLightModel.linear_param_from_kwargs(
            _as_list(kwargs_lens_light))]
        if self.PointSource.point_source_type_list:
            param += [float(v) for v in self.PointSource.linear_param_from_kwargs(kwargs_ps)]
        return param

    def check_positive_flux(self, kwargs_source, kwargs_lens_light, kwargs_ps) -> bool:
        """True if no amplitude that must be positive is negative (point sources included).

        ``kwargs_ps=None`` is treated as no point sources (the reference raises).
        """
        ok = True
        if kwargs_ps is not None and self.PointSource.point_source_type_list:
            ok = bool(self.PointSource.check_positive_flux(kwargs_ps))
        if kwargs_source:
            ok = ok and bool(self.SourceModel.check_positive_flux_profile(kwargs_source))
        if kwargs_lens_light:
            ok = ok and bool(self.LensLightModel.check_positive_flux_profile(kwargs_lens_light))
        return ok

    def error_map_source(self, kwargs_source, x_grid, y_grid, cov_param) -> np.ndarray:
        """Variance of the reconstructed source at source-plane points ``(x_grid, y_grid)``.

        ``e_i = b_i^T C_ss b_i`` with ``b_i`` the source basis functions at point ``i``
        (unit amplitude, surface brightness) and ``C_ss`` the source block of ``cov_param``.
        Returns zeros (like ``x_grid``) when ``cov_param`` is None.
        """
        x_grid = np.asarray(x_grid, dtype=float)
        if cov_param is None or not self.SourceModel.profile_type_list:
            return np.zeros_like(x_grid)
        basis = np.asarray(self.SourceModel.basis_stack(x_grid, np.asarray(y_grid, float),
                                                        kwargs_source))
        n = basis.shape[0]
        cov = np.asarray(cov_param)[:n, :n]
        return np.einsum("i...,ij,j...->...", basis, cov, basis)

    # ------------------------------------------------------------------ functional face
    def _select_pytree(self, kwargs: dict | None) -> dict | None:
        """The band's part of a parameter pytree (identity for a single band)."""
        return kwargs

    def _prepare_function(self, kwargs_template):
        template = None if kwargs_template is None else self._select_pytree(kwargs_template)
        return functional.prepare(self, template)

    def _positive_pure(self, param, kwargs: dict):
        """Pure positivity check of amplitudes ``param`` written into (band-subset) kwargs."""
        _, source, light, ps, _, _ = functional.as_tuple(kwargs)
        ok = jnp.asarray(True)
        i = 0
        if self.SourceModel.profile_type_list:
            source, i = self.SourceModel.with_linear_amplitudes(param, i, source)
            ok = ok & self.SourceModel.check_positive_flux_profile(source)
        if self.LensLightModel.profile_type_list:
            light, i = self.LensLightModel.with_linear_amplitudes(param, i, light)
            ok = ok & self.LensLightModel.check_positive_flux_profile(light)
        if self.PointSource.point_source_type_list and ps is not None:
            n_ps = param.shape[0] - i
            ps_param = param[i:]
            ok = ok & jnp.all(ps_param >= 0) if n_ps else ok
        return ok

    def _pure_band(self, kwargs, spec, source_marg=False, linear_prior=None,
                   check_positive_flux=False, plane=None, adjoint: bool = False):
        """``(logL, param, model image, cov)`` of the band from a full parameter pytree
        (with ``adjoint``: and the solve's :class:`~chromalens.imaging.adjoint.Adjoint`)."""
        kwargs = self._select_pytree(kwargs)
        inputs, static = functional.pure_inputs(self, kwargs, spec)
        error = functional.pure_error_map(self, inputs[0], inputs[5], inputs[6], inputs[7])
        logL, param, cov, model, *extra = self._fused_solve(
            *inputs, error, linear_prior, static=static, inv_bool=bool(source_marg),
            source_marg=bool(source_marg), plane=plane, adjoint=adjoint)
        if check_positive_flux:
            logL = jnp.where(self._positive_pure(param, kwargs), logL,
                             logL - POSITIVITY_PENALTY)
        return (logL, param, model, cov, *extra)

    def log_likelihood_function(self, kwargs_template: dict | None = None,
                                source_marg: bool = False, linear_prior=None,
                                check_positive_flux: bool = False):
        """Pure log-likelihood ``f(kwargs) -> logL`` (linear amplitudes solved inside).

        Parameters
        ----------
        kwargs_template : dict, optional
            Parameter pytree fixing what cannot be traced (``n_max``; solver image positions);
            see :mod:`chromalens.imaging.functional`.
        source_marg, linear_prior, check_positive_flux
            As in :meth:`likelihood_data_given_model`.

        Returns
        -------
        callable
            ``f(kwargs: dict) -> jax scalar``; jit / vmap / grad-able, equal to
            ``likelihood_data_given_model(**kwargs)[0]``. Its derivatives go through the
            adjoint of the linear solve (:mod:`chromalens.imaging.adjoint`), except with
            ``source_marg``.
        """
        spec = self._prepare_function(kwargs_template)

        def evaluate(kwargs, adjoint):
            result = self._pure_band(kwargs, spec, source_marg, linear_prior,
                                     check_positive_flux, adjoint=adjoint)
            return result[0], (result[4] if adjoint else None)

        return with_adjoint_gradient(
            evaluate, lambda kwargs, adjoint: self._adjoint_surrogate(kwargs, spec, adjoint),
            enabled=not source_marg,
            num_coefficients=lambda kwargs: self._num_extended_coefficients(kwargs, spec))

    def image_function(self, kwargs_template: dict | None = None):
        """Pure ``g(kwargs) -> (model image (ny, nx), amplitudes (m,))`` of the best fit.

        The model image is the weighted least-squares model (zero outside the mask), as
        :meth:`image_linear_solve` returns it.
        """
        spec = self._prepare_function(kwargs_template)

        def image(kwargs):
            _, param, model, _ = self._pure_band(kwargs, spec)
            return model, param

        return image

    def log_likelihood_batch(self, params_batch, kwargs_template: dict | None = None,
                             chunk_size: int | None = None, **options):
        """Log-likelihoods of many parameter sets in one compiled, vectorised call.

        Parameters
        ----------
        params_batch : list of parameter pytrees, or one pytree with a leading batch axis
        kwargs_template, options
            As :meth:`log_likelihood_function`.
        chunk_size : int, optional
            Sets evaluated together in one compiled, vectorised call (bounds memory); chunks
            run one after the other. Default: on a CPU the largest chunk up to 8 whose
            scratch memory fits in the last-level cache (chosen at the first call, see
            ``functional.BatchFunction``), 256 on a GPU.

        Returns
        -------
        numpy array (N,)
        """
        return functional.log_likelihood_batch(self, params_batch, kwargs_template,
                                               chunk_size, **options)
