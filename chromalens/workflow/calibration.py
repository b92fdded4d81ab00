"""The flux-calibration workflow that precedes a JointLinear_VaryBG solve.

1. Fit every band with :class:`~chromalens.multiband.MultiLinear` (own amplitudes per band).
2. Relative amplitude of band ``b``: ``F_b / F_0`` with ``F_b`` the total flux of band ``b``'s
   model (unconvolved, summed over the cut-out) from the band's own linear solve with a free
   sky level; this is its ``flux_scaling``. (With ``reoptimize`` the non-linear parameters
   are then refitted under the joint likelihood and the ratios measured again there.)
3. Rebuild the bands with those ``flux_scaling`` values and solve jointly with
   :class:`~chromalens.multiband.JointLinear_VaryBG` (the same light models in every band: band
   0's), which returns one constant sky background per band with its 1-sigma error.
"""

from __future__ import annotations

import copy

import numpy as np

from ..multiband import JointLinear_VaryBG, MultiLinear
from .fit import Problem, optimize

__all__ = ["band_fluxes", "joint_problem", "calibrate"]

_INDEX_GROUPS = {"index_source_light_model_list": ("kwargs_source", "source_light_model_list"),
                 "index_lens_light_model_list": ("kwargs_lens_light", "lens_light_model_list"),
                 "index_point_source_model_list": ("kwargs_ps", "point_source_model_list")}


def kwargs_args(kwargs: dict) -> list:
    """Parameter pytree -> the class API's (lens, source, lens_light, ps) lists (copies)."""
    return [copy.deepcopy(kwargs.get(name) or []) for name in
            ("kwargs_lens", "kwargs_source", "kwargs_lens_light", "kwargs_ps")]


def band_fluxes(model: MultiLinear, kwargs: dict) -> tuple[np.ndarray, list, list]:
    """Total unconvolved model flux of every band at its own best amplitudes.

    Returns ``(fluxes (num_bands,), per-band amplitude vectors, per-band kwargs pytrees)``.
    """
    _, _, _, params = model.image_linear_solve(*kwargs_args(kwargs))
    fluxes, band_kwargs = [], []
    for band, image_model in enumerate(model.image_model_list):
        lens, source, light, ps = kwargs_args(kwargs)
        model.update_linear_kwargs(params, band, lens, source, light, ps)
        image = image_model.image(lens, source, light, ps, unconvolved=True)
        fluxes.append(float(np.sum(image)))
        band_kwargs.append({"kwargs_lens": lens, "kwargs_source": source,
                            "kwargs_lens_light": light, "kwargs_ps": ps})
    return np.asarray(fluxes), params, band_kwargs


def single_band_model(kwargs_model: dict, band: int) -> dict:
    """``kwargs_model`` for band ``band`` alone (index lists cut to that band)."""
    model = copy.deepcopy(kwargs_model)
    for key in list(model):
        if key.startswith("index_") and model[key] is not None:
            model[key] = [list(model[key][band])]
    return model


def band_fluxes_with_background(multi_band_list: list, masks: list, kwargs_model: dict,
                                kwargs: dict) -> tuple[np.ndarray, np.ndarray]:
    """Total unconvolved model flux of every band from its own linear solve with a free sky
    background (a one-band JointLinear_VaryBG), so the sky does not bias the flux ratio.

    Returns ``(fluxes (num_bands,), backgrounds (num_bands,))``.
    """
    fluxes, backgrounds = [], []
    for band in range(len(multi_band_list)):
        model = JointLinear_VaryBG([copy.deepcopy(multi_band_list[band])],
                                   single_band_model(kwargs_model, band),
                                   likelihood_mask_list=[masks[band]])
        lens, source, light, ps = kwargs_args(kwargs)
        _, _, _, param = model.image_linear_solve(lens, source, light, ps)
        model.update_linear_kwargs(param[:-1], 0, lens, source, light, ps)
        image = model.image_model_list[0].image(lens, source, light, ps, unconvolved=True)
        fluxes.append(float(np.sum(image)))
        backgrounds.append(float(param[-1]))
    return np.asarray(fluxes), np.asarray(backgrounds)


def joint_problem(problem: Problem) -> Problem:
    """Band 0's models only (what a joint solve needs: the same models in every band)."""
    result = copy.deepcopy(problem)
    model = result.kwargs_model
    for index_key, (group, list_key) in _INDEX_GROUPS.items():
        index_list = model.pop(index_key, None)
        if index_list is None:
            continue
        keep = list(index_list[0])
        model[list_key] = [model[list_key][k] for k in keep]
        renumber = {old: new for new, old in enumerate(keep)}
        for tree in (result.template, result.fixed, result.lower, result.upper):
            if tree.get(group) is not None:
                tree[group] = [tree[group][k] for k in keep]
        joint = []
        for follower, leader in result.joint:
            ok = True
            pair = []
            for g, i, key in (follower, leader):
                if g == group:
                    if i not in renumber:
                        ok = False
                        break
                    i = renumber[i]
                pair.append((g, i, key))
            if ok:
                joint.append(tuple(pair))
        result.joint = joint
        priors = {}
        for name, value in result.priors.items():
            if name.startswith(group + "["):
                i = int(name[len(group) + 1:name.index("]")])
                if i not in renumber:
                    continue
                name = f"{group}[{renumber[i]}]" + name[name.index("]") + 1:]
            priors[name] = value
        result.priors = priors
    return result


