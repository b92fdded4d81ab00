"""The lens modeller's workflow: YAML run configurations, fitting steps (multi-start L-BFGS-B
on JAX gradients, emcee), the flux-calibration step for JointLinear_VaryBG, outputs (JSON,
FITS, PNG), mock data, and the demo on the shipped HST lens."""

from .config import ConfigError, load_config, validate_config
from .run import run_workflow, summary_table

__all__ = ["ConfigError", "load_config", "run_workflow", "summary_table", "validate_config"]
