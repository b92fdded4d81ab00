"""Where surface brightness is evaluated, and how the values become pixel images.

A pixel's flux is approximated by the midpoint rule on an ``s x s`` split of the pixel
(``s`` = supersampling factor): the surface brightness is evaluated at the sub-pixel centres
and averaged. Two layouts, as in lenstronomy (Birrer & Amara 2018, Phys. Dark Universe 22, 189):

* :class:`RegularGrid` splits every (evaluated) pixel;
* :class:`AdaptiveGrid` splits only the pixels marked ``supersampled_indexes`` and evaluates
  the others once, at their centres.

Conventions (shared with :mod:`chromalens.data.pixel_grid`): an image has shape ``(ny, nx)``;
pixel ``(x, y)`` is ``image[y, x]`` and sits at ``ra = ra0 + T00 x + T01 y``,
``dec = dec0 + T10 x + T11 y``. Sub-pixel ``(j, i)`` of a pixel (``j`` along x, ``i`` along
y, both in ``0..s-1``) is offset by ``-1/2 + (j + 1/2)/s`` and ``-1/2 + (i + 1/2)/s`` pixel
steps. 1-D flux arrays follow the order of :attr:`coordinates_evaluate`.

The layouts are static (numpy index arrays, built once); the flux-to-image maps are pure
``jax.numpy`` and accept any number of leading batch axes: ``(..., N) -> (..., ny, nx)``.
"""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
import numpy as np

from chromalens._trace_sharing import shared

__all__ = ["RegularGrid", "AdaptiveGrid", "block_mean", "subpixel_offsets"]


def subpixel_offsets(supersampling_factor: int) -> np.ndarray:
    """Offsets of the sub-pixel centres from the pixel centre, in pixel steps, shape (s,)."""
    s = supersampling_factor
    return (np.arange(s) + 0.5) / s - 0.5


#: ways :func:`block_mean` can bin (see there)
BINNING_METHODS = ("contract", "reduce", "strided")


def block_mean(image, factor: int, method: str = "contract"):
    """Mean over ``factor x factor`` blocks of the last two axes.

    Parameters
    ----------
    image : array, shape (..., ny * factor, nx * factor)
    factor : int
    method : {'contract', 'reduce', 'strided'}
        The code handed to the compiler; the numbers agree to round-off.

        * ``'contract'``: contract the reshaped image with the weights ``1/factor`` along
          the sub-pixel columns (a small matrix product), then add the sub-pixel rows. An
          expensive producer (ray shooting, Sérsic) keeps its own vectorised pass and the
          binning costs a few microseconds. Measured on a 2-core machine, a single-band
          Sérsic likelihood (100 x 100 pixels, supersampling 2): 0.88-0.92 against
          1.08-1.12 ms with ``'reduce'``, whose reduction XLA hands to a library kernel
          (YNNPACK) that splits 40 000 values over two threads and waits for them (about
          60 us per image); three typical bands 1.10-1.14 against 1.26-1.30 ms.
        * ``'reduce'``: a reduction of the reshaped array.
        * ``'strided'``: a sum of ``factor^2`` strided slices, which fuses with the producer
          of ``image`` (several times faster for a stored image, or for a cheap producer such
          as shapelet products; slow for an expensive producer, evaluated at strided points).

    Returns
    -------
    array, shape (..., ny, nx)
    """
    _check_binning(method, "block_mean: method")
    if factor == 1:
        return image
    if method == "reduce":
        return _reduced_block_mean(image, factor)
    return _fast_block_mean(image, factor, method)


def _check_binning(method: str, name: str) -> None:
    if method not in BINNING_METHODS:
        raise ValueError(f"{name} must be one of {BINNING_METHODS}, got {method!r}")


