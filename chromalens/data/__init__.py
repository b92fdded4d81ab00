"""The data layer: pixel grids, imaging data with its noise model, point-spread functions."""

from .image_data import ImageData
from .pixel_grid import PixelGrid
from .psf import PSF

__all__ = ["ImageData", "PixelGrid", "PSF"]
