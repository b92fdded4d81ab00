"""Single-band likelihood timings: chromalens's ImageLinearFit against the reference's
(lenstronomy.ImSim.image_linear_solve.ImageLinearFit), same run.

Configurations (one band, 100 x 100 pixels at 0.05", regular supersampling 2, PIXEL PSF of
21 x 21 pixels, convolution at pixel scale (the reference's default), EPL + SHEAR lens,
SERSIC_ELLIPSE lens light, all pixels in the likelihood):

=============  ==============================================================
``sersic``     SERSIC_ELLIPSE source (2 linear coefficients in all)
``shapelets``  SHAPELETS n_max = 10 source (66 + 1 linear coefficients)
=============  ==============================================================

Timed: ``likelihood_data_given_model(kwargs_lens, kwargs_source, kwargs_lens_light)`` of both
codes (amplitudes solved for). Calls cycle through a few jittered parameter sets (nothing can be
reused between calls), in the two patterns of ``bench_multiband.py``: the sampler pattern
(blocks of consecutive calls of one code after 0.1 s of untimed calls, the codes taking turns;
the headline ratio) and cold
caches (the codes alternating call by call), the reference in a process of its own
(``_reference_process.py``). chromalens's construction and first call (the
compilation) are timed separately, and the two log-likelihoods are compared before timing.
Ratio = reference / chromalens (target >= 10x). chromalens's block medians are also given
by the placement of the machine's two CPUs measured before each block (sharing a cache or
not, ``_core_placement.py``): its two-thread programs run in two states on the development
machine, the single-threaded reference in one.

Usage: ``python benchmarks/bench_single_band.py [--repeats 30] [--configs sersic,shapelets]``
"""

from __future__ import annotations

import argparse
import copy
import os
import time

import jax
import numpy as np
from _core_placement import split_by_placement
from _reference_process import ReferenceProcess, single_band_model
from bench_multiband import (  # noqa: E402
    _block_medians,
    _interleaved_medians,
    _timed,
    placement_text,
)
from lenstronomy.Util import kernel_util

# compile times are measured cold: no persistent compilation cache in benchmark processes
os.environ.setdefault("CHROMALENS_COMPILATION_CACHE", "0")
import chromalens  # noqa: E402, F401  (float64)
from chromalens.data import PSF, ImageData
from chromalens.imaging import ImageLinearFit
from chromalens.lens import LensModel
from chromalens.light import LightModel

NUM_PIX = 100
PIXEL = 0.05
PSF_SIZE = 21
SUPERSAMPLING = 2
N_MAX = 10


def _configuration(name: str, rng):
    """``(kwargs_data, kwargs_psf, kwargs_numerics, model lists, kwargs sets)``."""
    transform = np.array([[-PIXEL, 0.0], [0.0, PIXEL]])
    centre = (NUM_PIX - 1) / 2.0
    kwargs_data = {"image_data": np.zeros((NUM_PIX, NUM_PIX)), "background_rms": 0.01,
                   "exposure_time": 1000.0, "transform_pix2angle": transform,
                   "ra_at_xy_0": centre * PIXEL, "dec_at_xy_0": -centre * PIXEL}
    kernel = kernel_util.kernel_gaussian(PSF_SIZE, PIXEL, 0.12)
    kwargs_psf = {"psf_type": "PIXEL", "kernel_point_source": kernel}
    kwargs_numerics = {"supersampling_factor": SUPERSAMPLING}
    lists = {"lens": ["EPL", "SHEAR"], "lens_light": ["SERSIC_ELLIPSE"],
             "source": ["SERSIC_ELLIPSE"] if name == "sersic" else ["SHAPELETS"]}

    def draw():
        kwargs_lens = [{"theta_E": rng.uniform(1.1, 1.3), "gamma": rng.uniform(1.9, 2.1),
                        "e1": rng.uniform(-0.1, 0.1), "e2": rng.uniform(-0.1, 0.1),
                        "center_x": rng.uniform(-0.02, 0.02), "center_y": rng.uniform(-0.02, 0.02)},
                       {"gamma1": rng.uniform(-0.03, 0.03), "gamma2": rng.uniform(-0.03, 0.03)}]
        if name == "sersic":
            kwargs_source = [{"amp": 20.0, "R_sersic": rng.uniform(0.2, 0.3),
                              "n_sersic": rng.uniform(1, 2), "e1": rng.uniform(-0.2, 0.2),
                              "e2": rng.uniform(-0.2, 0.2), "center_x": rng.uniform(-0.05, 0.05),
                              "center_y": rng.uniform(-0.05, 0.05)}]
        else:
            n_coefficients = (N_MAX + 1) * (N_MAX + 2) // 2
            kwargs_source = [{"amp": rng.normal(size=n_coefficients), "n_max": N_MAX,
                              "beta": rng.uniform(0.15, 0.25), "center_x": rng.uniform(-0.05, 0.05),
                              "center_y": rng.uniform(-0.05, 0.05)}]
        kwargs_lens_light = [{"amp": 50.0, "R_sersic": rng.uniform(0.5, 0.8),
                              "n_sersic": rng.uniform(3, 4), "e1": rng.uniform(-0.1, 0.1),
                              "e2": rng.uniform(-0.1, 0.1), "center_x": 0.0, "center_y": 0.0}]
        return kwargs_lens, kwargs_source, kwargs_lens_light

    kwargs_sets = [draw() for _ in range(4)]
    return kwargs_data, kwargs_psf, kwargs_numerics, lists, kwargs_sets


