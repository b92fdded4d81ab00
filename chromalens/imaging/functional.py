"""The functional face of the single-band engine: pure functions of a parameter pytree.

A *parameter pytree* is a dict with the class API's kwargs as entries::

    {"kwargs_lens": [...], "kwargs_source": [...], "kwargs_lens_light": [...],
     "kwargs_ps": [...], "kwargs_extinction": [...], "kwargs_special": {...}}

(missing entries mean "none"). The functions built here take such a pytree of floats or
arrays and return JAX values; they can be wrapped in ``jax.jit``, ``jax.vmap`` and
``jax.grad`` and never mutate their input.

What cannot be a traced value is fixed when the function is built, from a *template* (a
parameter pytree of concrete values, typically the starting point of a fit):

* shape-fixing profile keys (``n_max`` of SHAPELETS): taken from the template and ignored in
  the traced pytree;
* image positions of point sources found by the lens-equation solver (SOURCE_POSITION, and
  LENSED_POSITION with additional images): solved once for the template; inside the function
  they are refined by a Newton step of the lens equation, so they follow the parameters
  (exactly at the template, to first order nearby). Rebuild the function when the source
  moves by more than a fraction of the image separation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from chromalens.cpu_runtime import on_cpu

__all__ = ["KWARGS_NAMES", "FunctionalSpec", "batch_function", "log_likelihood_batch",
           "prepare", "pure_error_map", "pure_inputs", "stack_parameter_sets"]

#: kwargs_special entries read by imaging
SPECIAL_KEYS = ("delta_x_image", "delta_y_image", "tau0_list")
#: profile keys that fix array shapes (never traced)
STATIC_KEYS = frozenset({"n_max"})

#: entries of a parameter pytree, in the class API's argument order
KWARGS_NAMES = ("kwargs_lens", "kwargs_source", "kwargs_lens_light", "kwargs_ps",
                "kwargs_extinction", "kwargs_special")


@dataclass(frozen=True)
class FunctionalSpec:
    """What a pure function of one band fixes at build time."""

    static: tuple
    solved: Any
    has_extinction: bool


def as_tuple(kwargs: dict | None) -> tuple:
    """Parameter pytree -> the class API's positional kwargs (missing entries: None)."""
    kwargs = {} if kwargs is None else kwargs
    unknown = set(kwargs) - set(KWARGS_NAMES)
    if unknown:
        raise ValueError(f"parameter pytree: unknown entries {sorted(unknown)}; "
                         f"expected some of {KWARGS_NAMES}")
    return tuple(kwargs.get(name) for name in KWARGS_NAMES)


def prepare(model, kwargs_template: dict | None) -> FunctionalSpec | None:
    """Fix the static parts of band ``model``'s function from a (band-subset) template.

    Returns None without a template: the static keys are then read from each call's pytree
    (fine unless it is traced and holds shape-fixing keys), and point sources that need the
    solver are refused.
    """
    if kwargs_template is None:
        return None
    lens, source, light, ps, extinction, _ = as_tuple(kwargs_template)
    static = model._static_of(source or [], light or [], extinction)
    solved = None
    if model.PointSource.point_source_type_list:
        solved = model.PointSource.solve_image_positions(ps, lens or [])
    return FunctionalSpec(static=static, solved=solved, has_extinction=bool(extinction))


def solve_band(model, kwargs: dict, spec: FunctionalSpec, linear_prior=None,
               inv_bool: bool = False, source_marg: bool = False, select: bool = True,
               plane=None):
    """One band's fused solve from a parameter pytree (pure).

    ``select``: the pytree holds every band's kwargs and the band picks its own (multi-band
    classes); False: it is already the band's. ``plane``: the band's ray-shot evaluation grid
    ``(x, y, beta_x, beta_y)`` if computed already (batched with other bands).
    Returns ``(logL, param, cov or None, model image, PSF-variance map)``.
    """
    if select:
        kwargs = model._select_pytree(kwargs)
    inputs, static = pure_inputs(model, kwargs, spec)
    error = pure_error_map(model, inputs[0], inputs[5], inputs[6], inputs[7])
    logL, param, cov, image = model._fused_solve(
        *inputs, error, linear_prior, static=static, inv_bool=bool(inv_bool or source_marg),
        source_marg=bool(source_marg), plane=plane)
    return logL, param, cov, image, error


