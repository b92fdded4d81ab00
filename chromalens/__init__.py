"""chromalens: multi-band strong-lens imaging in JAX.

Importing the package switches JAX to float64 (``jax_enable_x64``): lens modelling needs
double precision for parity with the reference (lenstronomy) and for stable linear solves.
Set the environment variable ``CHROMALENS_PRECISION=float32`` before the import to keep
JAX's single-precision default (GPU speed studies; results then differ from the reference at
the 1e-6 level).

Importing the package also turns on JAX's persistent compilation cache (compiled likelihoods
are kept on disk, so a model built again in a later Python session starts in a fraction of
the compile time and with ~100 MB less peak memory), in ``$XDG_CACHE_HOME/chromalens/xla``
(default ``~/.cache/chromalens/xla``, at most 1 GB, least recently used entries evicted).
``CHROMALENS_COMPILATION_CACHE=0`` turns it off, ``CHROMALENS_COMPILATION_CACHE=/some/dir``
moves it; a cache directory already configured for JAX (``JAX_COMPILATION_CACHE_DIR`` or
``jax.config``) is left as it is.

Importing the package also keeps XLA's CPU runtime from page-faulting its buffers on every
call (glibc malloc thresholds, synchronous CPU dispatch; see :mod:`chromalens.cpu_runtime`,
``CHROMALENS_CPU_TUNING=0`` turns it off).
"""

import os

import jax

if os.environ.get("CHROMALENS_PRECISION", "float64").lower() != "float32":
    jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

__all__ = ["__version__"]

#: compilations shorter than this (seconds) are not written to the persistent cache
CACHE_MIN_COMPILE_TIME_S = 0.2
#: size bound of the persistent cache, bytes
CACHE_MAX_SIZE = 2**30


def _enable_compilation_cache() -> str | None:
    """Point JAX's persistent compilation cache at chromalens's cache directory.

    Returns the directory in use, or None when the cache stays off. Never raises: a cache
    that cannot be set up (read-only home, old JAX) only costs compile time.
    """
    setting = os.environ.get("CHROMALENS_COMPILATION_CACHE", "").strip()
    if setting.lower() in ("0", "off", "false", "no"):
        return None
    try:
        if jax.config.jax_compilation_cache_dir:  # the user's own choice wins
            return jax.config.jax_compilation_cache_dir
        if setting:
            path = os.path.expanduser(setting)
        else:
            base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                                    ".cache")
            path = os.path.join(base, "chromalens", "xla")
        os.makedirs(path, exist_ok=True)
        if not os.access(path, os.W_OK):
            return None
        jax.config.update("jax_compilation_cache_dir", path)
        if jax.config.jax_persistent_cache_min_compile_time_secs == 1.0:  # JAX's default
            jax.config.update("jax_persistent_cache_min_compile_time_secs",
                              CACHE_MIN_COMPILE_TIME_S)
        if jax.config.jax_compilation_cache_max_size == -1:  # JAX's default: unbounded
            import importlib.util

            if importlib.util.find_spec("filelock") is not None:  # JAX's eviction needs it
                jax.config.update("jax_compilation_cache_max_size", CACHE_MAX_SIZE)
        return path
    except (AttributeError, OSError, ValueError):
        return None


compilation_cache_dir = _enable_compilation_cache()

from chromalens.cpu_runtime import tune_cpu_runtime  # noqa: E402

#: which process settings :func:`chromalens.cpu_runtime.tune_cpu_runtime` applied at import
cpu_tuning = tune_cpu_runtime()
