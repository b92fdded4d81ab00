"""Multi-band likelihood timings: chromalens against the reference (lenstronomy), same run.

``likelihood_data_given_model`` of MultiLinear, JointLinear and JointLinear_VaryBG on the
configurations a modeller meets (EPL + SHEAR lens, PIXEL PSFs of 21 x 21 pixels with a
different width per band, regular supersampling, all pixels in the likelihood, the PSF
convolution at pixel scale, the reference's default):

=============  ========================================================================
``typical``    3 bands of 100 x 100 at 0.05", supersampling 2, SERSIC_ELLIPSE source and
               lens light
``shapelets``  as typical, source SERSIC_ELLIPSE + SHAPELETS n_max = 10 (67 source
               coefficients)
``large``      3 bands of 200 x 200 at 0.05", supersampling 3
``offset``     2 bands of 100 x 100, the second shifted by a sub-pixel offset (0.3, 0.45) px
=============  ========================================================================

Each class is timed three ways: the reference's method, chromalens's class method (same
arguments: lists of dicts in, floats out) and chromalens's functional face
(``jax.jit(log_likelihood_function(template))`` on a parameter pytree). Calls cycle through a
few jittered parameter sets (so nothing can be cached between calls). The reference runs in
a process of its own under glibc's defaults, chromalens in this one as shipped, the two
processes taking turns (``_reference_process.py`` says why). Before timing,
chromalens's construction and first call (the compilation) are timed separately and both
codes' log-likelihoods are compared. Ratio = reference / chromalens.

Two timing patterns, both reported:

* **sampler pattern** (the headline numbers): each code is called ``BLOCK`` times in a row,
  as a sampler or optimiser calls one likelihood, and the codes take turns block by block,
  so slow drifts in background load hit them alike. Each block starts with ``WARMUP_S`` of
  untimed calls: on this 2-core virtual machine the second core comes back to full speed
  only after ~50 ms of load (measured: after a 0.1 s pause, the first ~15 calls of the
  typical likelihood take 2.1-3.2 ms, the following ones 1.9 ms; on one core there is no
  such ramp). A sampler's steady state is what the block measures;
* **cold caches**: the codes alternate call by call. Each chromalens call then follows a
  reference call that has evicted its data and compiled code from the CPU caches and let its
  thread pool fall asleep; on this 2-core machine that costs chromalens 1-2 ms per call. No
  fit runs this way; the column shows the worst case.

Usage: ``python benchmarks/bench_multiband.py [--repeats 15] [--configs typical,shapelets]
[--classes MultiLinear,JointLinear] [--profile]``. ``--profile`` additionally times the pieces of
one chromalens band (ray shooting, light, convolution, solve, Python overhead).
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import time

import jax
import numpy as np
from _core_placement import cross_core_ratio, split_by_placement
from _reference_process import ReferenceProcess, timed_block
from lenstronomy.ImSim.MultiBand.single_band_multi_model import (
    SingleBandMultiModel as RefSingleBand,
)
from lenstronomy.Util import kernel_util

# compile times are measured cold: no persistent compilation cache in benchmark processes
os.environ.setdefault("CHROMALENS_COMPILATION_CACHE", "0")
import chromalens  # noqa: E402, F401  (float64)
from chromalens.multiband import JointLinear, JointLinear_VaryBG, MultiLinear

CLASSES = {"MultiLinear": MultiLinear, "JointLinear": JointLinear,
           "JointLinear_VaryBG": JointLinear_VaryBG}
#: name -> (bands, pixels per side, pixel size ", supersampling, n_max or None, offset px)
CONFIGS = {
    "typical": (3, 100, 0.05, 2, None, None),
    "shapelets": (3, 100, 0.05, 2, 10, None),
    "large": (3, 200, 0.05, 3, None, None),
    "offset": (2, 100, 0.05, 2, None, (0.3, 0.45)),
}
#: targets on the class method (reference / chromalens), from the issue
TARGETS = {"typical": 25.0, "shapelets": 15.0, "large": 20.0}
PSF_FWHM = (0.08, 0.11, 0.14)  # arcsec, one per band
PSF_SIZE = 21
FLUX_SCALING = (1.0, 0.8, 1.25)
N_PARAMETER_SETS = 5


# ---------------------------------------------------------------------- configuration
def _parameters(rng: np.random.Generator, n_max: int | None):
    """``(kwargs_lens, kwargs_source, kwargs_lens_light)`` near a typical galaxy lens."""
    kwargs_lens = [
        {"theta_E": rng.uniform(1.1, 1.3), "gamma": rng.uniform(1.9, 2.1),
         "e1": rng.uniform(-0.1, 0.1), "e2": rng.uniform(-0.1, 0.1),
         "center_x": rng.uniform(-0.02, 0.02), "center_y": rng.uniform(-0.02, 0.02)},
        {"gamma1": rng.uniform(-0.04, 0.04), "gamma2": rng.uniform(-0.04, 0.04)},
    ]
    sx, sy = rng.uniform(-0.15, 0.15, 2)
    kwargs_source = [{"amp": 20.0, "R_sersic": rng.uniform(0.15, 0.3),
                      "n_sersic": rng.uniform(1.0, 2.0), "e1": rng.uniform(-0.15, 0.15),
                      "e2": rng.uniform(-0.15, 0.15), "center_x": sx, "center_y": sy}]
    if n_max is not None:
        kwargs_source.append({"amp": rng.normal(0.0, 1.0, (n_max + 1) * (n_max + 2) // 2),
                              "n_max": n_max, "beta": 0.15, "center_x": sx, "center_y": sy})
    kwargs_lens_light = [{"amp": 10.0, "R_sersic": rng.uniform(0.6, 0.9),
                          "n_sersic": rng.uniform(3.0, 4.0), "e1": rng.uniform(-0.1, 0.1),
                          "e2": rng.uniform(-0.1, 0.1),
                          "center_x": kwargs_lens[0]["center_x"],
                          "center_y": kwargs_lens[0]["center_y"]}]
    return kwargs_lens, kwargs_source, kwargs_lens_light


def build_configuration(name: str, seed: int = 0):
    """``(multi_band_list, kwargs_model, list of kwargs tuples)`` of a named configuration.

    The data are the reference's model image of each band plus Gaussian noise (seeded).
    """
    num_bands, n, pixel, supersampling, n_max, offset = CONFIGS[name]
    rng = np.random.default_rng(seed)
    kwargs_model = {"lens_model_list": ["EPL", "SHEAR"],
                    "source_light_model_list": ["SERSIC_ELLIPSE"]
                    + (["SHAPELETS"] if n_max is not None else []),
                    "lens_light_model_list": ["SERSIC_ELLIPSE"]}
    truth = _parameters(rng, n_max)
    multi_band_list = []
    for band in range(num_bands):
        shift = np.zeros(2) if offset is None or band == 0 else np.asarray(offset) * pixel
        kwargs_data = {
            "image_data": np.zeros((n, n)), "background_rms": 0.05, "exposure_time": 1000.0,
            "transform_pix2angle": np.array([[-pixel, 0.0], [0.0, pixel]]),
            "ra_at_xy_0": (n - 1) / 2 * pixel + shift[0],
            "dec_at_xy_0": -(n - 1) / 2 * pixel + shift[1],
            "flux_scaling": FLUX_SCALING[band],
        }
        kwargs_psf = {"psf_type": "PIXEL", "kernel_point_source": kernel_util.kernel_gaussian(
            PSF_SIZE, pixel, PSF_FWHM[band])}
        kwargs_numerics = {"supersampling_factor": supersampling}
        multi_band_list.append([kwargs_data, kwargs_psf, kwargs_numerics])
        simulator = RefSingleBand(multi_band_list[-1:], kwargs_model)
        image = simulator.image(*copy.deepcopy(truth))
        noise = rng.normal(0.0, 1.0, image.shape) * np.sqrt(
            0.05 ** 2 + np.maximum(image, 0.0) / 1000.0)
        kwargs_data["image_data"] = image + noise
    kwargs_sets = []
    for _ in range(N_PARAMETER_SETS):
        lens, source, light = copy.deepcopy(truth)
        lens[0]["theta_E"] *= 1.0 + rng.uniform(-0.01, 0.01)
        lens[0]["gamma"] += rng.uniform(-0.02, 0.02)
        lens[1]["gamma1"] += rng.uniform(-0.005, 0.005)
        source[0]["center_x"] += rng.uniform(-0.01, 0.01)
        light[0]["R_sersic"] *= 1.0 + rng.uniform(-0.02, 0.02)
        kwargs_sets.append((lens, source, light, [], None, None))
    return multi_band_list, kwargs_model, kwargs_sets


def _pytree(kwargs):
    """Class-API kwargs tuple -> parameter pytree of the functional face."""
    lens, source, light = kwargs[:3]
    return {"kwargs_lens": lens, "kwargs_source": source, "kwargs_lens_light": light}


# ---------------------------------------------------------------------- timing
#: consecutive timed calls of one code in the sampler pattern
BLOCK = 5
#: untimed calls (seconds of them) before each block: the machine's ramp back to full speed
WARMUP_S = 0.1


def _timed(function, indices, warmup_s: float) -> list[float]:
    """Seconds per call of ``function(i)`` for ``i`` in ``indices`` (after ``warmup_s`` of
    untimed calls); a :class:`ReferenceProcess` times itself in its own process."""
    if isinstance(function, ReferenceProcess):
        return function.timed_block(indices, warmup_s)
    return timed_block(lambda index: jax.block_until_ready(function(index)), indices, warmup_s)


def _interleaved_medians(functions: dict, num_sets: int, repeats: int) -> dict[str, float]:
    """Median seconds per call of each function of a parameter-set index, alternating call by
    call (cold caches), cycling the sets."""
    times = {name: [] for name in functions}
    for repeat in range(repeats):
        for name, function in functions.items():
            times[name] += _timed(function, [repeat % num_sets], warmup_s=0.0)
    return {name: statistics.median(values) for name, values in times.items()}


def _block_medians(functions: dict, num_sets: int, repeats: int, block: int = BLOCK,
                   warmup_s: float = WARMUP_S, per_block: dict | None = None
                   ) -> dict[str, float]:
    """Median seconds per call of each function of a parameter-set index in the sampler
    pattern: ``block`` calls of one function in a row (cycling the sets) after ``warmup_s``
    seconds of untimed calls, the functions taking turns. ``per_block``, if given, receives
    for each function its list of ``(block median, placement)``, the placement being the
    :func:`~_core_placement.cross_core_ratio` measured just before the block (the machine's
    state, see ``_core_placement.py``)."""
    times = {name: [] for name in functions}
    for turn in range(max(1, -(-repeats // block))):
        indices = [(turn * block + call) % num_sets for call in range(block)]
        for name, function in functions.items():
            placement = cross_core_ratio() if per_block is not None else None
            block_times = _timed(function, indices, warmup_s)
            times[name] += block_times
            if per_block is not None:
                per_block.setdefault(name, []).append(
                    (statistics.median(block_times), placement))
    return {name: statistics.median(values) for name, values in times.items()}


def benchmark_class(config: str, class_name: str, repeats: int, pure: bool = True) -> dict:
    """Time one class on one configuration; returns a row of the results table."""
    multi_band_list, kwargs_model, kwargs_sets = build_configuration(config)
    cls = CLASSES[class_name]
    with ReferenceProcess("multiband", class_name, multi_band_list, kwargs_model,
                          kwargs_sets) as reference:
        return _benchmark_class(config, class_name, cls, reference, multi_band_list,
                                kwargs_model, kwargs_sets, repeats, pure)


def _benchmark_class(config, class_name, cls, reference, multi_band_list, kwargs_model,
                     kwargs_sets, repeats, pure):
    start = time.perf_counter()
    ours = cls(copy.deepcopy(multi_band_list), kwargs_model)
    construct = time.perf_counter() - start
    start = time.perf_counter()
    logL_ours, _ = ours.likelihood_data_given_model(*copy.deepcopy(kwargs_sets[0]))
    first_call = time.perf_counter() - start
    logL_ref = reference(0)
    mismatch = abs(logL_ours - logL_ref) / abs(logL_ref)

    functions = {
        "reference": reference,
        "method": lambda i: ours.likelihood_data_given_model(*kwargs_sets[i])[0],
    }
    pure_compile = float("nan")
    if pure:
        template = _pytree(kwargs_sets[0])
        pure_function = jax.jit(ours.log_likelihood_function(template))
        trees = [_pytree(kw) for kw in kwargs_sets]
        start = time.perf_counter()
        logL_pure = float(pure_function(template))
        pure_compile = time.perf_counter() - start
        mismatch = max(mismatch, abs(logL_pure - logL_ref) / abs(logL_ref))
        functions["pure"] = lambda i: pure_function(trees[i])
    # warm-up of every path on every parameter set (caches, lazy imports)
    for function in functions.values():
        _timed(function, range(len(kwargs_sets)), warmup_s=0.0)
    per_block = {}
    medians = _block_medians(functions, len(kwargs_sets), repeats, per_block=per_block)
    by_placement = split_by_placement(per_block["method"])
    cold = _interleaved_medians({name: functions[name] for name in ("reference", "method")},
                                len(kwargs_sets), repeats)
    return {"config": config, "class": class_name, "construct": construct,
            "compile": first_call, "pure_compile": pure_compile, "mismatch": mismatch,
            **medians, "reference_cold": cold["reference"], "method_cold": cold["method"],
            "method_by_placement": by_placement}


def placement_text(blocks: dict[str, list], reference: float) -> str:
    """``"4.20 ms (10.9x, 4) / 7.05 ms (6.5x, 2)"``: chromalens's median block time
    while the two CPUs shared a cache and while they did not (``-`` where no block ran in a
    state), each with its ratio to the reference's median ``reference`` (seconds) and its
    number of blocks."""
    parts = []
    for name in ("shared", "split"):
        values = blocks[name]
        if values:
            seconds = statistics.median(values)
            parts.append(f"{seconds * 1e3:.2f} ms ({reference / seconds:.1f}x, {len(values)})")
        else:
            parts.append("-")
    return " / ".join(parts)


def _table(rows: list[dict]) -> str:
    lines = ["| configuration | class | lenstronomy ms | chromalens ms | ratio | "
             "pure jit ms | ratio (pure) | target | cold caches: lenstronomy / chromalens ms "
             "(ratio) | chromalens by core placement: shared / split cache (ratio, blocks) | "
             "construct s | 1st call s | pure compile s | rel. logL diff |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        ref, ours = row["reference"], row["method"]
        pure = row.get("pure", float("nan"))
        target = TARGETS.get(row["config"])
        target_text = "" if target is None else (
            f">= {target:.0f}x {'met' if ref / ours >= target else 'MISSED'}")
        ref_cold, ours_cold = row["reference_cold"], row["method_cold"]
        lines.append(
            f"| {row['config']} | {row['class']} | {ref * 1e3:.2f} | {ours * 1e3:.2f} | "
            f"{ref / ours:.1f}x | {pure * 1e3:.2f} | {ref / pure:.1f}x | {target_text} | "
            f"{ref_cold * 1e3:.1f} / {ours_cold * 1e3:.2f} ({ref_cold / ours_cold:.1f}x) | "
            f"{placement_text(row['method_by_placement'], ref)} | "
            f"{row['construct']:.2f} | {row['compile']:.2f} | {row['pure_compile']:.2f} | "
            f"{row['mismatch']:.1e} |")
    return "\n".join(lines)


# ---------------------------------------------------------------------- profile
def profile_pieces(config: str, repeats: int) -> None:
    """Time the pieces of chromalens's MultiLinear on one configuration (one band's worth
    and all bands), to show where the time of one likelihood call goes."""
    import jax.numpy as jnp

    multi_band_list, kwargs_model, kwargs_sets = build_configuration(config)
    ours = MultiLinear(copy.deepcopy(multi_band_list), kwargs_model)
    kwargs = kwargs_sets[0]
    band = ours._image_model_list[0]
    inputs, static = band._dynamic_inputs(*band.select_kwargs(*kwargs[:5]), kwargs[5])
    lens = inputs[0]
    source, light = inputs[1], inputs[2]
    source_static, light_static, _ = static
    x, y = band.ImageNumerics.coordinates_evaluate

    ray = jax.jit(lambda lens: band.LensModel.ray_shooting(x, y, lens))
    beta_x, beta_y = ray(lens)

    def light_stack(lens, source, light):
        bx, by = band.LensModel.ray_shooting(x, y, lens)
        s = band.SourceModel.basis_stack(bx, by, band.SourceModel.merge_static(source,
                                                                               source_static))
        ll = band.LensLightModel.basis_stack(x, y, band.LensLightModel.merge_static(
            light, light_static))
        return jnp.concatenate([s, ll], axis=0)

    light_jit = jax.jit(light_stack)
    stack = light_jit(lens, source, light)
    convolve = jax.jit(lambda stack: band._re_size_convolve_stack(stack, False))
    response = jax.jit(lambda *a: band._response_pure(*a, static=static))
    A = response(*inputs)
    from chromalens.imaging.linear_solve import weighted_least_squares
    w = jnp.asarray(1.0 / np.asarray(band.Data.C_D).ravel())
    d = jnp.asarray(np.asarray(band.Data.data_finite).ravel())
    solve = jax.jit(lambda A: weighted_least_squares(A, w, d, inv_bool=False))
    fused = jax.jit(lambda *a: band._fused_solve(*a, jnp.zeros(()), None, static=static,
                                                 inv_bool=False, source_marg=False))

    one_band = MultiLinear(copy.deepcopy(multi_band_list[:1]), kwargs_model)
    pure_all = jax.jit(ours.log_likelihood_function(_pytree(kwargs)))
    tree = _pytree(kwargs)
    pieces = {
        "python: select + split kwargs of one band":
            lambda: band._dynamic_inputs(*band.select_kwargs(*kwargs[:5]), kwargs[5]),
        "ray shooting (EPL+SHEAR, supersampled grid)": lambda: ray(lens),
        "ray shooting + light basis (unconvolved)": lambda: light_jit(lens, source, light),
        "resize + convolve of the basis stack": lambda: convolve(stack),
        "response matrix (all of the above, masked)": lambda: response(*inputs),
        "weighted least squares (given A)": lambda: solve(A),
        "fused band solve (response+solve+logL)": lambda: fused(*inputs),
        "MultiLinear.likelihood_data_given_model (band 0 alone)":
            lambda: one_band.likelihood_data_given_model(*kwargs),
        f"MultiLinear.likelihood_data_given_model ({ours.num_bands} bands)":
            lambda: ours.likelihood_data_given_model(*kwargs),
        f"jit(MultiLinear.log_likelihood_function) ({ours.num_bands} bands)":
            lambda: pure_all(tree),
    }
    for function in pieces.values():
        jax.block_until_ready(function())
        jax.block_until_ready(function())
    print(f"\nProfile of chromalens on '{config}' (band 0 unless stated; "
          f"{x.size} evaluation points, A {tuple(A.shape)}):\n")
    print("| piece | median ms |\n|---|---:|")
    for name, function in pieces.items():
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            jax.block_until_ready(function())
            times.append(time.perf_counter() - start)
        print(f"| {name} | {statistics.median(times) * 1e3:.2f} |")
    del beta_x, beta_y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--classes", default=",".join(CLASSES))
    parser.add_argument("--no-pure", action="store_true",
                        help="skip the functional face (jit of log_likelihood_function)")
    parser.add_argument("--profile", action="store_true",
                        help="also time the pieces of one likelihood call")
    args = parser.parse_args()

    print(f"JAX {jax.__version__}, backend {jax.default_backend()}, devices {jax.devices()}")
    rows = []
    for config in args.configs.split(","):
        for class_name in args.classes.split(","):
            row = benchmark_class(config, class_name, args.repeats, pure=not args.no_pure)
            rows.append(row)
            print(f"  {config:10s} {class_name:20s} ref {row['reference'] * 1e3:8.2f} ms  "
                  f"chromalens {row['method'] * 1e3:8.2f} ms  "
                  f"ratio {row['reference'] / row['method']:6.1f}x", flush=True)
    print()
    print(_table(rows))
    if args.profile:
        for config in args.configs.split(","):
            profile_pieces(config, args.repeats)


if __name__ == "__main__":
    main()
