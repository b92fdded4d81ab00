"""Fitting tools: parameter layouts (kwargs <-> vector, bounds, priors, joint parameters)."""

from .parameters import LINEAR_KEYS, STATIC_KEYS, ParameterLayout

__all__ = ["LINEAR_KEYS", "STATIC_KEYS", "ParameterLayout"]
