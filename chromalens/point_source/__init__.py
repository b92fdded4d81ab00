"""Point sources: image positions and amplitudes of UNLENSED, LENSED_POSITION, SOURCE_POSITION.

Two faces, one engine (see :mod:`chromalens.point_source.types` for each type's parameters).

**Class face** (the reference's ``PointSource`` API; lists of dicts in, numpy arrays out):
``image_position``, ``source_position``, ``image_amplitude``, ``source_amplitude``,
``point_source_list`` (drops zero-amplitude images), ``linear_response_set`` (``ra_pos, dec_pos,
amp, n``; optional ``kwargs_special`` astrometric shifts), ``num_basis``, ``update_linear``
(writes ``source_amp`` / ``point_amp`` in place), ``linear_param_from_kwargs``,
``check_positive_flux``, ``update_search_window``, ``update_lens_model``; ``set_save_cache`` and
``delete_lens_model_cache`` are accepted no-ops: **there is no cache and no hidden state**, the
same call twice returns the same answer.

**Functional face** (for the jit-compiled imaging core). Solving the lens equation is numpy
work with a value-dependent number of images, so it is split from rendering:

1. Outside ``jit``, once per lens / source parameter set::

       solved = point_source.solve_image_positions(kwargs_ps, kwargs_lens)

   ``solved`` has one entry per model: ``(x_image, y_image)`` numpy arrays for models listed in
   ``point_source.uses_solver`` (SOURCE_POSITION, LENSED_POSITION with additional images),
   None for the others (their positions are the kwargs ``ra_image`` / ``dec_image``).
2. Inside ``jit`` (``solved`` passed as an argument; its array lengths fix the shapes)::

       ra, dec, amp = point_source.point_source_arrays(
           kwargs_ps, kwargs_lens, solved, kwargs_special)           # image(), psf error map
       ra, dec, amp, basis_index, n_basis = point_source.linear_response_arrays(
           kwargs_ps, kwargs_lens, solved, kwargs_special)           # response matrix rows

   ``ra, dec, amp`` are flat ``(n_images,)`` jnp arrays; ``basis_index`` is a static numpy
   int array giving each image's basis function, so the point-source rows of the response
   matrix are ``segment_sum(amp[:, None] * psf_image(ra, dec), basis_index, n_basis)``.
   Solver positions get one Newton step of the lens equation inside the function
   (``refine=True``): the values change by round-off only, and the images become
   differentiable in the source position and lens parameters.
   ``image_positions`` (pure, per-model lists; note the plural: ``image_position`` is the
   numpy class-face method), ``with_linear_amplitudes`` (pure ``update_linear``),
   ``num_images_list``, ``positive_flux`` (pure ``check_positive_flux``) and the module
   function ``displace_astrometry`` (``delta_x_image`` / ``delta_y_image`` shifts) complete
   the set.

All positions in arcsec, amplitudes in flux units of the rendered image.
"""

from .point_source import PointSource, displace_astrometry
from .types import POINT_SOURCE_TYPES

__all__ = ["PointSource", "POINT_SOURCE_TYPES", "displace_astrometry"]
