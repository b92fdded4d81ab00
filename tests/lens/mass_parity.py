"""Shared machinery of the lens-profile parity tests against the reference (lenstronomy).

Each profile test draws ``N_SETS`` random parameter sets (seeded), evaluates the profile on a
small set of points that includes the profile centre (exactly), points very close to it, a
ring of points and random points, and compares with ``lenstronomy.LensModel.LensModel``:

* chromalens is evaluated for all sets at once (``jax.vmap`` of the ``LensModel`` methods inside
  ``jax.jit``), which also exercises the functional (traced) face;
* the reference is evaluated set by set.

Error measure: elementwise ``|ours - ref| / max(|ref|, FLOOR * max|ref|)`` with ``FLOOR = 1e-6``
(values below a millionth of the field's largest value are compared in absolute terms, at
``rtol * 1e-6 * max|ref|``), so an exact zero in the reference (e.g. at the centre) does not
make the relative error undefined.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel

from chromalens.lens import LensModel

N_SETS = 200
FLOOR = 1e-6


def relative_error(ours, ref):
    ours, ref = np.asarray(ours, dtype=float), np.asarray(ref, dtype=float)
    scale = np.max(np.abs(ref), axis=-1, keepdims=True)
    denominator = np.maximum(np.abs(ref), FLOOR * scale)
    denominator = np.where(denominator > 0, denominator, 1.0)
    return np.abs(ours - ref) / denominator


def sample_points(rng, center_x, center_y, n_random=24):
    """Points around one centre: the centre itself, 1e-7 and 1e-3 away, a ring, random."""
    offsets = [(0.0, 0.0), (1e-7, 0.0), (0.0, -1e-7), (1e-3, 1e-3), (-1e-3, 2e-3)]
    angles = np.linspace(0.0, 2.0 * np.pi, 8, endpoint=False)
    offsets += [(0.7 * np.cos(a), 0.7 * np.sin(a)) for a in angles]
    dx = np.array([o[0] for o in offsets] + list(rng.uniform(-2.5, 2.5, n_random)))
    dy = np.array([o[1] for o in offsets] + list(rng.uniform(-2.5, 2.5, n_random)))
    return center_x + dx, center_y + dy


def draw(sampler, seed, n_sets=N_SETS):
    """Parameter sets (list of dicts) and, per set, evaluation points ``x, y`` (n_sets, n)."""
    rng = np.random.default_rng(seed)
    kwargs = [sampler(rng) for _ in range(n_sets)]
    xs, ys = [], []
    for kw in kwargs:
        cx = kw.get("center_x", kw.get("ra_0", 0.0))
        cy = kw.get("center_y", kw.get("dec_0", 0.0))
        x, y = sample_points(rng, cx, cy)
        xs.append(x)
        ys.append(y)
    return kwargs, np.array(xs), np.array(ys)


def stack(kwargs):
    return {key: np.array([kw[key] for kw in kwargs]) for key in kwargs[0]}


def ours_batched(name, kwargs, x, y, quantities=("ray_shooting", "potential", "hessian")):
    """chromalens quantities for all sets: dict name -> array (n_sets, [k,] n)."""
    model = LensModel([name])
    batched = stack(kwargs)

    def one(xi, yi, kw):
        return {q: jnp.stack(jnp.atleast_1d(*getattr(model, q)(xi, yi, [kw])))
                if q in ("ray_shooting", "hessian", "alpha")
                else getattr(model, q)(xi, yi, [kw]) for q in quantities}

    out = jax.jit(jax.vmap(one))(x, y, batched)
    return {q: np.asarray(v) for q, v in out.items()}


def reference_batched(name, kwargs, x, y, quantities=("ray_shooting", "potential", "hessian")):
    model = ReferenceLensModel([name])
    out = {q: [] for q in quantities}
    for kw, xi, yi in zip(kwargs, x, y, strict=True):
        for q in quantities:
            value = getattr(model, q)(xi, yi, [kw])
            out[q].append(np.array(value, dtype=float))
    return {q: np.array(v) for q, v in out.items()}


def assert_parity(name, sampler, seed, tolerances, exclude_centre=(), n_sets=N_SETS):
    """Compare ray_shooting / potential / hessian with the reference on random sets.

    ``tolerances``: quantity -> rtol. ``exclude_centre``: quantities compared only away from
    the first five points (the centre and its 1e-7 / 1e-3 neighbours), where the reference is
    itself inaccurate (finite differences) -- the reason must be given by the caller.
    """
    kwargs, x, y = draw(sampler, seed, n_sets)
    quantities = tuple(tolerances)
    ours = ours_batched(name, kwargs, x, y, quantities)
    ref = reference_batched(name, kwargs, x, y, quantities)
    for q, rtol in tolerances.items():
        a, b = ours[q], ref[q]
        assert a.shape == b.shape, (q, a.shape, b.shape)
        assert np.all(np.isfinite(a)), f"{name} {q}: non-finite values"
        if q in exclude_centre:
            a, b = a[..., 5:], b[..., 5:]
        finite = np.isfinite(b)
        err = np.where(finite, relative_error(a, np.where(finite, b, 0.0)), 0.0)
        worst = np.unravel_index(np.argmax(err), err.shape)
        assert err.max() <= rtol, (
            f"{name} {q}: relative error {err.max():.3e} > {rtol:.1e} for parameters "
            f"{kwargs[worst[0]]} at point ({x[worst[0], worst[-1]]}, {y[worst[0], worst[-1]]})"
        )
    return kwargs, x, y, ours, ref


def assert_finite_at_edges(name, cases, param_names=None):
    """Deflection, Hessian and their parameter gradients are finite at the profile centre.

    ``cases``: a dict or a list of dicts with the same keys (evaluated together under ``vmap``,
    one compilation). Points: the centre, 1e-9 from it, and one ordinary point.
    """
    cases = [cases] if isinstance(cases, dict) else list(cases)
    model = LensModel([name])
    params = {k: jnp.asarray([c[k] for c in cases], dtype=float) for k in cases[0]}
    names = param_names or [k for k in params if k != "m"]

    def points(p):
        cx = p.get("center_x", p.get("ra_0", 0.0))
        cy = p.get("center_y", p.get("dec_0", 0.0))
        return cx + jnp.array([0.0, 1e-9, 0.3]), cy + jnp.array([0.0, 0.0, -0.2])

    def total_alpha(p):
        x, y = points(jax.lax.stop_gradient(p))
        ax, ay = model.alpha(x, y, [p])
        return jnp.sum(ax) + jnp.sum(ay)

    def total_hessian(p):
        x, y = points(jax.lax.stop_gradient(p))
        return sum(jnp.sum(h) for h in model.hessian(x, y, [p]))

    def alpha_at_centre(p):
        x, y = points(p)
        return jax.grad(lambda xx: jnp.sum(jnp.stack(model.alpha(xx, y[:1], [p]))))(x[:1])

    @jax.jit
    @jax.vmap
    def everything(p):
        return (total_alpha(p), jax.grad(total_alpha)(p), total_hessian(p),
                jax.grad(total_hessian)(p), alpha_at_centre(p))

    value_a, grad_a, value_h, grad_h, grad_x = everything(params)
    for label, value, grads in (("alpha", value_a, grad_a), ("hessian", value_h, grad_h)):
        assert np.all(np.isfinite(value)), f"{name}: {label} not finite for {cases}"
        for key in names:
            assert np.all(np.isfinite(grads[key])), (
                f"{name}: d {label} / d {key} not finite for {cases}"
            )
    assert np.all(np.isfinite(grad_x)), f"{name}: d alpha / d x not finite at the centre"
