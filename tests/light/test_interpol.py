"""INTERPOL: parity with lenstronomy's LightModel (``LightModel/Profiles/interpolation.py``:
degree-1 ``RectBivariateSpline`` on the zero-padded image) on random images and placements."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.LightModel.light_model import LightModel as RefLightModel

from chromalens.light import LightModel
from chromalens.light.profiles import interpol

RTOL = 1e-8


def _draw(rng):
    shape = tuple(rng.integers(4, 12, 2))  # non-square, odd and even sizes
    return {
        "image": rng.uniform(-0.5, 2.0, shape),
        "amp": rng.uniform(0.5, 3.0),
        "center_x": rng.uniform(-0.3, 0.3),
        "center_y": rng.uniform(-0.3, 0.3),
        "phi_G": rng.uniform(-np.pi, np.pi),
        "scale": rng.uniform(0.05, 0.3),
    }


def test_parity_inside_edges_and_outside():
    rng = np.random.default_rng(5)
    ours = LightModel(["INTERPOL"])
    for _ in range(4):
        kwargs = [_draw(rng)]
        extent = 0.9 * max(kwargs[0]["image"].shape) * kwargs[0]["scale"]
        x, y = rng.uniform(-extent, extent, (2, 300))  # covers inside, the border and outside
        ref = RefLightModel(["INTERPOL"])  # fresh: the reference caches its interpolator
        expected = ref.surface_brightness(x, y, kwargs)
        assert np.any(expected == 0) and np.any(expected != 0)
        scale = np.max(np.abs(expected))
        np.testing.assert_allclose(
            ours.surface_brightness(x, y, kwargs), expected, rtol=RTOL, atol=1e-13 * scale
        )
        images, n = ours.functions_split(x, y, kwargs)
        ref_images, ref_n = ref.functions_split(x, y, kwargs)
        assert n == ref_n == 1
        np.testing.assert_allclose(images[0], ref_images[0], rtol=RTOL, atol=1e-13 * scale)
        for norm in (False, True):
            np.testing.assert_allclose(
                ours.total_flux(kwargs, norm=norm), ref.total_flux(kwargs, norm=norm), rtol=RTOL
            )


def test_pixel_centres_reproduce_the_image():
    """At the pixel centres (phi_G = 0) the interpolant returns the image values exactly."""
    image = np.arange(12.0).reshape(3, 4)
    scale = 0.1
    rows, cols = np.mgrid[0:3, 0:4]
    x = (cols - 1.5) * scale
    y = (rows - 1.0) * scale
    kwargs = [{"image": image, "scale": scale}]
    np.testing.assert_allclose(
        LightModel(["INTERPOL"]).surface_brightness(x, y, kwargs), image, atol=1e-12
    )


def test_defaults_and_gradients_finite():
    rng = np.random.default_rng(9)
    params = {**interpol.DEFAULTS, **_draw(rng)}
    x, y = jnp.array([0.0, 0.11, 5.0]), jnp.array([0.0, -0.05, 0.0])
    grads = jax.jit(jax.grad(lambda p: jnp.sum(interpol.surface_brightness(x, y, p, {}))))(params)
    for key, value in grads.items():
        assert np.all(np.isfinite(value)), key
    # amp, phi_G, centre and scale are optional, as in the reference's signature
    kwargs = [{"image": params["image"]}]
    ref = RefLightModel(["INTERPOL"]).surface_brightness(np.asarray(x), np.asarray(y), kwargs)
    np.testing.assert_allclose(LightModel(["INTERPOL"]).surface_brightness(x, y, kwargs), ref,
                               rtol=RTOL, atol=1e-14)