def fetch(outputs):
    """Device outputs -> writable numpy copies.

    On an accelerator: one batched transfer (one sync). On the CPU the arrays already live in
    host memory and ``jax.device_get``'s batching costs more than it saves (measured: 39 us
    for two small outputs against 4 us for plain copies).
    """
    if on_cpu():
        return jax.tree.map(np.array, outputs)
    return jax.tree.map(np.array, jax.device_get(outputs))


def call_pytree(kwargs_tuple) -> dict:
    """Class-API kwargs -> the dynamic parameter pytree of one compiled call.

    Shape-fixing keys (``n_max``) are removed (they travel as static arguments) and
    ``kwargs_special`` is reduced to the keys imaging reads, so everything left is numbers.
    """
    result = {}
    for name, value in zip(KWARGS_NAMES, kwargs_tuple, strict=True):
        if value is None:
            continue
        if name == "kwargs_special":
            value = {key: value[key] for key in SPECIAL_KEYS if key in value}
        else:
            value = [{key: v for key, v in kwargs.items() if key not in STATIC_KEYS}
                     for kwargs in value]
        result[name] = value
    return result


def band_spec(model, kwargs_tuple, band_pytree_selector=None) -> FunctionalSpec:
    """Static configuration and solver image positions of band ``model`` for one call."""
    pytree = {name: value for name, value in zip(KWARGS_NAMES, kwargs_tuple, strict=True)
              if value is not None}
    if band_pytree_selector is not None:
        pytree = band_pytree_selector(pytree)
    return prepare(model, pytree)


def _strip(kwargs_list, static_pairs):
    if kwargs_list is None:
        return None
    return [{key: value for key, value in kwargs.items() if key not in dict(pairs)}
            for kwargs, pairs in zip(kwargs_list, static_pairs, strict=True)]


def pure_inputs(model, kwargs: dict, spec: FunctionalSpec | None):
    """Engine inputs of band ``model`` from a (band-subset, possibly traced) pytree.

    Returns ``(inputs, static)`` as ``ImageLinearFit._dynamic_inputs`` does, without
    touching values.
    """
    lens, source, light, ps, extinction, special = as_tuple(kwargs)
    lens, source, light = lens or [], source or [], light or []
    if spec is None:
        static = model._static_of(source, light, extinction)
        solved = None
        if model.PointSource.point_source_type_list and any(model.PointSource.uses_solver):
            raise ValueError("point sources solved by the lens equation need a kwargs_template "
                             "to build the functional likelihood")
    else:
        static, solved = spec.static, spec.solved
    source_static, light_static, ext_static = static
    source = _strip(source, source_static) if source_static else source
    light = _strip(light, light_static) if light_static else light
    if extinction:
        extinction = _strip(extinction, ext_static) if ext_static else extinction
    else:
        extinction = None
    tau0_list = None if special is None else special.get("tau0_list")
    shifts = None
    if special is not None and "delta_x_image" in special:
        shifts = {"delta_x_image": special["delta_x_image"],
                  "delta_y_image": special["delta_y_image"]}
    if not model.PointSource.point_source_type_list:
        ps = None
    return (lens, source, light, extinction, tau0_list, ps, solved, shifts), static


def pure_error_map(model, kwargs_lens, kwargs_ps, solved, shifts):
    """PSF-variance error map of band ``model`` (pure; zeros without a variance map)."""
    shape = (model.Data.ny, model.Data.nx)
    if not model._psf_error_map or not model.PointSource.point_source_type_list:
        return jnp.zeros(shape)
    error = jnp.zeros(shape)
    data = jnp.asarray(model.Data.data_finite)
    for k, use in enumerate(model._psf_error_map_bool_list):
        if not use:
            continue
        ra, dec, _ = model.PointSource.point_source_arrays(kwargs_ps, kwargs_lens, solved,
                                                          shifts, k=k, with_amp=False)
        if ra.shape[0]:
            error = error + model.ImageNumerics.psf_variance_map(ra, dec, None, data)
    return error


def stack_parameter_sets(params_batch):
    """A list of parameter pytrees -> one pytree with a leading batch axis (else unchanged)."""
    if isinstance(params_batch, (list, tuple)):
        if not params_batch:
            raise ValueError("params_batch is empty")
        # stacked on the host (numpy): one transfer per leaf, no per-element dispatch
        return jax.tree.map(lambda *leaves: np.stack([np.asarray(v, dtype=float)
                                                      for v in leaves]), *params_batch)
    return params_batch


