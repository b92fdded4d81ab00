"""Fitting steps: multi-start L-BFGS-B on JAX gradients, and emcee posterior sampling.

The non-linear parameters are optimised with :func:`scipy.optimize.minimize` (method
L-BFGS-B, bounds from the :class:`~chromalens.fitting.ParameterLayout`), fed the value and
gradient of the negative log-posterior by ``jax.jit(jax.value_and_grad(...))``; the linear
amplitudes are solved inside the likelihood. The gradient is compiled once per step and reused
by every start. Sampling uses ``emcee`` (Foreman-Mackey et al. 2013) vectorised over a
``jax.vmap`` of the same log-posterior.
"""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
import scipy.optimize

from ..fitting import ParameterLayout
from .config import GROUPS, ConfigError

__all__ = ["Problem", "StepResult", "optimize", "sample", "without_profiles", "to_numpy",
           "fixed_with"]

_INDEX_KEYS = {"kwargs_source": "index_source_light_model_list",
               "kwargs_lens_light": "index_lens_light_model_list",
               "kwargs_ps": "index_point_source_model_list",
               "kwargs_lens": "index_lens_model_list"}
_LIST_KEYS = {"kwargs_lens": "lens_model_list", "kwargs_source": "source_light_model_list",
              "kwargs_lens_light": "lens_light_model_list",
              "kwargs_ps": "point_source_model_list"}
_NAME = re.compile(r"(kwargs_\w+)\[(\d+)\]\.(\w+)(?:\[(\d+)\])?")


@dataclass
class Problem:
    """What a fitting step needs: model lists, parameters and their layout inputs."""

    kwargs_model: dict
    template: dict
    fixed: dict = field(default_factory=dict)
    lower: dict = field(default_factory=dict)
    upper: dict = field(default_factory=dict)
    joint: list = field(default_factory=list)
    priors: dict = field(default_factory=dict)

    def layout(self) -> ParameterLayout:
        """The parameter layout; configuration mistakes become ConfigErrors."""
        fixed = {g: v for g, v in self.fixed.items() if g in self.template}
        try:
            return ParameterLayout(self.template, fixed or None, self.lower or None,
                                   self.upper or None, self.joint or None, self.priors or None)
        except ValueError as error:
            text = str(error)
            where = ("priors" if "prior" in text else "joint" if "joint" in text
                     else "fixed" if "kwargs_fixed" in text
                     else "lower/upper" if "bound" in text else "initial")
            raise ConfigError(where, text) from None


@dataclass
class StepResult:
    """Outcome of one optimisation step."""

    kwargs: dict
    logL: float
    names: list
    values: np.ndarray
    starts: list
    wall_time_s: float


def to_numpy(tree):
    """Pytree of JAX / numpy scalars -> floats and numpy arrays (plain Python containers)."""
    def convert(value):
        array = np.asarray(value)
        if array.ndim == 0:
            return array.item()
        return array.astype(float) if np.issubdtype(array.dtype, np.floating) else array

    return jax.tree.map(convert, tree)


def fixed_with(problem: Problem, names: list[str], kwargs: dict, where: str) -> dict:
    """``problem.fixed`` plus the parameters ``names`` held at their value in ``kwargs``."""
    fixed = copy.deepcopy(problem.fixed)
    for i, name in enumerate(names):
        match = _NAME.fullmatch(name)
        if match is None or match.group(1) not in GROUPS:
            raise ConfigError(f"{where}[{i}]", f"expected a name like "
                              f"'kwargs_lens[0].gamma', got {name!r}")
        group, index, key = match.group(1), int(match.group(2)), match.group(3)
        entries = kwargs.get(group) or []
        if index >= len(entries) or key not in entries[index]:
            raise ConfigError(f"{where}[{i}]", f"{name}: no such parameter")
        group_fixed = fixed.setdefault(group, [{} for _ in entries])
        group_fixed[index][key] = copy.deepcopy(entries[index][key])
    return fixed


def without_profiles(problem: Problem, profiles: list[tuple[str, int]]) -> Problem:
    """The same problem with some light / point-source profiles left out (index lists and
    joint parameters renumbered; priors on the removed profiles dropped)."""
    result = copy.deepcopy(problem)
    for group, index in sorted(profiles, key=lambda p: -p[1]):
        model = result.kwargs_model
        names = list(model.get(_LIST_KEYS[group]) or [])
        del names[index]
        model[_LIST_KEYS[group]] = names
        index_key = _INDEX_KEYS[group]
        if model.get(index_key) is not None:
            model[index_key] = [[k - (k > index) for k in band if k != index]
                                for band in model[index_key]]
        for tree in (result.template, result.fixed, result.lower, result.upper):
            if tree.get(group) is not None and len(tree[group]) > index:
                del tree[group][index]

        def shift(location, group=group, index=index):
            g, i, key = location
            if g != group:
                return location
            return None if i == index else (g, i - (i > index), key)

        joint = []
        for follower, leader in result.joint:
            follower, leader = shift(tuple(follower)), shift(tuple(leader))
            if follower is not None and leader is not None:
                joint.append((follower, leader))
        result.joint = joint
        priors = {}
        for name, value in result.priors.items():
            match = _NAME.fullmatch(name)
            if match and match.group(1) == group:
                i = int(match.group(2))
                if i == index:
                    continue
                if i > index:
                    name = name.replace(f"{group}[{i}]", f"{group}[{i - 1}]", 1)
            priors[name] = value
        result.priors = priors
    return result


