"""Process settings that keep XLA's CPU runtime from page-faulting its buffers on every call.

An XLA executable allocates one temporary buffer per call for all of its intermediates (the
three-band 200x200 likelihood's gradient: 119 MB; the shapelet gradient: 62 MB), plus its
outputs. glibc's malloc serves blocks above its mmap threshold (at most 32 MB by default)
with a fresh ``mmap`` and gives them back with ``munmap`` when they are freed, and it trims
the top of its heap back to the system as soon as 128 kB or more lie free there. Each call
then touches brand-new pages: the kernel faults in and zeroes every 4 kB page again
(measured on the 2-core development machine: 28 ms of a 52 ms gradient, 15 ms of a 41 ms
shapelet gradient; a fused kernel writing four 2.9 MB arrays 2.3 ms instead of 0.25 ms).

:func:`tune_cpu_runtime`, run when ``chromalens`` is imported, therefore

- raises glibc's mmap and trim thresholds to :data:`MALLOC_RETAIN_BYTES`, so that freed
  blocks stay in the heap and are reused by the next call (the process keeps up to that much
  freed memory instead of returning it to the system at once; peak memory is unchanged);
- runs JAX's CPU computations on the calling thread (``jax_cpu_enable_async_dispatch =
  False``). Blocks larger than 64 MB allocated on another thread come from that thread's own
  malloc arena, which always serves them by ``mmap`` whatever the thresholds; on the calling
  (main) thread they come from the main heap. A likelihood's value is fetched at once by
  its caller (a sampler, an optimiser, the class methods), so nothing is lost by not
  dispatching asynchronously. GPU computations are not affected.

Set ``CHROMALENS_CPU_TUNING=0`` before the import to leave both as they are. The settings are
process-wide: they also apply to other code in the same Python process. Both are skipped
where they do not apply (no glibc, JAX's CPU backend already started).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

import jax

#: glibc's mmap and trim thresholds set by :func:`tune_cpu_runtime`, bytes
MALLOC_RETAIN_BYTES = 512 * 2**20

@functools.cache
def on_cpu() -> bool:
    """Whether JAX's default backend is the CPU (programs traced now will run there)."""
    return jax.default_backend() == "cpu"


# mallopt parameter numbers (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def _set_malloc_thresholds(retain_bytes: int) -> bool:
    """Raise glibc's mmap and trim thresholds; False where there is no glibc ``mallopt``."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, retain_bytes)
                and mallopt(_M_TRIM_THRESHOLD, retain_bytes))


def _backends_started() -> bool:
    """Whether JAX has already created its backends (then dispatch settings no longer
    apply); True when this cannot be told."""
    try:
        from jax._src import xla_bridge

        return bool(xla_bridge._backends)
    except (ImportError, AttributeError):
        return True


def tune_cpu_runtime() -> dict[str, bool]:
    """Apply the process settings described in the module docstring.

    Returns
    -------
    dict
        ``{"malloc_thresholds": bool, "synchronous_cpu_dispatch": bool}``: which settings
        were applied.
    """
    applied = {"malloc_thresholds": False, "synchronous_cpu_dispatch": False}
    if os.environ.get("CHROMALENS_CPU_TUNING", "").strip().lower() in ("0", "off", "false",
                                                                       "no"):
        return applied
    if os.name == "posix":
        applied["malloc_thresholds"] = _set_malloc_thresholds(MALLOC_RETAIN_BYTES)
    if not _backends_started():
        try:
            jax.config.update("jax_cpu_enable_async_dispatch", False)
            applied["synchronous_cpu_dispatch"] = True
        except (AttributeError, KeyError, ValueError):
            pass
    return applied