def calibrate(multi_band_list: list, masks: list, problem: Problem, kwargs: dict,
              reoptimize: bool = False, maxiter: int = 200, starts: int = 1,
              progress: bool = True, marginal_errors: bool = False) -> dict:
    """Run the calibration workflow at the best-fit parameters ``kwargs``.

    Parameters
    ----------
    multi_band_list, masks : the data
    problem : Problem
        The MultiLinear problem (its template is replaced by ``kwargs``).
    kwargs : dict
        Best-fit parameter pytree of the MultiLinear fit.
    reoptimize : bool
        Re-optimise the non-linear parameters under the joint likelihood.
    marginal_errors : bool
        Background errors marginalised over the non-linear parameters (Laplace approximation,
        see :func:`marginal_background_sigma`) instead of at fixed non-linear parameters.

    Returns
    -------
    dict with ``flux_scaling`` (list, band 0 = 1), ``backgrounds``, ``backgrounds_sigma``,
    ``reduced_chi2`` (per band, of the joint model), ``logL``, ``kwargs`` (joint best fit,
    with amplitudes), ``amplitudes`` and the ``model`` (JointLinear_VaryBG instance).
    """
    def scaled_bands(at_kwargs):
        fluxes, _ = band_fluxes_with_background(multi_band_list, masks, problem.kwargs_model,
                                                at_kwargs)
        if not np.all(np.isfinite(fluxes)) or fluxes[0] == 0:
            raise ValueError(f"calibration: band fluxes {fluxes} cannot set a flux scaling")
        relative = fluxes / fluxes[0]
        bands = copy.deepcopy(multi_band_list)
        for band, factor in zip(bands, relative, strict=True):
            band[0]["flux_scaling"] = float(factor)
        return bands, relative

    bands, relative = scaled_bands(kwargs)
    joint = joint_problem(dataclass_replace(problem, template=kwargs))
    model = JointLinear_VaryBG(bands, joint.kwargs_model, likelihood_mask_list=masks)
    if reoptimize:
        step = optimize(model, joint, starts=starts, maxiter=maxiter, progress=progress,
                        label="calibrate")
        joint.template = step.kwargs
        # the flux ratios again, at the jointly fitted non-linear parameters
        merged = copy.deepcopy(kwargs)
        for group, entries in step.kwargs.items():
            if len(entries) == len(merged.get(group) or []):  # not cut to band 0's models
                merged[group] = copy.deepcopy(entries)
        bands, relative = scaled_bands(merged)
        model = JointLinear_VaryBG(bands, joint.kwargs_model, likelihood_mask_list=masks)
    result: dict = {"flux_scaling": [float(f) for f in relative]}
    lens, source, light, ps = kwargs_args(joint.template)
    wls, errors, cov, param = model.image_linear_solve(lens, source, light, ps, inv_bool=True)
    logL, _ = model.likelihood_data_given_model(*kwargs_args(joint.template))
    model.update_linear_kwargs(param, 0, lens, source, light, ps)
    residuals = model.reduced_residuals(wls, errors)
    sigma = np.sqrt(np.diag(cov))[-len(bands):]
    if marginal_errors:
        sigma = marginal_background_sigma(model, joint, cov, len(bands))
    result.update({
        "backgrounds": [float(b) for b in model.backgrounds(param)],
        "backgrounds_sigma": [float(s) for s in sigma],
        "backgrounds_sigma_kind": "marginal" if marginal_errors else "conditional",
        "reduced_chi2": [float(np.sum(r ** 2) / n) for r, n in
                         zip(residuals, model.num_response_list, strict=True)],
        "logL": float(logL),
        "kwargs": {"kwargs_lens": lens, "kwargs_source": source, "kwargs_lens_light": light,
                   "kwargs_ps": ps},
        "amplitudes": [float(p) for p in param],
        "model": model,
        "kwargs_model": joint.kwargs_model,
    })
    return result


def dataclass_replace(problem: Problem, **changes) -> Problem:
    """A deep copy of ``problem`` with some fields replaced."""
    result = copy.deepcopy(problem)
    for key, value in changes.items():
        setattr(result, key, copy.deepcopy(value))
    return result


def marginal_background_sigma(model, problem: Problem, cov: np.ndarray,
                              num_bands: int) -> np.ndarray:
    """1-sigma errors of the backgrounds marginalised over the non-linear parameters.

    With the amplitudes solved (profiled) at every non-linear point ``x``, the Gaussian
    (Laplace) marginal variance is ``var(b | x) + J C_x J^T``: ``C_x`` is the inverse of the
    negative Hessian of the profiled log-posterior in ``x`` and ``J = d b / d x`` the
    derivative of the solved backgrounds (both by automatic differentiation).
    """
    import jax
    import jax.numpy as jnp

    layout = problem.layout()
    log_posterior = layout.vector_function(
        model.log_likelihood_function(kwargs_template=problem.template))
    images = model.image_function(kwargs_template=problem.template)
    x = jnp.asarray(layout.initial)
    hessian = np.asarray(jax.jit(jax.hessian(log_posterior))(x))
    jacobian = np.asarray(jax.jit(jax.jacfwd(
        lambda v: images(layout.kwargs_from_vector(v))[1][-num_bands:]))(x))
    cov_x = np.linalg.pinv(-hessian)
    conditional = np.diag(cov)[-num_bands:]
    return np.sqrt(conditional + np.einsum("bi,ij,bj->b", jacobian, cov_x, jacobian))
