"""chromalens: multi-band strong-lens imaging in JAX.

Importing the package switches JAX to float64 (``jax_enable_x64``): lens modelling needs
double precision for parity with the reference (lenstronomy) and for stable linear solves.
"""

import jax

jax.config.update("jax_enable_x64", True)

__version__ = "0.1.0"

__all__ = ["__version__"]
