"""Differential extinction: optical-depth maps from light profiles, applied as exp(-tau)."""

from .differential_extinction import DifferentialExtinction

__all__ = ["DifferentialExtinction"]
