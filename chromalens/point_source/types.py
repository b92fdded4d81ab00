"""Point-source types: how each model turns its kwargs into image positions and amplitudes.

A point source is a delta function of flux on the sky (a lensed quasar image, a star). Its
lensed images sit at the solutions theta of the lens equation beta = theta - alpha(theta)
(Schneider, Ehlers & Falco 1992, "Gravitational Lenses", ch. 5); an image's flux is the source
flux times the absolute magnification |mu| = 1 / |det(I - H)|, H the Hessian of the lensing
potential.

================ ============================== ====== =========================================
type             parameter                      unit   meaning
================ ============================== ====== =========================================
UNLENSED         ``ra_image``, ``dec_image``    arcsec positions on the sky (arrays, n entries)
                 ``point_amp``                  flux   amplitude of each point (n entries)
LENSED_POSITION  ``ra_image``, ``dec_image``    arcsec observed image positions (arrays)
                 ``point_amp``                  flux   amplitude of each image (free amplitudes)
                 ``source_amp``                 flux   intrinsic amplitude (fixed magnification)
SOURCE_POSITION  ``ra_source``, ``dec_source``  arcsec unlensed source position (scalars)
                 ``point_amp``                  flux   amplitude of each image (free amplitudes)
                 ``source_amp``                 flux   intrinsic amplitude (fixed magnification)
                 ``mag_pert`` (optional)        1      per-image factor on the image amplitudes
================ ============================== ====== =========================================

"flux" is the amplitude of the rendered point (integrated counts of the image in the units of
the data). With ``fixed_magnification`` an image's amplitude is ``source_amp * |mu(theta_i)|``.

Each type here is a small object holding static configuration only (its lens model, flags and
the lens-model selection per image). Positions that come from kwargs and every amplitude are
pure ``jax.numpy`` functions of the kwargs (usable under ``jax.jit`` / ``grad``); positions that
need the lens-equation solver (SOURCE_POSITION, LENSED_POSITION with ``additional_images``) are
found by :meth:`PointSourceType.solve` in numpy, outside ``jit``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

__all__ = [
    "POINT_SOURCE_TYPES",
    "PointSourceType",
    "Unlensed",
    "LensedPosition",
    "SourcePosition",
    "newton_refine",
]

KwargsList = Sequence[Mapping[str, Any]]


def _is_tracer(value) -> bool:
    return isinstance(value, jax.core.Tracer)


def _as_vector(value, dtype=float) -> jax.Array:
    """1-d float array view of a scalar / list / array (jnp, traceable)."""
    return jnp.atleast_1d(jnp.asarray(value, dtype=dtype))


def _expand_amplitudes(amp, num: int) -> jax.Array:
    """Image amplitudes for ``num`` images from ``point_amp``.

    A scalar is repeated ``num`` times; a shorter array is padded with zeros (images found
    beyond those parameterised are dark); a longer array is returned unchanged (the caller
    only reads its first ``num`` entries). This is the reference's convention.
    """
    amp = jnp.asarray(amp, dtype=float)
    if amp.ndim == 0:
        return jnp.full((num,), amp)
    amp = jnp.ravel(amp)
    if amp.shape[0] < num:
        return jnp.concatenate([amp, jnp.zeros(num - amp.shape[0])])
    return amp


def _shrink_factors(factor, num: int, index: int, name: str) -> jax.Array:
    """Per-image factors (``mag_pert``) for ``num`` amplitudes: scalar, or the first ``num``."""
    factor = jnp.asarray(factor, dtype=float)
    if factor.ndim == 0:
        return factor
    factor = jnp.ravel(factor)
    if factor.shape[0] < num:
        raise ValueError(
            f"point source {index} ({name}): 'mag_pert' has {factor.shape[0]} entries for "
            f"{num} image amplitudes; it needs at least as many"
        )
    return factor[:num]


def newton_refine(lens_model, x_image, y_image, x_source, y_source, kwargs_lens):
    """One Newton step of the lens equation from (already converged) image positions.

    ``theta <- theta - (I - H(theta))^-1 (beta(theta) - beta_s)``. At a solution the value
    moves only by round-off, but the step makes the positions differentiable functions of
    ``beta_s`` and of the lens parameters (the derivative of a Newton step at its fixed point
    is the implicit-function derivative of the root). Pure ``jax.numpy``.

    Parameters
    ----------
    lens_model : LensModel
    x_image, y_image : array, shape (n,)
        Image positions [arcsec] (solver output; treated as constants).
    x_source, y_source : scalar
        Source position [arcsec].
    kwargs_lens : list of dict

    Returns
    -------
    x, y : jax.Array, shape (n,)
    """
    x_image = jax.lax.stop_gradient(jnp.asarray(x_image, dtype=float))
    y_image = jax.lax.stop_gradient(jnp.asarray(y_image, dtype=float))
    if x_image.shape[0] == 0:
        return x_image, y_image
    beta_x, beta_y = lens_model.ray_shooting(x_image, y_image, kwargs_lens)
    f_xx, f_xy, f_yx, f_yy = lens_model.hessian(x_image, y_image, kwargs_lens)
    # Jacobian of the lens mapping: [[1 - f_xx, -f_xy], [-f_yx, 1 - f_yy]]
    a11, a12, a21, a22 = 1.0 - f_xx, -f_xy, -f_yx, 1.0 - f_yy
    det = a11 * a22 - a12 * a21
    r_x, r_y = beta_x - x_source, beta_y - y_source
    step_x = (a22 * r_x - a12 * r_y) / det
    step_y = (-a21 * r_x + a11 * r_y) / det
    return x_image - step_x, y_image - step_y


class PointSourceType:
    """Base of the point-source types (static configuration only).

    Parameters
    ----------
    index : int
        Position of this model in the point-source list (for error messages).
    lens_model : LensModel or None
    fixed_magnification : bool
        Image amplitudes are ``source_amp * |mu|`` instead of free ``point_amp``.
    additional_images : bool
        LENSED_POSITION only: solve the lens equation for all images of the source.
    k_list : list of (list of int) or None
        Lens-model selection for each image (from ``index_lens_model_list`` and
        ``point_source_frame_list``), or None for the whole lens model.
    """

    name = ""
    #: keys the kwargs dict may hold
    allowed_keys: frozenset[str] = frozenset()
    #: keys needed to place the images
    position_keys: tuple[str, ...] = ()

    def __init__(
        self,
        index: int,
        lens_model=None,
        fixed_magnification: bool = False,
        additional_images: bool = False,
        k_list: Sequence[Sequence[int]] | None = None,
    ) -> None:
        self.index = index
        self.lens_model = lens_model
        self.fixed_magnification = bool(fixed_magnification)
        self.additional_images = bool(additional_images)
        self.k_list = None if k_list is None else [list(k) for k in k_list]

    # ------------------------------------------------------------------ validation
    def _label(self) -> str:
        return f"point source {self.index} ({self.name})"

    def amplitude_key(self) -> str:
        """``'source_amp'`` with fixed magnification, else ``'point_amp'``."""
        return "source_amp" if self.fixed_magnification else "point_amp"

    def check_kwargs(self, kwargs: Mapping[str, Any], need_amp: bool = False) -> None:
        """Check the keys of one kwargs dict, and that concrete positions are finite.

        Traced values are not inspected (jit-safe).
        """
        if not isinstance(kwargs, Mapping):
            raise TypeError(f"{self._label()}: kwargs must be a dict, got {type(kwargs)!r}")
        for key in kwargs:
            if key not in self.allowed_keys:
                raise ValueError(
                    f"{self._label()}: unknown parameter {key!r}; allowed: "
                    f"{sorted(self.allowed_keys)}"
                )
        for key in self.position_keys:
            if key not in kwargs:
                raise ValueError(f"{self._label()}: missing required parameter {key!r}")
            value = kwargs[key]
            if not _is_tracer(value) and not np.all(np.isfinite(np.asarray(value, dtype=float))):
                raise ValueError(f"{self._label()}: parameter {key!r} is not finite: {value!r}")
        if need_amp and self.amplitude_key() not in kwargs:
            raise ValueError(
                f"{self._label()}: missing required parameter {self.amplitude_key()!r}"
            )

    def _require_lens_model(self, what: str) -> None:
        if self.lens_model is None:
            raise ValueError(f"{self._label()}: {what} needs a lens model (lens_model=None)")

    # ------------------------------------------------------------------ positions
    @property
    def uses_solver(self) -> bool:
        """True when the image positions come from the lens-equation solver."""
        return False

    def kwargs_positions(self, kwargs: Mapping[str, Any]) -> tuple[jax.Array, jax.Array]:
        """Image positions stored in the kwargs (pure); only for ``uses_solver == False``."""
        return _as_vector(kwargs["ra_image"]), _as_vector(kwargs["dec_image"])

    def source_position(self, kwargs, kwargs_lens) -> tuple[jax.Array, jax.Array]:
        raise NotImplementedError

    def solve(self, kwargs, kwargs_lens, solver, kwargs_lens_eqn_solver, magnification_limit):
        """Image positions from the lens-equation solver (numpy arrays, outside ``jit``)."""
        self._require_lens_model("solving the lens equation")
        x_source, y_source = self.source_position(kwargs, kwargs_lens)
        if _is_tracer(x_source) or _is_tracer(y_source) or any(
            _is_tracer(v) for v in jax.tree_util.tree_leaves(list(kwargs_lens or []))
        ):
            raise TypeError(
                f"{self._label()}: the lens-equation solver runs in numpy, outside jax.jit; "
                "solve the positions first (PointSource.solve_image_positions) and pass them "
                "as solved_positions to the jit-compiled function"
            )
        x_image, y_image = solver.image_position_from_source(
            float(x_source), float(y_source), kwargs_lens,
            magnification_limit=magnification_limit, **kwargs_lens_eqn_solver,
        )
        return np.asarray(x_image, dtype=float), np.asarray(y_image, dtype=float)

    # ------------------------------------------------------------------ magnification
    def abs_magnification(self, x_image, y_image, kwargs_lens) -> jax.Array:
        """``|mu|`` at each image (each image with its own lens-model selection if set)."""
        self._require_lens_model("the magnification")
        x_image, y_image = _as_vector(x_image), _as_vector(y_image)
        if self.k_list is None:
            mu = self.lens_model.magnification(x_image, y_image, kwargs_lens)
        else:
            if len(self.k_list) < x_image.shape[0]:
                raise ValueError(
                    f"{self._label()}: {x_image.shape[0]} images but only "
                    f"{len(self.k_list)} entries in point_source_frame_list"
                )
            mu = jnp.stack([
                self.lens_model.magnification(x_image[i], y_image[i], kwargs_lens, k=self.k_list[i])
                for i in range(x_image.shape[0])
            ]) if x_image.shape[0] else jnp.zeros(0)
        return jnp.abs(mu)

    # ------------------------------------------------------------------ amplitudes
    def image_amplitude(self, kwargs, kwargs_lens, x_image, y_image) -> jax.Array:
        raise NotImplementedError

    def source_amplitude(self, kwargs, kwargs_lens, x_image, y_image) -> jax.Array:
        raise NotImplementedError


class Unlensed(PointSourceType):
    """``UNLENSED``: points seen directly (stars); positions and amplitudes as given."""

    name = "UNLENSED"
    allowed_keys = frozenset({"ra_image", "dec_image", "point_amp"})
    position_keys = ("ra_image", "dec_image")

    def amplitude_key(self) -> str:
        return "point_amp"

    def source_position(self, kwargs, kwargs_lens=None):
        return self.kwargs_positions(kwargs)

    def _amplitudes(self, kwargs, num: int) -> jax.Array:
        amp = jnp.asarray(kwargs["point_amp"], dtype=float)
        if amp.ndim == 0:
            return jnp.full((num,), amp)
        amp = jnp.ravel(amp)
        if amp.shape[0] != num:
            raise ValueError(
                f"{self._label()}: 'point_amp' has {amp.shape[0]} entries for {num} positions"
            )
        return amp

    def image_amplitude(self, kwargs, kwargs_lens, x_image, y_image):
        return self._amplitudes(kwargs, _as_vector(x_image).shape[0])

    def source_amplitude(self, kwargs, kwargs_lens, x_image, y_image):
        return self._amplitudes(kwargs, _as_vector(x_image).shape[0])


class LensedPosition(PointSourceType):
    """``LENSED_POSITION``: images parameterised by their observed positions.

    The source position is the mean of the images ray-traced to the source plane. With
    ``additional_images`` the images are re-solved from that source position.
    """

    name = "LENSED_POSITION"
    allowed_keys = frozenset({"ra_image", "dec_image", "point_amp", "source_amp"})
    position_keys = ("ra_image", "dec_image")

    @property
    def uses_solver(self) -> bool:
        return self.additional_images

    def source_position(self, kwargs, kwargs_lens):
        self._require_lens_model("the source position")
        x_image, y_image = self.kwargs_positions(kwargs)
        if self.k_list is None:
            x_source, y_source = self.lens_model.ray_shooting(x_image, y_image, kwargs_lens)
        else:
            pairs = [
                self.lens_model.ray_shooting(x_image[i], y_image[i], kwargs_lens, k=self.k_list[i])
                for i in range(x_image.shape[0])
            ]
            x_source = jnp.stack([p[0] for p in pairs])
            y_source = jnp.stack([p[1] for p in pairs])
        return jnp.mean(x_source), jnp.mean(y_source)

    def image_amplitude(self, kwargs, kwargs_lens, x_image, y_image):
        num = _as_vector(x_image).shape[0]
        if self.fixed_magnification:
            source_amp = jnp.asarray(kwargs["source_amp"], dtype=float)
            return source_amp * self.abs_magnification(x_image, y_image, kwargs_lens)
        return _expand_amplitudes(kwargs["point_amp"], num)

    def source_amplitude(self, kwargs, kwargs_lens, x_image=None, y_image=None):
        """Fixed magnification: ``source_amp``; else ``mean(point_amp / |mu|)`` at the
        kwargs positions."""
        if self.fixed_magnification:
            return jnp.asarray(kwargs["source_amp"], dtype=float)
        x_param, y_param = self.kwargs_positions(kwargs)
        mu = self.abs_magnification(x_param, y_param, kwargs_lens)
        amp = _as_vector(kwargs["point_amp"])
        return jnp.mean(amp / mu)


class SourcePosition(PointSourceType):
    """``SOURCE_POSITION``: one source position; images from the lens-equation solver."""

    name = "SOURCE_POSITION"
    allowed_keys = frozenset({"ra_source", "dec_source", "point_amp", "source_amp", "mag_pert"})
    position_keys = ("ra_source", "dec_source")

    @property
    def uses_solver(self) -> bool:
        return True

    def source_position(self, kwargs, kwargs_lens=None):
        return (jnp.asarray(kwargs["ra_source"], dtype=float),
                jnp.asarray(kwargs["dec_source"], dtype=float))

    def image_amplitude(self, kwargs, kwargs_lens, x_image, y_image):
        num = _as_vector(x_image).shape[0]
        if self.fixed_magnification:
            source_amp = jnp.asarray(kwargs["source_amp"], dtype=float)
            amp = source_amp * self.abs_magnification(x_image, y_image, kwargs_lens)
        else:
            amp = _expand_amplitudes(kwargs["point_amp"], num)
        mag_pert = _shrink_factors(kwargs.get("mag_pert", 1.0), amp.shape[0], self.index,
                                   self.name)
        return amp * mag_pert

    def source_amplitude(self, kwargs, kwargs_lens, x_image, y_image):
        """Fixed magnification: ``source_amp``; else ``mean(point_amp / |mu|)`` over the images.

        The reference divides by the signed magnification here (negative for saddle images),
        unlike LENSED_POSITION; the absolute value is used for both (a fix).
        """
        if self.fixed_magnification:
            return jnp.asarray(kwargs["source_amp"], dtype=float)
        num = _as_vector(x_image).shape[0]
        amp = _expand_amplitudes(kwargs["point_amp"], num)[:num]
        mu = self.abs_magnification(x_image, y_image, kwargs_lens)
        return jnp.mean(amp / mu)


#: point-source type name -> class
POINT_SOURCE_TYPES: dict[str, type[PointSourceType]] = {
    "UNLENSED": Unlensed,
    "LENSED_POSITION": LensedPosition,
    "SOURCE_POSITION": SourcePosition,
}
