"""chromalens: multi-band strong-lens imaging in JAX.

Importing the package switches JAX to float64 (``jax_enable_x64``): lens modelling needs
double precision for parity with the reference (lenstronomy) and for stable linear solves.
Set the environment variable ``CHROMALENS_PRECISION=float32`` before the import to keep
JAX's single-precision default (GPU speed studies; results then differ from the reference at
the 1e-6 level).
"""

import os

import jax

if os.environ.get("CHROMALENS_PRECISION", "float64").lower() != "float32":
    jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

__all__ = ["__version__"]
