"""Benchmark of lens deflections: chromalens (jitted, single and vmap over 64 parameter sets)
against the reference (lenstronomy), on 200 x 200 points.

Run: ``python benchmarks/bench_lens.py [--repeats N] [--grid N]``. Prints, per profile, the
median wall time of one reference call, one jitted chromalens call, and the per-set time of a
``vmap`` over 64 parameter sets, with the ratios, and the time of one jitted gradient (with
respect to all parameters) of a scalar of the deflection. Timings are medians of interleaved
repeats (the variants alternate, so background load affects them alike). Not part of the tests.
"""

from __future__ import annotations

import argparse
import time

import _reference_conditions  # noqa: F401  (before chromalens: the reference under glibc defaults)
import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel

import chromalens  # noqa: F401  (float64)
from chromalens.lens import LensModel

N_BATCH = 64


def parameter_sets(name: str, rng: np.random.Generator, n: int) -> list[dict]:
    sets = []
    for _ in range(n):
        q, phi = rng.uniform(0.2, 1.0), rng.uniform(0.0, np.pi)
        e1, e2 = (1 - q) / (1 + q) * np.cos(2 * phi), (1 - q) / (1 + q) * np.sin(2 * phi)
        centre = {"center_x": rng.uniform(-0.1, 0.1), "center_y": rng.uniform(-0.1, 0.1)}
        if name == "EPL":
            sets.append({"theta_E": rng.uniform(0.5, 2.0), "gamma": rng.uniform(1.2, 2.8),
                         "e1": e1, "e2": e2, **centre})
        elif name == "SIE":
            sets.append({"theta_E": rng.uniform(0.5, 2.0), "e1": e1, "e2": e2, **centre})
        elif name == "NFW":
            sets.append({"Rs": rng.uniform(0.5, 5.0), "alpha_Rs": rng.uniform(0.1, 2.0),
                         **centre})
        else:
            raise ValueError(name)
    return sets


def median_times(functions, repeats: int) -> list[float]:
    """Interleaved timing: median wall time (s) of each zero-argument function."""
    times = [[] for _ in functions]
    for _ in range(repeats):
        for i, fn in enumerate(functions):
            start = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]


def bench(name: str, grid: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    coords = np.linspace(-2.5, 2.5, grid)
    x_np, y_np = (a.ravel() for a in np.meshgrid(coords, coords))
    x, y = jnp.asarray(x_np), jnp.asarray(y_np)
    sets = parameter_sets(name, rng, N_BATCH)

    model = LensModel([name])
    reference = ReferenceLensModel([name])
    single = jax.jit(lambda kw: model.alpha(x, y, [kw]))
    batched = jax.jit(jax.vmap(lambda kw: model.alpha(x, y, [kw])))
    gradient = jax.jit(jax.grad(
        lambda kw: sum(jnp.sum((a - 0.1) ** 2) for a in model.alpha(x, y, [kw]))))
    stacked = {k: jnp.asarray([s[k] for s in sets]) for k in sets[0]}
    one = {k: jnp.asarray(v) for k, v in sets[0].items()}

    jax.block_until_ready(single(one))
    jax.block_until_ready(batched(stacked))
    jax.block_until_ready(gradient(one))
    ours = np.array(single(one))
    ref = np.array(reference.alpha(x_np, y_np, [sets[0]]))
    error = np.max(np.abs(ours - ref)) / np.max(np.abs(ref))

    t_ref, t_single, t_batch, t_grad = median_times(
        [
            lambda: reference.alpha(x_np, y_np, [sets[0]]),
            lambda: jax.block_until_ready(single(one)),
            lambda: jax.block_until_ready(batched(stacked)),
            lambda: jax.block_until_ready(gradient(one)),
        ],
        repeats,
    )
    t_per_set = t_batch / N_BATCH
    print(
        f"{name:4s} {grid}x{grid}: reference {t_ref * 1e3:8.2f} ms | chromalens jit "
        f"{t_single * 1e3:8.2f} ms (x{t_ref / t_single:5.2f} faster) | vmap {N_BATCH} sets "
        f"{t_per_set * 1e3:8.2f} ms/set (per-set / single = {t_per_set / t_single:4.2f}) | "
        f"grad {t_grad * 1e3:8.2f} ms | max |diff|/max|ref| = {error:.1e}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--profiles", nargs="*", default=["EPL", "SIE", "NFW"])
    args = parser.parse_args()
    print(f"jax {jax.__version__}, backend {jax.default_backend()}, devices {jax.devices()}")
    for name in args.profiles:
        bench(name, args.grid, args.repeats)


if __name__ == "__main__":
    main()
