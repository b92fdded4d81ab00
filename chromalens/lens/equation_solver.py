"""Lens-equation solver: image positions of a point source.

Finds every solution theta of the lens equation beta = theta - alpha(theta) for a given
source position beta inside a square search window, following the grid-search plus
root-refinement recipe of Schneider, Ehlers & Falco (1992, "Gravitational Lenses", ch. 5/11;
see also Keeton 2001, astro-ph/0102340, for the tiling idea), with the argument names,
defaults and output conventions of the reference code (lenstronomy's
``LensEquationSolver.image_position_from_source``):

1. Ray-shoot a regular grid of ``num_pix = int(round(search_window / min_distance) + 0.5)``
   points per axis, spacing ``min_distance``, centred on ``(x_center, y_center)``, and keep the
   strict local minima of the source-plane distance ``|beta(theta) - beta_s|`` over the eight
   neighbours of the row-major flattened grid (the reference's neighbour rule, including its
   row wrap-around at the grid edges, is reproduced so both codes start from the same
   candidates).
2. Optionally (``initial_guess_cut``) drop candidates farther than
   ``5 * min_distance * max(|mu|, 1)`` from the source in the source plane.
3. Refine every candidate at once with a damped Newton iteration,
   ``theta <- theta - t * J^-1 (beta(theta) - beta_s)``, step length capped at
   ``min_distance``, where ``J`` is the Jacobian of the lens mapping (automatic
   differentiation of ``ray_shooting``) and ``t`` the first of 1, 1/2, 1/4, ... that does
   not increase ``|beta - beta_s|`` (backtracking). Since ``-J^-1 r`` is a descent direction
   of ``|r|^2`` this always succeeds away from critical curves. It replaces the reference's
   random re-draw of a rejected step, so the solver is **deterministic**: equal inputs give
   bit-identical outputs.
4. Keep solutions with ``|beta - beta_s| <= precision_limit``, merge duplicates closer than
   ``min_distance`` in both coordinates (first one kept, in grid order), sort by Fermat
   potential (arrival time) and optionally drop images with ``|mu| < magnification_limit``.

Steps 1 and 2-3 are two jit-compiled functions per lens model (the grid search compiled
once per grid size, the refinement once per number of starting points); the grid is ray-shot
in a single vectorised call and the Newton refinement of all candidates runs in one
``lax.while_loop`` that evaluates the lens model once per iteration (residual and Jacobian
from a single forward-mode pass). Only the final bookkeeping
(step 4, a handful of images) runs in numpy.

Units: all positions and lengths in arcsec (angular units of the lens model).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["LensEquationSolver"]

# Extra Newton iterations after every candidate met `precision_limit`: Newton converges
# quadratically, so two or three more steps take the residual to float64 round-off.
_NUM_POLISH_STEPS = 3
# Initial size of the candidate buffer (grown automatically when a grid has more minima).
_DEFAULT_MAX_CANDIDATES = 32
# Seed of the (deterministic) generator of `num_random` extra starting points.
_RANDOM_START_SEED = 0

# Compiled solver cores, one per lens-model instance (shared by all solvers of that model).
_CORE_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _as_scalar(value: Any, name: str) -> float:
    """Return ``value`` as a Python float, refusing anything with more than one element."""
    array = np.asarray(value, dtype=float)
    if array.size != 1:
        raise ValueError(f"{name} must be a scalar, got an array of shape {array.shape}")
    result = float(array.reshape(()))
    if not np.isfinite(result):
        raise ValueError(f"{name} must be finite, got {result}")
    return result


def _kwargs_to_arrays(lens_model, kwargs_lens: Sequence[dict]) -> list[dict]:
    """Validated float64 copies of the lens kwargs, defaults filled in where the lens model
    offers ``fill_defaults``: one pytree structure and dtype whatever the caller passed, so
    the compiled solver is reused (and bad kwargs fail here, with the lens model's message).
    """
    if isinstance(kwargs_lens, dict) or not isinstance(kwargs_lens, (list, tuple)):
        raise TypeError(
            "kwargs_lens must be a list of dicts (one per lens profile), got "
            f"{type(kwargs_lens).__name__}"
        )
    for index, kwargs in enumerate(kwargs_lens):
        if not isinstance(kwargs, dict):
            raise TypeError(f"kwargs_lens[{index}] must be a dict, got {type(kwargs).__name__}")
    fill_defaults = getattr(lens_model, "fill_defaults", None)
    if fill_defaults is not None:
        kwargs_lens = fill_defaults(kwargs_lens)
    converted = []
    for kwargs in kwargs_lens:
        converted.append(
            {key: jnp.asarray(value, dtype=jnp.float64) for key, value in kwargs.items()}
        )
    return converted


def _merge_duplicates(x: np.ndarray, y: np.ndarray, min_distance: float):
    """Drop every point closer than ``min_distance`` in both coordinates to any earlier point
    (dropped ones included, as the reference does)."""
    close = (np.abs(x[:, None] - x[None, :]) < min_distance) & (
        np.abs(y[:, None] - y[None, :]) < min_distance
    )
    earlier = np.tril(np.ones(close.shape, dtype=bool), k=-1)
    keep = ~np.any(close & earlier, axis=1)
    return x[keep], y[keep]


class _SolverCore:
    """Jit-compiled grid search and Newton refinement for one lens model.

    Two compiled functions: ``grid_candidates`` (compiled once per grid size and candidate
    buffer size) and ``refine`` (compiled once per number of starting points), so changing
    the search grid never recompiles the Newton iteration.

    Parameters
    ----------
    lens_model : LensModel
        Its ``ray_shooting(x, y, kwargs_lens) -> (beta_x, beta_y)`` must be traceable by JAX
        (``kwargs_lens`` a pytree of arrays; arrays of any shape in, same shape out). Only a
        weak reference is kept, so the module-level cache of cores does not keep lens models
        alive.
    """

    def __init__(self, lens_model):
        self._lens_model = weakref.ref(lens_model)
        self.grid_candidates = jax.jit(
            self._grid_candidates, static_argnames=("num_pix", "max_candidates")
        )
        self.refine = jax.jit(self._refine)

    # ----------------------------------------------------------------------------- pieces
    def _residual(self, x, y, source_x, source_y, kwargs_lens):
        beta_x, beta_y = self._lens_model().ray_shooting(x, y, kwargs_lens)
        return beta_x - source_x, beta_y - source_y

    def _linearise(self, x, y, source_x, source_y, kwargs_lens):
        """Residual ``beta - beta_s`` and Jacobian ``d beta / d theta`` at 1-d points.

        Returns ``(res_x, res_y), (a, b, c, d)`` with ``J = [[a, b], [c, d]]``: one
        forward-mode pass, vectorised over the two tangent directions, whose primal output is
        the residual (so the lens model is traced once).
        """

        def residual(xy):
            return jnp.stack(self._residual(xy[0], xy[1], source_x, source_y, kwargs_lens))

        xy = jnp.stack([x, y])
        basis = jnp.stack(
            [
                jnp.stack([jnp.ones_like(x), jnp.zeros_like(x)]),
                jnp.stack([jnp.zeros_like(x), jnp.ones_like(x)]),
            ]
        )
        res, columns = jax.vmap(
            lambda tangent: jax.jvp(residual, (xy,), (tangent,)), out_axes=(None, 0)
        )(basis)
        # columns[j, i] = d residual_i / d theta_j
        return (res[0], res[1]), (columns[0, 0], columns[1, 0], columns[0, 1], columns[1, 1])

    @staticmethod
    def _newton_direction(res_x, res_y, a, b, c, d, max_step):
        """``J^-1 r`` capped at length ``max_step`` (zero where ``J`` is singular)."""
        det = a * d - b * c
        singular = det == 0.0
        det_safe = jnp.where(singular, 1.0, det)
        step_x = jnp.where(singular, 0.0, (d * res_x - b * res_y) / det_safe)
        step_y = jnp.where(singular, 0.0, (-c * res_x + a * res_y) / det_safe)
        length = jnp.hypot(step_x, step_y)
        too_long = length > max_step
        scale = jnp.where(too_long, max_step / jnp.where(too_long, length, 1.0), 1.0)
        abs_mu = 1.0 / jnp.abs(jnp.where(singular, 1e-300, det))
        return step_x * scale, step_y * scale, abs_mu

    def _refine(
        self,
        x,
        y,
        active,
        cut_eligible,
        source_x,
        source_y,
        kwargs_lens,
        max_step,
        precision_limit,
        num_iter_max,
    ):
        """Damped Newton refinement of all starting points; inactive ones stay unchanged.

        Each iteration evaluates residual and Jacobian once per point, at its *trial*
        position ``current - step``: a trial that does not increase ``|beta - beta_s|`` is
        accepted and a new capped Newton step is computed there; otherwise the step is halved
        (backtracking) and tried again at the next iteration. Iteration 0 evaluates the
        starting points themselves; there, points marked ``cut_eligible`` whose residual
        exceeds ``5 * max_step * max(|mu|, 1)`` are deactivated (the initial-guess cut).
        Iterates until every active point has a residual <= ``precision_limit`` (or
        ``num_iter_max`` iterations), then ``_NUM_POLISH_STEPS`` more iterations.

        Returns
        -------
        x, y, delta : jax.Array, shape (n,)
            Refined positions and their source-plane residuals.
        active : jax.Array of bool, shape (n,)
            Points that were refined (input mask after the initial-guess cut).
        """

        def keep_going(carry):
            iteration, polished, _ = carry
            return (polished < _NUM_POLISH_STEPS) & (iteration < num_iter_max + _NUM_POLISH_STEPS)

        def body(carry):
            iteration, polished, state = carry
            x_cur, y_cur, delta_cur, step_x, step_y, active_ = state
            converged = ~jnp.any(active_ & (delta_cur > precision_limit))
            ran_out = iteration > num_iter_max
            polished = polished + jnp.where(converged | ran_out, 1, 0)

            x_try, y_try = x_cur - step_x, y_cur - step_y
            (res_x, res_y), (a, b, c, d) = self._linearise(
                x_try, y_try, source_x, source_y, kwargs_lens
            )
            delta_try = jnp.hypot(res_x, res_y)
            new_step_x, new_step_y, abs_mu = self._newton_direction(
                res_x, res_y, a, b, c, d, max_step
            )
            plausible = delta_try <= max_step * jnp.maximum(abs_mu, 1.0) * 5.0
            active_ = active_ & ~((iteration == 0) & cut_eligible & ~plausible)
            accept = (delta_try <= delta_cur) & active_
            state = (
                jnp.where(accept, x_try, x_cur),
                jnp.where(accept, y_try, y_cur),
                jnp.where(accept, delta_try, delta_cur),
                jnp.where(accept, new_step_x, 0.5 * step_x),
                jnp.where(accept, new_step_y, 0.5 * step_y),
                active_,
            )
            return iteration + 1, polished, state

        zeros = jnp.zeros_like(x)
        # iteration 0 "tries" the starting points themselves (zero step, infinite residual)
        state = (x, y, jnp.full(x.shape, jnp.inf), zeros, zeros, active)
        _, _, state = jax.lax.while_loop(keep_going, body, (jnp.asarray(0), jnp.asarray(0), state))
        x, y, delta, _, _, active = state
        return x, y, delta, active

    def _grid_candidates(
        self,
        source_x,
        source_y,
        kwargs_lens,
        x_center,
        y_center,
        min_distance,
        *,
        num_pix,
        max_candidates,
    ):
        """Grid search: strict local minima of ``|beta - beta_s|`` on the search grid.

        Returns the ``max_candidates`` first grid minima (row-major grid order; unused slots
        padded), a mask of the used slots and the number of grid minima (to detect an
        overflowing buffer).
        """
        # grid identical to the reference's make_grid(num_pix, min_distance) + center
        coords = jnp.arange(num_pix) * min_distance - min_distance * (num_pix - 1) / 2.0
        x_grid = jnp.tile(coords, num_pix) + x_center
        y_grid = jnp.repeat(coords, num_pix) + y_center
        res_x, res_y = self._residual(x_grid, y_grid, source_x, source_y, kwargs_lens)
        distance = jnp.sqrt(res_x**2 + res_y**2)

        # strict minima over the 8 neighbours of the flattened grid (row wrap-around kept)
        n_total = num_pix * num_pix
        lo, hi = num_pix + 1, n_total - num_pix - 1
        core = distance[lo:hi]
        is_min = jnp.ones(core.shape, dtype=bool)
        for offset in (1, num_pix, num_pix - 1, num_pix + 1):
            is_min &= core < distance[lo - offset : hi - offset]
            is_min &= core < distance[lo + offset : hi + offset]
        num_minima = jnp.sum(is_min)
        (index,) = jnp.nonzero(is_min, size=max_candidates, fill_value=0)
        index = index + lo
        valid = jnp.arange(max_candidates) < num_minima
        return x_grid[index], y_grid[index], valid, num_minima


def _core_for(lens_model) -> _SolverCore:
    """The compiled core of ``lens_model``, shared by all its solvers."""
    core = _CORE_CACHE.get(lens_model)
    if core is None:
        core = _SolverCore(lens_model)
        _CORE_CACHE[lens_model] = core
    return core


class LensEquationSolver:
    """Image positions of a point source behind a lens model.

    Parameters
    ----------
    lens_model : LensModel
        A :class:`chromalens.lens.LensModel` (or any object with the same methods):
        ``ray_shooting(x, y, kwargs)`` traceable by JAX, plus ``fermat_potential`` (for
        arrival-time sorting) and ``magnification`` (for ``magnification_limit``).

    Notes
    -----
    The compiled core is shared by every solver of the same ``lens_model`` instance and is
    compiled once per grid size (``num_pix``) and candidate-buffer size. The solver is
    deterministic, unlike the reference, whose Newton iteration redraws rejected steps at
    random.
    """

    def __init__(self, lens_model):
        self.lensModel = lens_model
        self._core = _core_for(lens_model)
        self._max_candidates = _DEFAULT_MAX_CANDIDATES

    @property
    def lens_model(self):
        """The lens model this solver was built for."""
        return self.lensModel

    def change_source_redshift(self, z_source: float | None = None) -> None:
        """Forward a source-redshift change to the lens model (no-op for ``None``).

        The compiled core is rebuilt afterwards, since a redshift change alters the mapping.
        """
        if z_source is None:
            return
        change = getattr(self.lensModel, "change_source_redshift", None)
        if change is None:
            raise NotImplementedError(
                "this lens model does not support changing the source redshift"
            )
        change(z_source=z_source)
        self._core = _SolverCore(self.lensModel)
        _CORE_CACHE[self.lensModel] = self._core

    # ------------------------------------------------------------------ public API
    def image_position_from_source(
        self,
        sourcePos_x: float,
        sourcePos_y: float,
        kwargs_lens: Sequence[dict],
        solver: str = "lenstronomy",
        **kwargs: Any,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Image positions of the source ``(sourcePos_x, sourcePos_y)``.

        Parameters
        ----------
        sourcePos_x, sourcePos_y : float
            Source position [arcsec].
        kwargs_lens : list of dict
            Lens-model parameters, one dict per profile.
        solver : {'lenstronomy', 'stochastic'}
            ``'lenstronomy'`` (default): grid search plus Newton refinement, see
            :meth:`image_position_lenstronomy` for the keywords. ``'stochastic'``: Newton
            refinement from pseudo-random starts only, see :meth:`image_position_stochastic`.
            ``'analytical'`` (the reference's 1-d EPL root finder) is not implemented.
        **kwargs
            Passed on to the chosen method.

        Returns
        -------
        x_image, y_image : numpy.ndarray, shape (n_images,)
            Image positions [arcsec], by default sorted by arrival time (first arrival first).
        """
        if solver == "lenstronomy":
            return self.image_position_lenstronomy(sourcePos_x, sourcePos_y, kwargs_lens, **kwargs)
        if solver == "stochastic":
            return self.image_position_stochastic(sourcePos_x, sourcePos_y, kwargs_lens, **kwargs)
        if solver == "analytical":
            raise NotImplementedError(
                "solver='analytical' (the reference's EPL-specific 1-d root finder) is not "
                "implemented; use solver='lenstronomy', which finds the same images (except "
                "the strongly demagnified central image that the analytical solver also returns)"
            )
        raise ValueError(f"{solver} is not a valid solver; use 'lenstronomy' or 'stochastic'")

    def image_position_lenstronomy(
        self,
        sourcePos_x: float,
        sourcePos_y: float,
        kwargs_lens: Sequence[dict],
        min_distance: float = 0.1,
        search_window: float = 10,
        precision_limit: float = 10 ** (-10),
        num_iter_max: int = 100,
        arrival_time_sort: bool = True,
        initial_guess_cut: bool = True,
        verbose: bool = False,
        x_center: float = 0,
        y_center: float = 0,
        num_random: int = 0,
        non_linear: bool = False,
        magnification_limit: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Grid search plus deterministic damped-Newton refinement (see module docstring).

        Parameters
        ----------
        sourcePos_x, sourcePos_y : float
            Source position [arcsec].
        kwargs_lens : list of dict
            Lens-model parameters.
        min_distance : float
            Grid spacing, largest Newton step and duplicate-merging distance [arcsec].
        search_window : float
            Side of the square search window [arcsec]; images outside are not found.
        precision_limit : float
            Largest accepted source-plane residual ``|beta(theta) - beta_s|`` [arcsec].
        num_iter_max : int
            Largest number of iterations per starting point; each evaluates the lens model
            once, and a rejected (halved) step counts as one, as in the reference. Up to three
            polishing iterations follow.
        arrival_time_sort : bool
            Sort images by Fermat potential (first arrival first).
        initial_guess_cut : bool
            Drop grid minima with residual above ``5 * min_distance * max(|mu|, 1)``.
        verbose : bool
            Print the number of candidates at each stage.
        x_center, y_center : float
            Centre of the search window [arcsec].
        num_random : int
            Extra starting points, uniform in the window, drawn from a generator with a fixed
            seed (so results stay deterministic).
        non_linear : bool
            Accepted for compatibility. The reference then uses Nelder-Mead instead of its
            Hessian-based step; here the Jacobian is always exact (automatic
            differentiation), so the same Newton refinement is used either way.
        magnification_limit : float or None
            If set, keep only images with ``|mu| >= magnification_limit``.

        Returns
        -------
        x_image, y_image : numpy.ndarray, shape (n_images,)
            Image positions [arcsec].
        """
        del non_linear  # same refinement either way (documented above)
        source_x = _as_scalar(sourcePos_x, "sourcePos_x")
        source_y = _as_scalar(sourcePos_y, "sourcePos_y")
        min_distance = _as_scalar(min_distance, "min_distance")
        search_window = _as_scalar(search_window, "search_window")
        if min_distance <= 0 or search_window <= 0:
            raise ValueError("min_distance and search_window must be positive")
        x_center = _as_scalar(x_center, "x_center")
        y_center = _as_scalar(y_center, "y_center")
        num_pix = int(round(search_window / min_distance) + 0.5)
        if num_pix < 3:
            raise ValueError(
                f"search_window / min_distance = {search_window / min_distance:g} gives a "
                "grid of fewer than 3 points per axis"
            )
        kwargs_arrays = _kwargs_to_arrays(self.lensModel, kwargs_lens)
        x_extra, y_extra = self._random_starts(num_random, search_window, x_center, y_center)

        source = (jnp.float64(source_x), jnp.float64(source_y))
        # The candidate buffer always starts at the same size (and grows only within this
        # call), so the compiled code, hence every bit of the result, depends only on inputs.
        max_candidates = self._max_candidates
        while True:
            x_cand, y_cand, valid, num_minima = self._core.grid_candidates(
                *source,
                kwargs_arrays,
                jnp.float64(x_center),
                jnp.float64(y_center),
                jnp.float64(min_distance),
                num_pix=num_pix,
                max_candidates=max_candidates,
            )
            num_minima = int(num_minima)
            if num_minima <= max_candidates:
                break
            # more grid minima than buffer slots: redo with a larger buffer (compiled once)
            max_candidates = int(2 ** np.ceil(np.log2(num_minima)))
        num_extra = x_extra.shape[0]
        active = jnp.concatenate([valid, jnp.ones(num_extra, dtype=bool)])
        # the initial-guess cut applies to grid minima only, not to the extra random starts
        cut_eligible = jnp.concatenate([valid, jnp.zeros(num_extra, dtype=bool)])
        cut_eligible = cut_eligible & bool(initial_guess_cut)
        x_sol, y_sol, delta, active = self._core.refine(
            jnp.concatenate([x_cand, x_extra]),
            jnp.concatenate([y_cand, y_extra]),
            active,
            cut_eligible,
            *source,
            kwargs_arrays,
            jnp.float64(min_distance),
            jnp.float64(precision_limit),
            jnp.asarray(int(num_iter_max)),
        )
        if verbose:
            print(
                f"grid search found {num_minima} local minima; {int(np.sum(active))} "
                "starting points kept after the initial-guess cut (incl. random starts)"
            )
        x_sol, y_sol, delta, active = (np.asarray(v) for v in (x_sol, y_sol, delta, active))
        converged = active & (delta <= precision_limit)
        if verbose:
            print(f"{int(np.sum(converged))} starting points converged to a solution")
        x_img, y_img = _merge_duplicates(x_sol[converged], y_sol[converged], min_distance)
        return self._finalise(x_img, y_img, kwargs_lens, arrival_time_sort, magnification_limit)

    def image_position_stochastic(
        self,
        source_x: float,
        source_y: float,
        kwargs_lens: Sequence[dict],
        search_window: float = 10,
        precision_limit: float = 10 ** (-10),
        arrival_time_sort: bool = True,
        x_center: float = 0,
        y_center: float = 0,
        num_random: int = 1000,
        magnification_limit: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Newton refinement from ``num_random`` pseudo-random starts, without a grid.

        The starts are uniform in the search window, drawn from a fixed-seed generator, so the
        result is deterministic (the reference draws unseeded starts and refines them with
        Nelder-Mead). Steps are capped at ``search_window / 20``; solutions closer than
        ``1e-6`` arcsec in both coordinates are merged. Parameters and returns as in
        :meth:`image_position_lenstronomy`.
        """
        source_x = _as_scalar(source_x, "source_x")
        source_y = _as_scalar(source_y, "source_y")
        search_window = _as_scalar(search_window, "search_window")
        x_start, y_start = self._random_starts(
            num_random,
            search_window,
            _as_scalar(x_center, "x_center"),
            _as_scalar(y_center, "y_center"),
        )
        kwargs_arrays = _kwargs_to_arrays(self.lensModel, kwargs_lens)
        x_sol, y_sol, delta, _ = self._core.refine(
            x_start,
            y_start,
            jnp.ones(x_start.shape, dtype=bool),
            jnp.zeros(x_start.shape, dtype=bool),
            jnp.float64(source_x),
            jnp.float64(source_y),
            kwargs_arrays,
            jnp.float64(search_window / 20.0),
            jnp.float64(precision_limit),
            jnp.asarray(1000),
        )
        x_sol, y_sol, delta = (np.asarray(v) for v in (x_sol, y_sol, delta))
        converged = delta <= precision_limit
        x_img, y_img = _merge_duplicates(x_sol[converged], y_sol[converged], 1e-6)
        return self._finalise(x_img, y_img, kwargs_lens, arrival_time_sort, magnification_limit)

    def find_bright_image(
        self,
        sourcePos_x: float,
        sourcePos_y: float,
        kwargs_lens: Sequence[dict],
        numImages: int = 4,
        min_distance: float = 0.01,
        search_window: float = 5,
        precision_limit: float = 10 ** (-10),
        num_iter_max: int = 10,
        arrival_time_sort: bool = True,
        x_center: float = 0,
        y_center: float = 0,
        num_random: int = 0,
        non_linear: bool = False,
        magnification_limit: float | None = None,
        initial_guess_cut: bool = True,
        verbose: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``numImages`` images of largest ``|mu|``.

        Solves as :meth:`image_position_lenstronomy` (same keywords), keeps the
        ``numImages`` most magnified images (all of them if there are fewer) and, with
        ``arrival_time_sort``, sorts those by arrival time; otherwise they are in decreasing
        ``|mu|``.
        """
        x_img, y_img = self.image_position_lenstronomy(
            sourcePos_x,
            sourcePos_y,
            kwargs_lens,
            min_distance=min_distance,
            search_window=search_window,
            precision_limit=precision_limit,
            num_iter_max=num_iter_max,
            arrival_time_sort=arrival_time_sort,
            initial_guess_cut=initial_guess_cut,
            verbose=verbose,
            x_center=x_center,
            y_center=y_center,
            num_random=num_random,
            non_linear=non_linear,
            magnification_limit=magnification_limit,
        )
        if len(x_img) > numImages:
            mu = self._evaluate_padded(self.lensModel.magnification, x_img, y_img, kwargs_lens)
            brightest = np.argsort(np.abs(mu), kind="stable")[::-1][:numImages]
            x_img, y_img = x_img[brightest], y_img[brightest]
            if arrival_time_sort:
                x_img, y_img = self.sort_arrival_times(x_img, y_img, kwargs_lens)
        return x_img, y_img

    findBrightImage = find_bright_image

    def sort_arrival_times(
        self, x_mins: np.ndarray, y_mins: np.ndarray, kwargs_lens: Sequence[dict]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Sort positions by Fermat potential, increasing (first arrival first).

        A stable sort, so images of equal arrival time keep their order.
        """
        x_mins, y_mins = np.asarray(x_mins, dtype=float), np.asarray(y_mins, dtype=float)
        if len(x_mins) <= 1:
            return x_mins, y_mins
        fermat = self._evaluate_padded(self.lensModel.fermat_potential, x_mins, y_mins, kwargs_lens)
        order = np.argsort(fermat, kind="stable")
        return x_mins[order], y_mins[order]

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _random_starts(num_random: int, search_window: float, x_center: float, y_center: float):
        num_random = int(num_random)
        if num_random < 0:
            raise ValueError(f"num_random must be >= 0, got {num_random}")
        rng = np.random.default_rng(_RANDOM_START_SEED)
        half = search_window / 2.0
        x = rng.uniform(-half + x_center, half + x_center, size=num_random)
        y = rng.uniform(-half + y_center, half + y_center, size=num_random)
        return jnp.asarray(x, dtype=jnp.float64), jnp.asarray(y, dtype=jnp.float64)

    @staticmethod
    def _evaluate_padded(function, x, y, kwargs_lens) -> np.ndarray:
        """``function(x, y, kwargs_lens)`` on 1-d points, padded to a power-of-two length >= 8.

        The lens model compiles per input shape; padding keeps the number of distinct shapes
        (and so of compilations) to one for the usual 1-8 images.
        """
        n = len(x)
        if n == 0:
            return np.zeros(0)
        size = max(8, int(2 ** np.ceil(np.log2(n))))
        x_pad = np.full(size, x[0])  # padded with a real image position, never a singularity
        y_pad = np.full(size, y[0])
        x_pad[:n], y_pad[:n] = x, y
        return np.asarray(function(x_pad, y_pad, kwargs_lens))[:n]

    def _finalise(self, x_img, y_img, kwargs_lens, arrival_time_sort, magnification_limit):
        x_img, y_img = np.asarray(x_img, dtype=float), np.asarray(y_img, dtype=float)
        if arrival_time_sort:
            x_img, y_img = self.sort_arrival_times(x_img, y_img, kwargs_lens)
        if magnification_limit is not None and len(x_img) > 0:
            mu = self._evaluate_padded(self.lensModel.magnification, x_img, y_img, kwargs_lens)
            keep = np.abs(mu) >= magnification_limit
            x_img, y_img = x_img[keep], y_img[keep]
        return x_img, y_img
