"""Basis images that are products of two stacks of factors.

A SHAPELETS basis image is ``phi_n1(u) * phi_n2(v)``: each of its ``(n_max+1)(n_max+2)/2``
images is the product of one row of the x-Hermite stack and one row of the y-Hermite stack,
both of only ``n_max + 1`` rows. Handing the two stacks and the row pairs to the pixel binning,
instead of the images themselves, lets the binning form each product where it consumes it,
tile by tile of pixel rows (:meth:`chromalens.imaging.grids.RegularGrid.factored_block_mean`):
the images never reach memory at sub-pixel resolution, and the factors of one tile stay in
the core's cache while all the tile's images are formed from them.
"""

from __future__ import annotations

import dataclasses

import jax
import numpy as np


@jax.tree_util.register_pytree_node_class
@dataclasses.dataclass(frozen=True)
class FactoredBasis:
    """Images ``left[left_index[k]] * right[right_index[k]]``, ``k = 0 .. n - 1``.

    A pytree whose leaves are the two factor stacks; the row pairs are static.

    Attributes
    ----------
    left : array, shape (F, *points)
        First factors, evaluated at the points of the images.
    right : array, shape (G, *points)
        Second factors, at the same points.
    left_index, right_index : tuple of int, length n
        Rows of ``left`` and ``right`` whose product is image ``k``.
    """

    left: jax.Array
    right: jax.Array
    left_index: tuple[int, ...]
    right_index: tuple[int, ...]

    def __post_init__(self):
        object.__setattr__(self, "left_index", tuple(int(i) for i in self.left_index))
        object.__setattr__(self, "right_index", tuple(int(i) for i in self.right_index))
        if len(self.left_index) != len(self.right_index):
            raise ValueError("FactoredBasis: left_index and right_index differ in length "
                             f"({len(self.left_index)} and {len(self.right_index)})")

    def tree_flatten(self):
        return (self.left, self.right), (self.left_index, self.right_index)

    @classmethod
    def tree_unflatten(cls, indices, factors):
        return cls(*factors, *indices)

    def images(self) -> jax.Array:
        """All images at once, shape ``(n, *points)``."""
        return (self.left[np.asarray(self.left_index, dtype=np.int32)]
                * self.right[np.asarray(self.right_index, dtype=np.int32)])

    def with_factors(self, left, right) -> FactoredBasis:
        """The same row pairs with other factor stacks."""
        return FactoredBasis(left, right, self.left_index, self.right_index)

    def scaled(self, factor) -> FactoredBasis:
        """Every image times ``factor`` (a scalar or an array over the points); ``self``
        itself for the Python number 1 (bands then keep sharing one basis)."""
        if isinstance(factor, (int, float)) and factor == 1:
            return self
        return self.with_factors(self.left * factor, self.right)

    def reshaped(self, points_shape: tuple[int, ...]) -> FactoredBasis:
        """The same images with their points in ``points_shape``."""
        shape = tuple(points_shape)
        return self.with_factors(self.left.reshape((-1,) + shape),
                                 self.right.reshape((-1,) + shape))


def block_images(block) -> jax.Array:
    """The images of one basis block: an array as it is, a :class:`FactoredBasis` formed."""
    return block.images() if isinstance(block, FactoredBasis) else block
