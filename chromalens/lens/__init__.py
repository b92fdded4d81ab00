"""Lens mass models: profiles, single-plane ray shooting and the lens-equation solver."""

from .lens_model import LensModel

__all__ = ["LensModel"]

try:  # the solver module is developed separately; the package works without it
    from .equation_solver import LensEquationSolver  # noqa: F401
except ImportError:  # pragma: no cover - until equation_solver.py exists
    pass
else:
    __all__.append("LensEquationSolver")
