"""Light-profile timings: chromalens against the reference (lenstronomy), same run.

Cases (200 x 200 points):

* SERSIC_ELLIPSE ``surface_brightness``;
* the SHAPELETS basis with n_max = 10 (66 images), ``functions_split`` (reference) against
  ``LightModel.basis_stack`` (one stacked array).

Each case is timed three ways for chromalens: the class method (validation + jitted call), and a
pre-jitted pure function of the kwargs pytree (what the imaging code uses). Medians of
``--repeats`` runs after one warm-up (compilation) call; ratio = reference / chromalens.

Usage: ``python benchmarks/bench_light.py [--repeats 20] [--size 200]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import _reference_conditions  # noqa: F401  (before chromalens: the reference under glibc defaults)
import jax
import numpy as np

import chromalens  # noqa: F401  (float64)
from chromalens.light import LightModel


def _median_time(function, repeats: int) -> float:
    function()  # warm-up / compilation
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        out = function()
        jax.block_until_ready(out)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _report(label: str, reference: float, ours: dict[str, float]) -> None:
    print(f"{label}: reference {reference * 1e3:9.3f} ms")
    for name, seconds in ours.items():
        ratio = reference / seconds
        print(f"    chromalens {name:<22s} {seconds * 1e3:9.3f} ms   ratio {ratio:7.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--size", type=int, default=200)
    args = parser.parse_args()

    from lenstronomy.LightModel.light_model import LightModel as RefLightModel

    print(f"JAX backend: {jax.default_backend()}, devices: {jax.devices()}")
    coords = np.linspace(-4.0, 4.0, args.size)
    x, y = (a.ravel() for a in np.meshgrid(coords, coords))
    x_dev, y_dev = jax.device_put(x), jax.device_put(y)

    # --- SERSIC_ELLIPSE surface brightness
    names = ["SERSIC_ELLIPSE"]
    kwargs = [{"amp": 3.0, "R_sersic": 0.8, "n_sersic": 3.2, "e1": 0.15, "e2": -0.1,
               "center_x": 0.05, "center_y": -0.02}]
    ours, ref = LightModel(names), RefLightModel(names)
    pure = jax.jit(lambda kw, x, y: ours.surface_brightness(x, y, kw))
    np.testing.assert_allclose(pure(kwargs, x_dev, y_dev), ref.surface_brightness(x, y, kwargs),
                               rtol=1e-8)
    _report(
        f"SERSIC_ELLIPSE surface_brightness, {args.size}x{args.size}",
        _median_time(lambda: ref.surface_brightness(x, y, kwargs), args.repeats),
        {
            "class method": _median_time(
                lambda: ours.surface_brightness(x_dev, y_dev, kwargs), args.repeats
            ),
            "jitted pure function": _median_time(lambda: pure(kwargs, x_dev, y_dev), args.repeats),
        },
    )

    # --- SHAPELETS basis, n_max = 10
    names = ["SHAPELETS"]
    n_max = 10
    kwargs = [{"amp": np.ones((n_max + 1) * (n_max + 2) // 2), "n_max": n_max, "beta": 0.4,
               "center_x": 0.05, "center_y": -0.02}]
    try:
        ours = LightModel(names)
    except ValueError as error:
        print(f"SHAPELETS skipped: {error}")
        return
    ref = RefLightModel(names)
    dynamic, static = ours.split_static(kwargs)
    pure = jax.jit(
        lambda kw, x, y: ours.basis_stack(x, y, ours.merge_static(kw, static))
    )
    stack = pure(dynamic, x_dev, y_dev)
    ref_images, n = ref.functions_split(x, y, kwargs)
    assert stack.shape == (n, x.size) == (66, x.size)
    np.testing.assert_allclose(stack, np.array(ref_images), rtol=1e-8, atol=1e-12)
    _report(
        f"SHAPELETS basis (n_max={n_max}, {n} images), {args.size}x{args.size}",
        _median_time(lambda: ref.functions_split(x, y, kwargs), args.repeats),
        {
            "basis_stack (class)": _median_time(
                lambda: ours.basis_stack(x_dev, y_dev, kwargs), args.repeats
            ),
            "jitted pure function": _median_time(
                lambda: pure(dynamic, x_dev, y_dev), args.repeats
            ),
        },
    )


if __name__ == "__main__":
    main()