def _blocks(image, factor: int):
    *batch, n_rows, n_cols = image.shape
    return image.reshape(*batch, n_rows // factor, factor, n_cols // factor, factor)


def _reduced_block_mean(image, factor: int):
    return _blocks(image, factor).mean(axis=(-3, -1))


@functools.partial(jax.custom_jvp, nondiff_argnums=(1, 2))
def _fast_block_mean(image, factor: int, method: str):
    """The ``'contract'`` or ``'strided'`` binning, with the reduction as its tangent."""
    if method == "contract":
        return _contraction(factor)(image)
    total = 0.0
    for row in range(factor):
        for col in range(factor):
            total = total + image[..., row::factor, col::factor]
    return total / (factor * factor)


@_fast_block_mean.defjvp
def _fast_block_mean_jvp(factor, method, primals, tangents):
    # the tangent by the reduction, whose transpose is a broadcast that fuses into its
    # consumer. Transposed, the strided slices become one padded full-size array per
    # sub-pixel (the gradient of a shapelet likelihood spent most of its time there), the
    # contraction another product (typical three-band gradient 3.2-3.4 against 2.9 ms)
    (image,), (tangent,) = primals, tangents
    return _fast_block_mean(image, factor, method), _reduced_block_mean(tangent, factor)


@functools.cache
def _contraction(factor: int):
    """The contraction for one binning factor, with the reduction as its batching rule."""

    @jax.custom_batching.custom_vmap
    def contract(image):
        # the sub-pixel columns (the contiguous axis) by a product with the weights, then
        # the sub-pixel rows as a sum of whole rows (no transposed copy)
        weights = jnp.full((factor,), 1.0 / factor, dtype=image.dtype)
        columns = jnp.einsum("...yixj,j->...yix", _blocks(image, factor), weights)
        total = columns[..., 0, :]
        for row in range(1, factor):
            total = total + columns[..., row, :]
        return total / factor

    @contract.def_vmap
    def _batched(axis_size, in_batched, image):
        # vmapped, the contraction ran twice as slow as the reduction (measured: 64 sets of
        # the large three-band likelihood, 14.6 against 7.7-8.0 ms per set)
        del axis_size
        return _reduced_block_mean(image, factor), in_batched[0]

    return contract


#: bytes of factor values (both stacks) that one tile of a factored basis reads: the tile's
#: factors then stay in the cores' own caches while all its images are formed from them.
#: Untiled, each image streams its two factor rows from the shared cache (66 shapelet images
#: of 100 x 100 pixels at supersampling 2: 640 kB per image, 42 MB per call). Measured on a
#: 2-core machine with 1 MB of L2 cache per core, single-band shapelet likelihood: 6.3 ms
#: untiled, 5.4-5.5 ms with tiles of 0.5 MB, 5.3 ms with 1 or 2 MB, 6.1 ms with 3 MB
FACTOR_TILE_BYTES = 2**20
#: at most this many tiles (one compiled loop each); larger images get larger tiles
MAX_FACTOR_TILES = 32


def factored_tile_rows(basis, nx: int, factor: int, ny: int) -> int:
    """Pixel rows per tile of :meth:`RegularGrid.factored_block_mean` (see
    :data:`FACTOR_TILE_BYTES`)."""
    rows_of_factors = basis.left.shape[0] + basis.right.shape[0]
    itemsize = np.dtype(jnp.result_type(basis.left, basis.right)).itemsize
    row_bytes = rows_of_factors * factor * factor * nx * itemsize
    rows = max(1, FACTOR_TILE_BYTES // row_bytes)
    return int(min(ny, max(rows, -(-ny // MAX_FACTOR_TILES))))


def _check_mask(mask, shape: tuple[int, int], name: str) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.shape != shape:
        raise ValueError(f"{name} must have the image shape (ny, nx) = {shape}, got {mask.shape}")
    return mask.astype(bool)


class _GridBase:
    """Pixel-centre coordinates of a ``(ny, nx)`` frame with a linear pixel-to-angle map."""

    def __init__(self, nx: int, ny: int, transform_pix2angle, ra_at_xy_0: float,
                 dec_at_xy_0: float, supersampling_factor: int):
        self._nx, self._ny = int(nx), int(ny)
        self._transform = np.asarray(transform_pix2angle, dtype=float)
        self._origin = (float(ra_at_xy_0), float(dec_at_xy_0))
        self._supersampling_factor = int(supersampling_factor)

    def _pix2coord(self, x, y):
        t = self._transform
        return (self._origin[0] + t[0, 0] * x + t[0, 1] * y,
                self._origin[1] + t[1, 0] * x + t[1, 1] * y)

    @property
    def supersampling_factor(self) -> int:
        """Sub-pixels per pixel side."""
        return self._supersampling_factor

    @property
    def shape(self) -> tuple[int, int]:
        """Image shape ``(ny, nx)``."""
        return self._ny, self._nx

    @property
    def coordinates_evaluate(self):
        """(ra, dec) of every evaluation point, two 1-D jax arrays (arcsec)."""
        return jax.device_put(self._ra_eval), jax.device_put(self._dec_eval)

    @property
    def num_evaluate(self) -> int:
        """Number of evaluation points N."""
        return int(self._ra_eval.size)


class RegularGrid(_GridBase):
    """Every evaluated pixel split into ``s x s`` sub-pixels.

    Parameters
    ----------
    nx, ny : int
        Frame size in pixels.
    transform_pix2angle : array_like, shape (2, 2)
        Pixel step to angular step (arcsec per pixel).
    ra_at_xy_0, dec_at_xy_0 : float
        Coordinates of pixel (0, 0), arcsec.
    supersampling_factor : int
        ``s >= 1``.
    flux_evaluate_indexes : bool array, shape (ny, nx), optional
        Pixels whose sub-pixels are evaluated; the others get zero flux. ``None``: all.

    Notes
    -----
    Evaluation points run row-major over the ``(ny s, nx s)`` super-image, restricted to the
    sub-pixels of ``flux_evaluate_indexes``. (The reference maps that mask to the wrong
    sub-pixels for ``s > 1``; here each pixel's own ``s x s`` block is used.)
    """

    def __init__(self, nx: int, ny: int, transform_pix2angle, ra_at_xy_0: float,
                 dec_at_xy_0: float, supersampling_factor: int = 1,
                 flux_evaluate_indexes=None):
        super().__init__(nx, ny, transform_pix2angle, ra_at_xy_0, dec_at_xy_0,
                         supersampling_factor)
        s = self._supersampling_factor
        offsets = subpixel_offsets(s)
        x_sub = (np.arange(self._nx)[:, None] + offsets[None, :]).ravel()
        y_sub = (np.arange(self._ny)[:, None] + offsets[None, :]).ravel()
        x_grid, y_grid = np.meshgrid(x_sub, y_sub)
        ra, dec = self._pix2coord(x_grid.ravel(), y_grid.ravel())
        if flux_evaluate_indexes is None:
            self._index = None
            self._ra_eval, self._dec_eval = ra, dec
        else:
            mask = _check_mask(flux_evaluate_indexes, self.shape, "flux_evaluate_indexes")
            mask_sub = np.repeat(np.repeat(mask, s, axis=0), s, axis=1).ravel()
            self._index = np.flatnonzero(mask_sub)
            self._ra_eval, self._dec_eval = ra[self._index], dec[self._index]

    def _super_image(self, flux_array):
        s = self._supersampling_factor
        flux_array = jnp.asarray(flux_array)
        batch = flux_array.shape[:-1]
        n_sub = self._ny * s * self._nx * s
        if self._index is None:
            flat = flux_array
        else:
            flat = jnp.zeros(batch + (n_sub,), dtype=flux_array.dtype)
            flat = flat.at[..., self._index].set(flux_array)
        return flat.reshape(batch + (self._ny * s, self._nx * s))

    def flux_array2image_low_high(self, flux_array, high_res_return: bool = True,
                                  binning: str = "contract"):
        """Pixel image and (optionally) super-image from the evaluated values.

        Parameters
        ----------
        flux_array : array, shape (..., N)
            Surface brightness at :attr:`coordinates_evaluate`.
        high_res_return : bool
            Also return the super-image (only when ``s > 1``).
        binning : {'contract', 'reduce', 'strided'}
            Binning code (see :func:`block_mean`).

        Returns
        -------
        low : array, shape (..., ny, nx)
            Block mean of the super-image (the pixel-averaged surface brightness).
        high : array, shape (..., ny s, nx s) or None
        """
        image = self._super_image(flux_array)
        _check_binning(binning, "binning")
        s = self._supersampling_factor
        if s == 1:
            return image, None
        return block_mean(image, s, binning), (image if high_res_return else None)

    def factored_block_mean(self, basis):
        """Pixel images of a factored basis (the ``low`` of
        :meth:`flux_array2image_low_high`), formed tile by tile of pixel rows.

        Parameters
        ----------
        basis : FactoredBasis
            Factors at :attr:`coordinates_evaluate`, shapes ``(F, N)`` and ``(G, N)``.

        Returns
        -------
        array, shape (n, ny, nx)
            Equal to ``block_mean`` of the super-images of ``basis.images()`` (the same
            sums in the same order), each tile's products formed inside its binning (see
            :data:`FACTOR_TILE_BYTES`). With ``flux_evaluate_indexes``, the images are formed
            at once and scattered into the super-image.
        """
        s = self._supersampling_factor
        if self._index is not None:
            return self.flux_array2image_low_high(basis.images(), high_res_return=False,
                                                  binning="strided")[0]
        # bands on grids of one layout share the result (their basis is one object)
        key = ("factored block mean", self._ny, self._nx, s, basis.left_index,
               basis.right_index)
        return shared(key, (basis.left, basis.right), lambda: self._factored_tiles(basis))

    def _factored_tiles(self, basis):
        s = self._supersampling_factor
        factors = basis.reshaped((self._ny * s, self._nx * s))
        rows = factored_tile_rows(factors, self._nx, s, self._ny)
        tiles = []
        for start in range(0, self._ny, rows):
            stop = min(start + rows, self._ny)
            tile = factors.with_factors(factors.left[:, start * s:stop * s],
                                        factors.right[:, start * s:stop * s])
            tiles.append(block_mean(tile.images(), s, "strided"))
        return jnp.concatenate(tiles, axis=-2)


class AdaptiveGrid(_GridBase):
    """Only the pixels in ``supersampled_indexes`` are split into ``s x s`` sub-pixels.

    Parameters
    ----------
    nx, ny, transform_pix2angle, ra_at_xy_0, dec_at_xy_0 : see :class:`RegularGrid`
    supersampled_indexes : bool array, shape (ny, nx)
        Pixels evaluated on the ``s x s`` sub-grid.
    supersampling_factor : int
    flux_evaluate_indexes : bool array, shape (ny, nx), optional
        Pixels evaluated at all (both kinds); others get zero flux. ``None``: all.

    Notes
    -----
    Evaluation order: first the centres of the evaluated, not-supersampled pixels (row-major),
    then for each evaluated supersampled pixel (row-major) its ``s^2`` sub-pixels, row-major
    within the pixel.
    """

    def __init__(self, nx: int, ny: int, transform_pix2angle, ra_at_xy_0: float,
                 dec_at_xy_0: float, supersampled_indexes, supersampling_factor: int,
                 flux_evaluate_indexes=None):
        super().__init__(nx, ny, transform_pix2angle, ra_at_xy_0, dec_at_xy_0,
                         supersampling_factor)
        s = self._supersampling_factor
        supersampled = _check_mask(supersampled_indexes, self.shape, "supersampled_indexes")
        if flux_evaluate_indexes is None:
            evaluate = np.ones(self.shape, dtype=bool)
        else:
            evaluate = _check_mask(flux_evaluate_indexes, self.shape, "flux_evaluate_indexes")
        self._low_index = np.flatnonzero((~supersampled & evaluate).ravel())
        self._high_index = np.flatnonzero((supersampled & evaluate).ravel())
        self._num_low = self._low_index.size
        y_pix, x_pix = np.divmod(np.arange(self._nx * self._ny), self._nx)
        ra_low, dec_low = self._pix2coord(x_pix[self._low_index], y_pix[self._low_index])
        offsets = subpixel_offsets(s)
        # sub-pixel (i, j): i along y (rows), j along x (columns); row-major within a pixel
        dy = np.repeat(offsets, s)
        dx = np.tile(offsets, s)
        x_high = (x_pix[self._high_index][:, None] + dx[None, :]).ravel()
        y_high = (y_pix[self._high_index][:, None] + dy[None, :]).ravel()
        ra_high, dec_high = self._pix2coord(x_high, y_high)
        self._ra_eval = np.concatenate([ra_low, ra_high])
        self._dec_eval = np.concatenate([dec_low, dec_high])
        # flat index into the (ny s, nx s) super-image of each high-resolution value
        rows = (y_pix[self._high_index][:, None] * s + np.repeat(np.arange(s), s)[None, :])
        cols = (x_pix[self._high_index][:, None] * s + np.tile(np.arange(s), s)[None, :])
        self._high_sub_index = (rows * (self._nx * s) + cols).ravel()

    def flux_array2image_low_high(self, flux_array, high_res_return: bool = True,
                                  binning: str = "contract"):
        """Pixel image (supersampled pixels averaged) and the partial super-image.

        Parameters
        ----------
        flux_array : array, shape (..., N)
        high_res_return : bool
        binning : {'contract', 'reduce', 'strided'}
            Accepted for the regular grid's signature (checked, no effect here).

        Returns
        -------
        low : array, shape (..., ny, nx)
        high : array, shape (..., ny s, nx s) or None
            Sub-pixel values of the supersampled pixels, zero elsewhere.
        """
        _check_binning(binning, "binning")
        s = self._supersampling_factor
        flux_array = jnp.asarray(flux_array)
        batch = flux_array.shape[:-1]
        low_values = flux_array[..., :self._num_low]
        high_values = flux_array[..., self._num_low:]
        pixel_means = high_values.reshape(batch + (-1, s * s)).mean(axis=-1)
        flat = jnp.zeros(batch + (self._nx * self._ny,), dtype=flux_array.dtype)
        flat = flat.at[..., self._low_index].set(low_values)
        flat = flat.at[..., self._high_index].set(pixel_means)
        low = flat.reshape(batch + (self._ny, self._nx))
        if not high_res_return:
            return low, None
        high = jnp.zeros(batch + (self._nx * s * self._ny * s,), dtype=flux_array.dtype)
        high = high.at[..., self._high_sub_index].set(high_values)
        return low, high.reshape(batch + (self._ny * s, self._nx * s))
