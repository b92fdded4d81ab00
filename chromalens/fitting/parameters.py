"""Parameter layout: the map between a parameter pytree (lists of kwargs dicts) and a flat
vector, for optimisers and samplers.

A *parameter pytree* is the dict the functional face takes (see
:mod:`chromalens.imaging.functional`)::

    {"kwargs_lens": [{"theta_E": 1.1, ...}, ...], "kwargs_source": [...], ...}

``ParameterLayout`` decides which of its numbers are free:

* **fixed** entries keep their value (from ``kwargs_fixed``, or the template's);
* **linear amplitudes** (``amp``, ``point_amp``, ``source_amp``) are solved for inside the
  likelihood, so by default they are not in the vector;
* **shape-fixing** keys (``n_max``) and non-numeric values never are;
* **joint** parameters follow another entry (e.g. the lens-light centroid tied to the mass
  centroid): ``joint=[(("kwargs_lens_light", 0, "center_x"), ("kwargs_lens", 0, "center_x"))]``
  makes the first take the value of the second;
* array-valued parameters (``ra_image``) contribute one entry per element.

Every free entry has a name such as ``"kwargs_lens[0].theta_E"`` or
``"kwargs_ps[0].ra_image[2]"``, bounds (``lower`` / ``upper`` pytrees, default unbounded) and
optionally a Gaussian prior ``priors={name: (mean, sigma)}``. ``kwargs_from_vector`` is pure
``jax.numpy``: ``f(layout.kwargs_from_vector(x))`` is jit / vmap / grad-able in ``x``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

import jax.numpy as jnp
import numpy as np

from ..imaging.functional import KWARGS_NAMES

__all__ = ["ParameterLayout", "LINEAR_KEYS", "STATIC_KEYS"]

#: amplitudes solved by the linear solver
LINEAR_KEYS = frozenset({"amp", "point_amp", "source_amp"})
#: keys that fix array shapes, never free
STATIC_KEYS = frozenset({"n_max"})

Location = tuple[str, int, str]


def _entries(value) -> int | None:
    """Number of vector entries of a kwargs value (None: not a numeric parameter)."""
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return None
    array = np.asarray(value)
    if not np.issubdtype(array.dtype, np.number):
        return None
    if array.ndim == 0:
        return 1
    if array.ndim == 1:
        return array.shape[0]
    return None


class ParameterLayout:
    """Flat-vector view of a parameter pytree.

    Parameters
    ----------
    kwargs_template : dict
        Parameter pytree with every parameter's initial value.
    kwargs_fixed : dict, optional
        Same structure, partial dicts: entries held fixed (at the value given here).
    lower, upper : dict, optional
        Same structure, partial dicts: bounds of free entries (default -inf / +inf).
    joint : list of (location, location), optional
        ``((group, index, key), (group, index, key))``: the first follows the second.
    priors : dict, optional
        ``{name: (mean, sigma)}`` Gaussian priors on free entries.
    solve_linear : bool
        Leave the linear amplitudes out of the vector (default True).
    """

    def __init__(self, kwargs_template: dict, kwargs_fixed: dict | None = None,
                 lower: dict | None = None, upper: dict | None = None,
                 joint: Sequence[tuple[Location, Location]] | None = None,
                 priors: dict[str, tuple[float, float]] | None = None,
                 solve_linear: bool = True):
        unknown = set(kwargs_template) - set(KWARGS_NAMES)
        if unknown:
            raise ValueError(f"kwargs_template: unknown entries {sorted(unknown)}")
        self._template = copy.deepcopy(kwargs_template)
        kwargs_fixed = kwargs_fixed or {}
        self._joint = {tuple(a): tuple(b) for a, b in (joint or [])}
        for follower, leader in self._joint.items():
            for location in (follower, leader):
                self._lookup(location)
        self._free: list[tuple[Location, int | None]] = []  # (location, element or None)
        names, lows, highs = [], [], []
        for group in KWARGS_NAMES:
            if group == "kwargs_special":
                continue
            kwargs_list = self._template.get(group) or []
            fixed_list = kwargs_fixed.get(group) or [{}] * len(kwargs_list)
            if len(fixed_list) != len(kwargs_list):
                raise ValueError(f"kwargs_fixed[{group!r}] has {len(fixed_list)} entries for "
                                 f"{len(kwargs_list)} profiles")
            for index, kwargs in enumerate(kwargs_list):
                fixed = fixed_list[index] or {}
                for key in fixed:
                    if key not in kwargs:
                        raise ValueError(f"kwargs_fixed[{group!r}][{index}]: {key!r} is not a "
                                         f"parameter of that profile")
                    kwargs[key] = copy.deepcopy(fixed[key])
                for key in sorted(kwargs):
                    value = kwargs[key]
                    count = _entries(value)
                    location = (group, index, key)
                    if (count is None or key in fixed or key in STATIC_KEYS
                            or (solve_linear and key in LINEAR_KEYS)
                            or location in self._joint):
                        continue
                    low = _bound(lower, group, index, key, -np.inf, count)
                    high = _bound(upper, group, index, key, np.inf, count)
                    if np.ndim(value) == 0:
                        self._free.append((location, None))
                        names.append(f"{group}[{index}].{key}")
                        lows.append(float(low[0]))
                        highs.append(float(high[0]))
                    else:
                        for element in range(count):
                            self._free.append((location, element))
                            names.append(f"{group}[{index}].{key}[{element}]")
                            lows.append(float(low[element]))
                            highs.append(float(high[element]))
        self.names: list[str] = names
        self.lower = np.array(lows, dtype=float)
        self.upper = np.array(highs, dtype=float)
        if np.any(self.lower >= self.upper):
            bad = [n for n, lo, hi in zip(names, lows, highs, strict=True) if lo >= hi]
            raise ValueError(f"lower bound >= upper bound for {bad}")
        self.initial = self.vector_from_kwargs(self._template)
        outside = (self.initial < self.lower) | (self.initial > self.upper)
        if np.any(outside):
            bad = [n for n, o in zip(names, outside, strict=True) if o]
            raise ValueError(f"initial values outside the bounds for {bad}")
        self._priors = {}
        for name, (mean, sigma) in (priors or {}).items():
            if name not in self.names:
                raise ValueError(f"prior on {name!r}: not a free parameter; free: {self.names}")
            if not sigma > 0:
                raise ValueError(f"prior on {name!r}: sigma must be > 0")
            self._priors[self.names.index(name)] = (float(mean), float(sigma))

    def _lookup(self, location: Location):
        group, index, key = location
        try:
            return self._template[group][index][key]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"joint parameter {location}: no such entry in the template") \
                from None

    @property
    def num_param(self) -> int:
        """Number of free entries."""
        return len(self.names)

    def vector_from_kwargs(self, kwargs: dict) -> np.ndarray:
        """The free entries of ``kwargs`` as a float vector (numpy)."""
        values = []
        for (group, index, key), element in self._free:
            value = kwargs[group][index][key]
            values.append(float(value if element is None else np.asarray(value)[element]))
        return np.array(values, dtype=float)

    def kwargs_from_vector(self, x) -> dict:
        """Parameter pytree from a free-parameter vector (pure; traceable in ``x``).

        Fixed and linear entries keep their template values; joint entries copy their
        leader.
        """
        result = {group: [dict(kwargs) for kwargs in (self._template.get(group) or [])]
                  for group in KWARGS_NAMES if group != "kwargs_special"}
        if "kwargs_special" in self._template:
            result["kwargs_special"] = self._template["kwargs_special"]
        arrays: dict[Location, list] = {}
        for position, ((group, index, key), element) in enumerate(self._free):
            if element is None:
                result[group][index][key] = x[position]
            else:
                arrays.setdefault((group, index, key), []).append(x[position])
        for (group, index, key), elements in arrays.items():
            result[group][index][key] = jnp.stack(elements)
        for (group, index, key), (lgroup, lindex, lkey) in self._joint.items():
            result[group][index][key] = result[lgroup][lindex][lkey]
        return result

    def log_prior(self, x):
        """Sum of the Gaussian log-priors (0 without priors); pure."""
        total = 0.0
        for position, (mean, sigma) in self._priors.items():
            total = total - 0.5 * ((x[position] - mean) / sigma) ** 2
        return total

    def in_bounds(self, x):
        """True where ``x`` lies inside the bounds (pure)."""
        return jnp.all((x >= self.lower) & (x <= self.upper))

    def vector_function(self, function: Callable[[dict], object], with_prior: bool = True):
        """``x -> function(kwargs_from_vector(x)) (+ log_prior(x))``."""

        def of_vector(x):
            value = function(self.kwargs_from_vector(x))
            return value + self.log_prior(x) if with_prior else value

        return of_vector


def _bound(bounds: dict | None, group: str, index: int, key: str, default: float,
           count: int) -> np.ndarray:
    value = default
    if bounds is not None and bounds.get(group) is not None:
        entries = bounds[group]
        if index < len(entries) and entries[index] and key in entries[index]:
            value = entries[index][key]
    return np.broadcast_to(np.asarray(value, dtype=float), (count,))
