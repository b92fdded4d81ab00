"""Single-band imaging: numerics (supersampling, convolution), image model, linear fit."""

from .image_model import ImageModel
from .linear_fit import ImageLinearFit
from .numerics import NUMERICS_KEYS, Numerics

__all__ = ["NUMERICS_KEYS", "ImageLinearFit", "ImageModel", "Numerics"]
