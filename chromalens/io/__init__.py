"""Input / output: FITS loading of imaging bands."""

from .fits import load_band

__all__ = ["load_band"]
