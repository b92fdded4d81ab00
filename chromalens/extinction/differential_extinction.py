"""Differential extinction by dust: transmission ``exp(-tau0 * tau(x, y))``.

Radiative transfer through a foreground absorbing screen attenuates the flux by ``exp(-tau)``
with ``tau`` the optical depth (e.g. Rybicki & Lightman 1979, "Radiative Processes in
Astrophysics", ch. 1). The optical-depth map is modelled as a sum of light profiles evaluated
in the image plane, ``tau(x, y) = sum_k tau_k(x, y)``, scaled per band by ``tau0``:

===================== ====== ======================================================
parameter             unit   meaning
===================== ====== ======================================================
``kwargs_extinction``        list with one dict per optical-depth profile, holding
                             the keys of the light profile of that name
``amp`` (per profile) 1      optical depth scale of the profile (``tau_k`` is the
                             profile's "surface brightness", dimensionless)
``tau0_list``         1      in ``kwargs_special``: per-band multiplier of ``tau``;
                             this band uses entry ``tau0_index`` (1 when absent)
===================== ====== ======================================================

In the imaging code the transmission multiplies the lensed source light (image-plane
coordinates, before convolution), as the reference does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from chromalens.light.light_model import LightModel

__all__ = ["DifferentialExtinction"]


class DifferentialExtinction:
    """Transmission map ``exp(-tau0 * sum_k tau_k(x, y))`` of one band.

    Parameters
    ----------
    optical_depth_model : list of str, optional
        Light-profile names used as optical-depth profiles (empty / None: no extinction).
    profile_kwargs_list : list of (dict or None), optional
        Static options of each profile (as for ``LightModel``).
    tau0_index : int
        Index of this band's ``tau0`` in ``kwargs_special['tau0_list']``.
    """

    def __init__(
        self,
        optical_depth_model: Sequence[str] | None = None,
        profile_kwargs_list: Sequence[Mapping[str, Any] | None] | None = None,
        tau0_index: int = 0,
    ) -> None:
        if optical_depth_model is None:
            optical_depth_model = []
        self._profile = LightModel(
            light_model_list=list(optical_depth_model),
            profile_kwargs_list=profile_kwargs_list,
        )
        self._compute_bool = len(optical_depth_model) > 0
        self._tau0_index = int(tau0_index)

    @property
    def compute_bool(self) -> bool:
        """True when at least one optical-depth profile is set."""
        return self._compute_bool

    @property
    def tau0_index(self) -> int:
        """Index of this band's entry in ``kwargs_special['tau0_list']``."""
        return self._tau0_index

    def _tau0(self, kwargs_special: Mapping[str, Any] | None):
        if kwargs_special is None:
            return 1.0
        tau0_list = kwargs_special.get("tau0_list", None)
        if tau0_list is None:
            return 1.0
        tau0_list = jnp.atleast_1d(jnp.asarray(tau0_list, dtype=float))
        if self._tau0_index >= tau0_list.shape[0]:
            raise ValueError(
                f"kwargs_special['tau0_list'] has {tau0_list.shape[0]} entries; this band "
                f"needs entry tau0_index={self._tau0_index}"
            )
        return tau0_list[self._tau0_index]

    def extinction(
        self,
        x,
        y,
        kwargs_extinction: Sequence[Mapping[str, Any]] | None = None,
        kwargs_special: Mapping[str, Any] | None = None,
    ) -> jax.Array:
        """Transmission (dimensionless, in [0, 1] for tau >= 0) at image-plane points.

        Parameters
        ----------
        x, y : array_like, same shape
            Image-plane coordinates [arcsec].
        kwargs_extinction : list of dict or None
            Parameters of the optical-depth profiles. None: no extinction.
        kwargs_special : dict or None
            May hold ``tau0_list``. None means ``tau0 = 1`` (the reference raises here).

        Returns
        -------
        jax.Array
            ``exp(-tau0 * tau(x, y))`` with the broadcast shape of ``x`` and ``y``; ones when
            no optical-depth model is set or ``kwargs_extinction`` is None. Pure
            ``jax.numpy``: usable under ``jit`` / ``vmap`` / ``grad``.
        """
        x = jnp.asarray(x, dtype=float)
        y = jnp.asarray(y, dtype=float)
        if not self._compute_bool or kwargs_extinction is None:
            return jnp.ones(jnp.broadcast_shapes(x.shape, y.shape))
        tau = self._profile.surface_brightness(x, y, kwargs_extinction)
        return jnp.exp(-self._tau0(kwargs_special) * tau)
