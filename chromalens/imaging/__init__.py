"""Single-band imaging: numerics (supersampling, convolution, point-source rendering)."""

from .numerics import NUMERICS_KEYS, Numerics

__all__ = ["NUMERICS_KEYS", "Numerics"]
