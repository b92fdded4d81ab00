"""``chromalens demo``: the shipped two-band HST lens SL2SJ0219-0829 (F475X + F600LP).

Model: EPL + external shear; one Sersic lens light per band (``index_lens_light_model_list``)
centred on the mass; a Sersic + shapelets (n_max = 6) source. Data: 80 x 80 pixel cut-outs
around the lens, 41 x 41 PSF kernels, an annular mask (0.12 to 1.8 arcsec: the unresolved core
of the lens galaxy, where the pixel PSF is least accurate, is left out). Fitting: a Sersic-only
source with an isothermal slope first, then the full model from there (two starts), then the
flux-calibration step.
"""

from __future__ import annotations

import pathlib

__all__ = ["DEMO_DIR", "demo_config"]

#: the shipped data of the demo
DEMO_DIR = pathlib.Path(__file__).resolve().parents[1] / "datasets" / "SL2SJ0219-0829"

#: lens-galaxy position (arcsec), read off the images
_CX, _CY = 0.080, 0.0
#: starting centre: a fraction of a pixel off (a mass centre exactly on a pixel centre makes
#: the EPL deflection's derivative there very large)
_X0, _Y0 = _CX + 0.013, _CY + 0.013
N_MAX = 6


def demo_config() -> dict:
    """The demo's run configuration (a dict in the YAML schema of ``workflow.config``)."""
    light = {"amp": 1.0, "R_sersic": 0.8, "n_sersic": 4.0, "e1": 0.05, "e2": 0.05,
             "center_x": _X0, "center_y": _Y0}
    light_low = {"R_sersic": 0.05, "n_sersic": 0.5, "e1": -0.5, "e2": -0.5}
    light_high = {"R_sersic": 3.0, "n_sersic": 8.0, "e1": 0.5, "e2": 0.5}
    source_x, source_y = _X0 - 0.15, _Y0
    return {
        "name": "SL2SJ0219-0829",
        "bands": [{"file": str(DEMO_DIR / f"{band}.fits"), "name": band,
                   "crop": {"center": [63, 65], "size": 80}, "psf_size": 41}
                  for band in ("F475X", "F600LP")],
        "mask": {"type": "annulus", "center": [_CX, _CY], "inner_radius": 0.12,
                 "radius": 1.8},
        "kwargs_model": {"lens_model_list": ["EPL", "SHEAR"],
                         "source_light_model_list": ["SERSIC_ELLIPSE", "SHAPELETS"],
                         "lens_light_model_list": ["SERSIC_ELLIPSE", "SERSIC_ELLIPSE"],
                         "index_lens_light_model_list": [[0], [1]]},
        "initial": {
            "kwargs_lens": [{"theta_E": 1.25, "gamma": 2.0, "e1": 0.01, "e2": 0.01,
                             "center_x": _X0, "center_y": _Y0},
                            {"gamma1": 0.01, "gamma2": 0.01, "ra_0": 0.0, "dec_0": 0.0}],
            "kwargs_source": [{"amp": 1.0, "R_sersic": 0.2, "n_sersic": 1.0, "e1": 0.0,
                               "e2": 0.0, "center_x": source_x, "center_y": source_y},
                              {"amp": [1.0] * ((N_MAX + 1) * (N_MAX + 2) // 2),
                               "n_max": N_MAX, "beta": 0.1, "center_x": source_x,
                               "center_y": source_y}],
            "kwargs_lens_light": [dict(light), dict(light)],
        },
        "fixed": {"kwargs_lens": [{}, {"ra_0": 0.0, "dec_0": 0.0}],
                  "kwargs_source": [{}, {"beta": 0.1}]},
        "lower": {"kwargs_lens": [{"theta_E": 0.5, "gamma": 1.5, "e1": -0.5, "e2": -0.5,
                                   "center_x": _CX - 0.3, "center_y": _CY - 0.3},
                                  {"gamma1": -0.3, "gamma2": -0.3}],
                  "kwargs_source": [{"R_sersic": 0.02, "n_sersic": 0.5, "e1": -0.5,
                                     "e2": -0.5, "center_x": _CX - 1.0,
                                     "center_y": _CY - 1.0}, {}],
                  "kwargs_lens_light": [dict(light_low), dict(light_low)]},
        "upper": {"kwargs_lens": [{"theta_E": 2.0, "gamma": 2.5, "e1": 0.5, "e2": 0.5,
                                   "center_x": _CX + 0.3, "center_y": _CY + 0.3},
                                  {"gamma1": 0.3, "gamma2": 0.3}],
                  "kwargs_source": [{"R_sersic": 1.0, "n_sersic": 6.0, "e1": 0.5, "e2": 0.5,
                                     "center_x": _CX + 1.0, "center_y": _CY + 1.0}, {}],
                  "kwargs_lens_light": [dict(light_high), dict(light_high)]},
        "joint": [[["kwargs_lens_light", band, key], ["kwargs_lens", 0, key]]
                  for band in (0, 1) for key in ("center_x", "center_y")]
        + [[["kwargs_source", 1, key], ["kwargs_source", 0, key]]
           for key in ("center_x", "center_y")],
        "fitting": {"steps": [
            {"type": "optimize", "without": ["kwargs_source[1]"],
             "fix": ["kwargs_lens[0].gamma"], "starts": 1, "maxiter": 200},
            {"type": "optimize", "starts": 2, "maxiter": 150, "scatter": 0.01},
            {"type": "calibrate"},
        ]},
    }
