"""Pixel grid: the linear map between pixel indices and angular coordinates.

Conventions (those of the reference):

* pixel ``(x, y)`` is the centre of ``image[y, x]``: ``x`` is the column index, ``y`` the row;
* ``ra = ra_at_xy_0 + T[0, 0] x + T[0, 1] y`` and ``dec = dec_at_xy_0 + T[1, 0] x + T[1, 1] y``
  with ``T = transform_pix2angle`` (arcsec per pixel). A negative ``T[0, 0]`` makes RA grow to
  the left, as on the sky (the shipped HST cutouts are like that);
* 1-D coordinate arrays run row-major over the ``(ny, nx)`` image.

The mapping functions are written element-wise so that they accept numpy arrays, Python
scalars and traced JAX arrays alike.
"""

from __future__ import annotations

import numpy as np


class PixelGrid:
    """A rectangular pixel grid with a linear pixel-to-angle transform.

    Parameters
    ----------
    nx, ny : int
        Number of pixels along x (columns) and y (rows).
    transform_pix2angle : array_like, shape (2, 2)
        Matrix mapping a pixel step ``(dx, dy)`` to an angular step ``(dra, ddec)``, arcsec.
    ra_at_xy_0, dec_at_xy_0 : float
        Angular coordinates (arcsec) of the centre of pixel ``(0, 0)``.
    """

    def __init__(self, nx: int, ny: int, transform_pix2angle, ra_at_xy_0: float,
                 dec_at_xy_0: float):
        for name, n in (("nx", nx), ("ny", ny)):
            if int(n) != n or n < 1:
                raise ValueError(f"PixelGrid: {name} must be a positive integer, got {n!r}")
        transform = np.asarray(transform_pix2angle, dtype=float)
        if transform.shape != (2, 2):
            raise ValueError(
                f"transform_pix2angle must have shape (2, 2), got {transform.shape}"
            )
        if not np.all(np.isfinite(transform)):
            raise ValueError("transform_pix2angle must be finite")
        det = np.linalg.det(transform)
        if det == 0:
            raise ValueError("transform_pix2angle is singular (determinant 0)")
        for name, value in (("ra_at_xy_0", ra_at_xy_0), ("dec_at_xy_0", dec_at_xy_0)):
            if not np.isfinite(value):
                raise ValueError(f"{name} must be finite, got {value!r}")
        self._nx, self._ny = int(nx), int(ny)
        self._transform_pix2angle = transform
        self._transform_angle2pix = np.linalg.inv(transform)
        self._ra_at_xy_0 = float(ra_at_xy_0)
        self._dec_at_xy_0 = float(dec_at_xy_0)
        self._x_at_radec_0, self._y_at_radec_0 = _linear_map(
            -self._ra_at_xy_0, -self._dec_at_xy_0, 0.0, 0.0, self._transform_angle2pix
        )
        self._ra_grid, self._dec_grid = self.map_pix2coord(*self._pixel_indices(1))

    # ------------------------------------------------------------------ transforms
    @property
    def transform_pix2angle(self) -> np.ndarray:
        """(2, 2) matrix: pixel step -> angular step (arcsec per pixel)."""
        return self._transform_pix2angle

    @property
    def transform_angle2pix(self) -> np.ndarray:
        """(2, 2) matrix: angular step -> pixel step (inverse of ``transform_pix2angle``)."""
        return self._transform_angle2pix

    @property
    def radec_at_xy_0(self) -> tuple[float, float]:
        """(ra, dec) of the centre of pixel (0, 0), arcsec."""
        return self._ra_at_xy_0, self._dec_at_xy_0

    @property
    def xy_at_radec_0(self) -> tuple[float, float]:
        """Pixel coordinates (x, y) of the angular origin."""
        return self._x_at_radec_0, self._y_at_radec_0

    def map_coord2pix(self, ra, dec):
        """Angular coordinates (arcsec) -> pixel coordinates ``(x, y)``; any array shape."""
        return _linear_map(ra, dec, self._x_at_radec_0, self._y_at_radec_0,
                           self._transform_angle2pix)

    def map_pix2coord(self, x, y):
        """Pixel coordinates ``(x, y)`` (pixel centres at integers) -> ``(ra, dec)`` arcsec."""
        return _linear_map(x, y, self._ra_at_xy_0, self._dec_at_xy_0,
                           self._transform_pix2angle)

    # ------------------------------------------------------------------ sizes
    @property
    def nx(self) -> int:
        """Number of pixels along x (columns)."""
        return self._nx

    @property
    def ny(self) -> int:
        """Number of pixels along y (rows)."""
        return self._ny

    @property
    def num_pixel(self) -> int:
        """Total number of pixels, ``nx * ny``."""
        return self._nx * self._ny

    @property
    def num_pixel_axes(self) -> tuple[int, int]:
        """``(nx, ny)``, as the reference returns it."""
        return self._nx, self._ny

    @property
    def pixel_area(self) -> float:
        """Solid angle of one pixel, arcsec^2 (``|det T|``)."""
        return float(abs(np.linalg.det(self._transform_pix2angle)))

    @property
    def pixel_width(self) -> float:
        """Pixel size, arcsec (``sqrt(pixel_area)``)."""
        return float(np.sqrt(self.pixel_area))

    @property
    def width(self) -> tuple[float, float]:
        """Angular extent ``(nx, ny) * pixel_width``, arcsec."""
        return self._nx * self.pixel_width, self._ny * self.pixel_width

    @property
    def center(self) -> tuple[float, float]:
        """Mean (ra, dec) of all pixel centres, arcsec."""
        return float(np.mean(self._ra_grid)), float(np.mean(self._dec_grid))

    # ------------------------------------------------------------------ grids
    @property
    def pixel_coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(ra, dec) of every pixel centre as two ``(ny, nx)`` arrays, arcsec."""
        return self._ra_grid, self._dec_grid

    def coordinate_grid(self, nx: int | None = None, ny: int | None = None):
        """Pixel-centre coordinates as two ``(ny, nx)`` arrays (the grid's own size)."""
        if (nx is not None and nx != self._nx) or (ny is not None and ny != self._ny):
            raise ValueError(
                f"coordinate_grid: grid is {self._nx}x{self._ny}, asked for {nx}x{ny}"
            )
        return self._ra_grid, self._dec_grid

    def supersampled_coordinates(self, supersampling_factor: int):
        """Sub-pixel centres of an ``s x s`` split of every pixel.

        Parameters
        ----------
        supersampling_factor : int
            ``s >= 1``.

        Returns
        -------
        ra, dec : ndarray, shape (ny * s, nx * s)
            Sub-pixel centres at offsets ``-1/2 + (j + 1/2)/s`` pixel steps along each pixel
            axis (rotations and shears of the grid are honoured); flatten row-major for the
            reference's 1-D order.
        """
        s = _check_factor(supersampling_factor)
        return self.map_pix2coord(*self._pixel_indices(s))

    def _pixel_indices(self, s: int):
        offsets = (np.arange(s) + 0.5) / s - 0.5
        x = (np.arange(self._nx)[:, None] + offsets[None, :]).ravel()
        y = (np.arange(self._ny)[:, None] + offsets[None, :]).ravel()
        return np.meshgrid(x, y)

    def shift_coordinate_system(self, x_shift: float, y_shift: float,
                                pixel_unit: bool = False) -> None:
        """Move the angular origin: pixel (0, 0) gets ``ra += x_shift, dec += y_shift``.

        With ``pixel_unit=True`` the shift is given in pixels along (x, y).
        """
        if pixel_unit:
            ra, dec = self.map_pix2coord(x_shift, y_shift)
            x_shift, y_shift = ra - self._ra_at_xy_0, dec - self._dec_at_xy_0
        PixelGrid.__init__(self, self._nx, self._ny, self._transform_pix2angle,
                           self._ra_at_xy_0 + x_shift, self._dec_at_xy_0 + y_shift)


def _linear_map(a, b, a0, b0, matrix):
    """``(a, b) -> matrix @ (a, b) + (a0, b0)``, element-wise for any array type."""
    return (matrix[0, 0] * a + matrix[0, 1] * b + a0,
            matrix[1, 0] * a + matrix[1, 1] * b + b0)


def _check_factor(factor) -> int:
    if isinstance(factor, bool) or int(factor) != factor or factor < 1:
        raise ValueError(f"supersampling_factor must be a positive integer, got {factor!r}")
    return int(factor)
