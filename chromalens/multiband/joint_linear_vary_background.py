"""Joint linear solve with a free constant sky background per band."""

from __future__ import annotations

import numpy as np

from .joint_linear import JointLinear

__all__ = ["JointLinear_VaryBG"]


class JointLinear_VaryBG(JointLinear):  # noqa: N801  (the reference's public name)
    """:class:`JointLinear` plus one constant background per band.

    ``image_linear_solve`` returns ``(list of model images, list of error maps, cov_param of
    shape (m + num_bands, m + num_bands) or None, param of length m + num_bands)`` with the
    backgrounds last, in band order; ``likelihood_data_given_model`` returns ``(logL, param)``.

    The linear vector is ``[model amplitudes (m), background of band 0, ..., band B-1]``;
    the background of band ``i`` is a response row of ones over that band's masked pixels and
    zeros elsewhere, in data units per pixel (not multiplied by ``flux_scaling``).

    The intended workflow (as the reference recommends): fit each band with
    :class:`MultiLinear`, set the relative amplitudes as ``flux_scaling`` per band, then solve
    jointly here to get the sources and per-band skies.

    A band switched off by ``compute_bool`` has no pixels in the solve: its background row is
    dropped from the solve and its background reported as 0 (with zero covariance), instead
    of the reference's singular system that zeroes every parameter.
    """

    def _background_rows(self, band_sizes) -> np.ndarray:
        rows = np.zeros((len(band_sizes), int(np.sum(band_sizes))))
        start = 0
        for row, size in enumerate(band_sizes):
            rows[row, start:start + size] = 1.0
            start += size
        return rows

    def linear_response_matrix(self, kwargs_lens=None, kwargs_source=None,
                               kwargs_lens_light=None, kwargs_ps=None, kwargs_extinction=None,
                               kwargs_special=None) -> np.ndarray:
        """Joint response with background rows, shape (m + num_bands, total masked pixels).

        Row ``m + i`` is one over band ``i``'s pixels (all zero for a skipped band).
        """
        A = self._solve_matrix(kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                               kwargs_extinction, kwargs_special)
        return self._expand_rows(A)

    _solve_background = True

    def _solve_matrix(self, kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
                      kwargs_extinction, kwargs_special) -> np.ndarray:
        """Response used in the solve: model rows + one background row per computed band."""
        responses = self._band_responses(kwargs_lens, kwargs_source, kwargs_lens_light,
                                         kwargs_ps, kwargs_extinction, kwargs_special)
        sizes = [self._num_response_list[band] for band in self._computed_bands()]
        return np.vstack([np.concatenate(responses, axis=1), self._background_rows(sizes)])

    def _expand_rows(self, A_solve: np.ndarray) -> np.ndarray:
        computed = self._computed_bands()
        m = A_solve.shape[0] - len(computed)
        full = np.zeros((m + self._num_bands, A_solve.shape[1]))
        full[:m] = A_solve[:m]
        for row, band in enumerate(computed):
            full[m + band] = A_solve[m + row]
        return full

    def _public_param(self, param, cov):
        """Insert zero backgrounds (and covariances) for the skipped bands."""
        computed = self._computed_bands()
        m = len(param) - len(computed)
        index = np.concatenate([np.arange(m), m + np.asarray(computed, dtype=int)])
        full = np.zeros(m + self._num_bands)
        full[index] = param
        if cov is None:
            return full, None
        full_cov = np.zeros((m + self._num_bands, m + self._num_bands))
        full_cov[np.ix_(index, index)] = cov
        return full, full_cov

    def backgrounds(self, param) -> np.ndarray:
        """The per-band backgrounds (last ``num_bands`` entries of ``param``)."""
        return np.asarray(param)[-self._num_bands:]