#: sets evaluated together by default (``chunk_size=None``): on a CPU a chunk's arrays stay
#: in cache (measured per set on the typical three-band likelihood, 2 cores, relative to a
#: single call: chunks of 4: 0.89, 8: 0.86, 16: 0.87, 32: 1.09, 64: 1.12); a GPU wants many
#: sets per launch. On a CPU this is the upper bound of the automatic choice (see
#: :class:`BatchFunction`)
DEFAULT_CHUNK = {"cpu": 8}
DEFAULT_CHUNK_ACCELERATOR = 256
#: last-level cache size assumed when the system does not tell (bytes)
FALLBACK_CACHE_BYTES = 32 * 2**20


def default_chunk_size() -> int:
    """Chunk size of batched evaluation on the default JAX backend (on a CPU: the largest)."""
    return DEFAULT_CHUNK.get(jax.default_backend(), DEFAULT_CHUNK_ACCELERATOR)


@functools.cache
def last_level_cache_bytes() -> int:
    """Size of the CPU's largest cache in bytes (Linux sysfs), else ``FALLBACK_CACHE_BYTES``."""
    import glob

    sizes = []
    for path in glob.glob("/sys/devices/system/cpu/cpu0/cache/index*/size"):
        try:
            with open(path) as handle:
                text = handle.read().strip().upper()
            scale = {"K": 2**10, "M": 2**20, "G": 2**30}.get(text[-1:], 1)
            sizes.append(int(text.rstrip("KMG")) * scale)
        except (OSError, ValueError):
            continue
    return max(sizes) if sizes else FALLBACK_CACHE_BYTES


