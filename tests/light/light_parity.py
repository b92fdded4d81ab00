"""Parity checks shared by the single-amplitude light profile tests (NIE, POWER_LAW, CHAMELEON,
PJAFFE;
imported as ``light.light_parity``; pytest has ``pythonpath = ["tests"]``)."""

from __future__ import annotations

import numpy as np
import pytest
from lenstronomy.LightModel.light_model import LightModel as RefLightModel

from chromalens.light.light_model import LightModel

RTOL = 1e-8


def check_profile(profile, reference_function, cases, rng, at_centre: bool = False):
    """``surface_brightness`` and the one-image ``basis`` of ``profile`` against the
    reference's ``function`` on 300 random points per parameter set; the profile refuses
    ``total_flux`` (as the reference). ``at_centre``: the first point sits on the centre."""
    for params in cases:
        x = rng.uniform(-5.0, 5.0, 300)
        y = rng.uniform(-5.0, 5.0, 300)
        if at_centre:
            x[0], y[0] = params["center_x"], params["center_y"]
        reference = reference_function(x, y, **params)
        np.testing.assert_allclose(profile.surface_brightness(x, y, params, {}), reference,
                                   rtol=RTOL)
        basis = np.asarray(profile.basis(x, y, params, {}))
        assert basis.shape == (1, x.size)
        np.testing.assert_allclose(basis[0] * params["amp"], reference, rtol=RTOL)
    with pytest.raises(ValueError, match=profile.NAME):
        profile.total_flux(cases[-1], {})


def check_light_model(names, kwargs_list, rng, match: str | None = None):
    """``LightModel`` of the profiles ``names`` (a name or a list) against the reference's:
    surface brightness, ``functions_split`` (one image per profile) and the refused
    ``total_flux``, whose error must mention ``match`` (default: the first name)."""
    names = [names] if isinstance(names, str) else list(names)
    x = rng.uniform(-4.0, 4.0, 200)
    y = rng.uniform(-4.0, 4.0, 200)
    ours, reference = LightModel(names), RefLightModel(names)
    np.testing.assert_allclose(ours.surface_brightness(x, y, kwargs_list),
                               reference.surface_brightness(x, y, kwargs_list), rtol=RTOL)
    images, n = ours.functions_split(x, y, kwargs_list)
    ref_images, ref_n = reference.functions_split(x, y, kwargs_list)
    assert n == ref_n == len(names)
    np.testing.assert_allclose(np.array(images), np.array(ref_images), rtol=RTOL)
    with pytest.raises(ValueError):
        reference.total_flux(kwargs_list)
    with pytest.raises(ValueError, match=match or names[0]):
        ours.total_flux(kwargs_list)