def _starting_points(layout: ParameterLayout, x0: np.ndarray, starts: int, scatter: float,
                     seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    width = layout.upper - layout.lower
    sigma = np.where(np.isfinite(width), scatter * width, scatter)
    low = np.where(np.isfinite(layout.lower), layout.lower + 1e-9 * np.abs(width), -np.inf)
    high = np.where(np.isfinite(layout.upper), layout.upper - 1e-9 * np.abs(width), np.inf)
    # the gradient of the elliptical mass profiles with respect to e1 / e2 vanishes at exactly
    # e1 = e2 = 0 (their round-limit branch): nudge such starting values off zero
    ellipticity = np.array([name.endswith((".e1", ".e2")) for name in layout.names])
    x0 = np.where(ellipticity & (x0 == 0.0), 1e-3, x0)
    points = [np.clip(x0, low, high)]
    for _ in range(starts - 1):
        points.append(np.clip(x0 + sigma * rng.standard_normal(x0.size), low, high))
    return points


def optimize(model, problem: Problem, starts: int = 3, maxiter: int = 300,
             scatter: float = 0.02, seed: int = 0, progress: bool = True,
             label: str = "optimize") -> StepResult:
    """Maximise the log-posterior of ``model`` (a multi-band class) over ``problem``'s free
    parameters with multi-start L-BFGS-B.

    Start 0 is the template; the others scatter around it (``scatter`` times the bound width,
    or ``scatter`` where unbounded). Returns the best start.
    """
    from tqdm.auto import tqdm

    start_time = time.perf_counter()
    layout = problem.layout()
    log_likelihood = model.log_likelihood_function(kwargs_template=problem.template)
    log_posterior = layout.vector_function(log_likelihood)
    value_and_grad = jax.jit(jax.value_and_grad(lambda x: -log_posterior(x)))

    def objective(x):
        value, gradient = value_and_grad(jnp.asarray(x))
        value = float(value)
        gradient = np.asarray(gradient, dtype=float)
        if not np.isfinite(value) or not np.all(np.isfinite(gradient)):
            return 1e30, np.zeros_like(gradient)
        return value, gradient

    bounds = list(zip(layout.lower, layout.upper, strict=True))
    bounds = [(None if not np.isfinite(lo) else lo, None if not np.isfinite(hi) else hi)
              for lo, hi in bounds]
    best, summaries = None, []
    for number, x0 in enumerate(_starting_points(layout, layout.initial, starts, scatter,
                                                 seed)):
        with tqdm(total=maxiter, desc=f"{label} start {number + 1}/{starts}",
                  disable=not progress, leave=False) as bar:
            result = scipy.optimize.minimize(objective, x0, jac=True, method="L-BFGS-B",
                                             bounds=bounds, callback=lambda *_: bar.update(1),
                                             options={"maxiter": maxiter})
        summaries.append({"start": number, "logL_plus_prior": float(-result.fun),
                          "iterations": int(result.nit), "message": str(result.message)})
        if best is None or result.fun < best.fun:
            best = result
    kwargs = to_numpy(layout.kwargs_from_vector(jnp.asarray(best.x)))
    logL = float(log_likelihood(layout.kwargs_from_vector(jnp.asarray(best.x))))
    return StepResult(kwargs=kwargs, logL=logL, names=list(layout.names),
                      values=np.asarray(best.x), starts=summaries,
                      wall_time_s=time.perf_counter() - start_time)


def sample(model, problem: Problem, walkers: int | None = None, steps: int = 200,
           burn: int = 100, seed: int = 0, progress: bool = True) -> dict:
    """Posterior samples with emcee's affine-invariant ensemble, vectorised over walkers.

    Walkers start in a small ball (1e-3 of the bound width) around the template; positions
    outside the bounds get log-probability -inf.

    Returns
    -------
    dict with ``names``, ``samples`` (n, num_param) after burn-in, ``mean``, ``std``,
    ``acceptance_fraction``.
    """
    import emcee

    layout = problem.layout()
    walkers = walkers or 2 * layout.num_param + 2
    if walkers < 2 * layout.num_param:
        raise ConfigError("fitting.steps.walkers", f"emcee needs at least 2 x {layout.num_param}"
                          f" walkers, got {walkers}")
    log_likelihood = model.log_likelihood_function(kwargs_template=problem.template)
    log_posterior = layout.vector_function(log_likelihood)
    batched = jax.jit(jax.vmap(lambda x: jnp.where(layout.in_bounds(x), log_posterior(x),
                                                   -jnp.inf)))

    def log_probability(X):
        values = np.asarray(batched(jnp.asarray(X)), dtype=float)
        return np.where(np.isfinite(values), values, -np.inf)

    rng = np.random.default_rng(seed)
    width = layout.upper - layout.lower
    sigma = np.where(np.isfinite(width), 1e-3 * width, 1e-3)
    x0 = layout.initial + sigma * rng.standard_normal((walkers, layout.num_param))
    x0 = np.clip(x0, layout.lower, layout.upper)
    sampler = emcee.EnsembleSampler(walkers, layout.num_param, log_probability,
                                    vectorize=True)
    sampler._random = np.random.mtrand.RandomState(seed)
    sampler.run_mcmc(x0, steps, progress=progress)
    chain = sampler.get_chain(discard=burn, flat=True)
    return {"names": list(layout.names), "samples": chain, "mean": chain.mean(axis=0),
            "std": chain.std(axis=0),
            "acceptance_fraction": float(np.mean(sampler.acceptance_fraction))}