class BatchFunction:
    """``function`` vectorised (``vmap``) over a leading batch axis, ``chunk_size`` sets per
    compiled call.

    Chunks run one after the other from Python (memory stays bounded for any batch size),
    each a call of one compiled ``jit(vmap(function))``: the batch sizes compiled are
    ``chunk_size`` and the remainder. (A ``lax.map`` over chunks inside one compiled call
    runs its loop body without the CPU backend's concurrency: measured 1.8x slower.)

    ``chunk_size=None`` on a CPU: chosen at the first call, as the largest chunk up to
    ``DEFAULT_CHUNK`` whose compiled scratch memory fits in the last-level cache (a chunk
    that spills out of it runs at memory speed: per set, relative to one call, the
    three-band shapelets likelihood took 2.2x in chunks of 8, whose scratch memory is 238
    MB). With one set per chunk the function is compiled without ``vmap`` and called set by
    set (the vmapped program of one set held 35 MB of scratch memory against 25 MB and took
    twice as long). ``chunk_size`` then tells the choice.
    """

    def __init__(self, function, chunk_size: int | None = None):
        self._automatic = chunk_size is None and on_cpu()
        if chunk_size is None:
            chunk_size = default_chunk_size()
        if (isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer))
                or chunk_size < 1):
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
        self.chunk_size = int(chunk_size)
        self.jitted = jax.jit(jax.vmap(function))
        self._function = function
        self._single = None
        self._executables = {}  # batch size -> compiled jitted (the automatic choice's trial)

    def _choose_chunk(self, chunk) -> None:
        """Shrink the chunk until its scratch memory fits in the last-level cache."""
        self._automatic = False
        size = int(np.shape(jax.tree.leaves(chunk)[0])[0])
        compiled = self.jitted.lower(chunk).compile()
        analysis = compiled.memory_analysis()
        if analysis is None:
            return
        per_set = max(int(analysis.temp_size_in_bytes), 1) / size
        fitting = int(last_level_cache_bytes() // per_set)
        self.chunk_size = max(1, min(self.chunk_size, fitting))
        if self.chunk_size == 1:
            self._single = jax.jit(self._function)
        else:  # the trial serves every chunk of its size
            self._executables[size] = compiled

    def _call_chunk(self, chunk, length: int):
        executable = self._executables.get(length)
        return executable(chunk) if executable is not None else self.jitted(chunk)

    def _call_sets(self, stacked, on_host: bool, size: int):
        """Chunks of one set: the sets from host values (a slice of a device array is a
        dispatch per leaf), ``SETS_IN_FLIGHT`` at a time, their outputs stacked once (an
        ``[None]`` per set cost 0.3 ms, 3 % of a shapelet likelihood).

        One call keeps the CPU's cores busy only part of the time (the three-band shapelet
        likelihood: 1.3 cores of 2); two calls in flight fill the gaps (per set, relative to
        one call: 0.92, against 1.0 one after the other)."""
        host = stacked if on_host else jax.device_get(stacked)
        sets = [jax.tree.map(lambda leaf, i=i: leaf[i], host) for i in range(size)]
        first = self._single(sets[0])  # compiles, if needed, before the threads start
        if size == 1:
            return first[None]
        rest = list(_set_pool().map(self._single, sets[1:]))
        return jnp.stack([first, *rest])

    def __call__(self, stacked):
        leaves = jax.tree.leaves(stacked)
        if not leaves:
            raise ValueError("the parameter batch has no values")
        size = int(np.shape(leaves[0])[0])
        on_host = all(isinstance(leaf, np.ndarray) for leaf in leaves)

        def take(start: int, length: int):
            if on_host:  # numpy views: only the chunk travels to the device
                return jax.tree.map(lambda leaf: leaf[start:start + length], stacked)
            return _take_chunk(stacked, start, length)  # one compiled slice for every start

        if self._automatic:
            self._choose_chunk(take(0, min(size, self.chunk_size)))
        if self._single is not None:
            return self._call_sets(stacked, on_host, size)
        if size <= self.chunk_size:
            return self._call_chunk(stacked, size)
        outputs = []
        for start in range(0, size, self.chunk_size):
            length = min(self.chunk_size, size - start)
            outputs.append(self._call_chunk(take(start, length), length))
        return jnp.concatenate(outputs)


#: likelihood calls running at once in a batch of one set per chunk (CPU; see
#: :meth:`BatchFunction._call_sets`). Two, not one per core: with four on 2 cores, single
#: calls made after the batch ran erratically slower (13-22 ms instead of 11.5)
SETS_IN_FLIGHT = 2


@functools.cache
def _set_pool():
    """The worker threads of :meth:`BatchFunction._call_sets` (compiled calls release the
    GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=SETS_IN_FLIGHT, thread_name_prefix="chromalens")


@functools.partial(jax.jit, static_argnums=2)
def _take_chunk(stacked, start, length: int):
    """Sets ``start:start + length`` of a stacked pytree of device arrays (traced start)."""
    return jax.tree.map(lambda leaf: jax.lax.dynamic_slice_in_dim(leaf, start, length), stacked)


def batch_function(function, chunk_size: int | None = None) -> BatchFunction:
    """Compiled map of ``function`` over a leading batch axis (see :class:`BatchFunction`)."""
    return BatchFunction(function, chunk_size)


def _has_static_keys(params) -> bool:
    """Whether a parameter pytree holds shape-fixing keys (``n_max``) in its profile lists."""
    if not isinstance(params, dict):
        return False
    return any(isinstance(kwargs, dict) and any(key in kwargs for key in STATIC_KEYS)
               for value in params.values() if isinstance(value, (list, tuple))
               for kwargs in value)


def _template_key(template) -> tuple:
    """Hashable identity of a template's structure and values (cache key of compiled
    batch functions: equal templates share one compilation)."""
    leaves, treedef = jax.tree.flatten(template)
    return str(treedef), tuple((np.shape(leaf), np.asarray(leaf).tobytes()) for leaf in leaves)


def log_likelihood_batch(model, params_batch, kwargs_template=None,
                         chunk_size: int | None = None, **options):
    """``model.log_likelihood_function(...)`` mapped over a batch (see the class methods).

    A list whose sets hold shape-fixing keys (SHAPELETS ``n_max``) uses its first set as the
    template (those keys must then be equal in every set). Compiled batch functions are
    cached on ``model`` per (chunk_size, options, template), so repeated calls never
    recompile.
    """
    if (kwargs_template is None and isinstance(params_batch, (list, tuple)) and params_batch
            and _has_static_keys(params_batch[0])):
        kwargs_template = params_batch[0]
    stacked = stack_parameter_sets(params_batch)
    template_key = None if kwargs_template is None else _template_key(kwargs_template)
    key = (chunk_size, tuple(sorted(options.items())), template_key)
    cache = model.__dict__.setdefault("_batch_cache", {})
    if key not in cache:
        cache[key] = batch_function(model.log_likelihood_function(kwargs_template, **options),
                                    chunk_size)
    return np.asarray(cache[key](stacked))