def _build(side, kwargs_data, kwargs_psf, kwargs_numerics, lists):
    """chromalens's ImageLinearFit (``side='ours'``) or the reference's (``'ref'``)."""
    if side == "ref":
        return single_band_model(kwargs_data, kwargs_psf, kwargs_numerics, lists)
    return ImageLinearFit(ImageData(**copy.deepcopy(kwargs_data)),
                          PSF(**copy.deepcopy(kwargs_psf)), LensModel(lists["lens"]),
                          LightModel(lists["source"]), LightModel(lists["lens_light"]),
                          kwargs_numerics=dict(kwargs_numerics))


def run(name: str, repeats: int, rng) -> None:
    kwargs_data, kwargs_psf, kwargs_numerics, lists, kwargs_sets = _configuration(name, rng)
    simulator = _build("ref", kwargs_data, kwargs_psf, kwargs_numerics, lists)
    image = simulator.image(*copy.deepcopy(kwargs_sets[0]))
    kwargs_data["image_data"] = image + 0.01 * rng.normal(size=image.shape)
    with ReferenceProcess("single_band", kwargs_data, kwargs_psf, kwargs_numerics, lists,
                          kwargs_sets) as reference:
        _run(name, repeats, reference, kwargs_data, kwargs_psf, kwargs_numerics, lists,
             kwargs_sets)


def _run(name, repeats, reference, kwargs_data, kwargs_psf, kwargs_numerics, lists,
         kwargs_sets):
    start = time.perf_counter()
    ours = _build("ours", kwargs_data, kwargs_psf, kwargs_numerics, lists)
    construct = time.perf_counter() - start
    start = time.perf_counter()
    logL, _ = ours.likelihood_data_given_model(*copy.deepcopy(kwargs_sets[0]))
    first_call = time.perf_counter() - start
    logL_ref = reference(0)
    relative = abs(logL - logL_ref) / abs(logL_ref)

    # chromalens's own copies of the parameter sets (it writes amplitudes into them; the
    # reference process holds its own)
    sets = [copy.deepcopy(kwargs) for kwargs in kwargs_sets]
    functions = {"chromalens": lambda i: ours.likelihood_data_given_model(*sets[i]),
                 "reference": reference}
    for function in functions.values():  # warm-up on every set
        _timed(function, range(len(sets)), warmup_s=0.0)
    per_block = {}
    medians = _block_medians(functions, len(sets), repeats, per_block=per_block)
    cold = _interleaved_medians(functions, len(sets), repeats)
    ref_median, our_median = medians["reference"], medians["chromalens"]
    n_linear = ours.num_param_linear(*copy.deepcopy(kwargs_sets[0]), None)
    print(f"[{name}] {NUM_PIX}x{NUM_PIX} px, supersampling {SUPERSAMPLING}, "
          f"{PSF_SIZE}x{PSF_SIZE} PSF, {n_linear} linear coefficients")
    print(f"    logL chromalens {logL:.10f}   reference {logL_ref:.10f}   rel. diff {relative:.1e}")
    print(f"    chromalens construction {construct * 1e3:8.1f} ms, "
          f"first call (compile) {first_call:6.2f} s")
    print(f"    median likelihood_data_given_model: reference {ref_median * 1e3:8.2f} ms, "
          f"chromalens {our_median * 1e3:8.2f} ms, ratio {ref_median / our_median:6.1f}x")
    spread = {name: [median * 1e3 for median, _ in blocks] for name, blocks in per_block.items()}
    print(f"    block medians ({len(spread['chromalens'])} blocks): reference "
          f"{min(spread['reference']):.2f}-{max(spread['reference']):.2f} ms, "
          f"chromalens {min(spread['chromalens']):.2f}-{max(spread['chromalens']):.2f} ms")
    by_placement = split_by_placement(per_block["chromalens"])
    print("    chromalens by core placement (_core_placement.py), shared / split cache: "
          f"{placement_text(by_placement, ref_median)}")
    print(f"    cold caches (codes alternating call by call): reference "
          f"{cold['reference'] * 1e3:8.2f} ms, chromalens {cold['chromalens'] * 1e3:8.2f} ms, "
          f"ratio {cold['reference'] / cold['chromalens']:6.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--configs", default="sersic,shapelets")
    args = parser.parse_args()
    print(f"JAX backend: {jax.default_backend()}, devices: {jax.devices()}")
    rng = np.random.default_rng(2024)
    for name in args.configs.split(","):
        run(name.strip(), args.repeats, rng)


if __name__ == "__main__":
    main()
