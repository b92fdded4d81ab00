"""A small simulated two-band lens configuration shared by the workflow tests."""

import copy

TRUTH = {
    "kwargs_lens": [{"theta_E": 0.8, "e1": 0.05, "e2": -0.03, "center_x": 0.01,
                     "center_y": -0.01},
                    {"gamma1": 0.02, "gamma2": -0.01, "ra_0": 0.0, "dec_0": 0.0}],
    "kwargs_source": [{"amp": 40.0, "R_sersic": 0.15, "n_sersic": 1.5, "e1": 0.1, "e2": 0.0,
                       "center_x": 0.05, "center_y": 0.03}],
    "kwargs_lens_light": [{"amp": 20.0, "R_sersic": 0.3, "n_sersic": 2.0, "e1": 0.05,
                           "e2": 0.05, "center_x": 0.01, "center_y": -0.01}],
}
FLUX_SCALING = [1.0, 0.8]
BACKGROUNDS = [0.003, -0.002]


def mock_config(folder) -> dict:
    """Configuration dict: simulate section + a fit of the same model from a perturbed start."""
    initial = copy.deepcopy(TRUTH)
    initial["kwargs_lens"][0].update(theta_E=0.84, e1=0.0, e2=0.0, center_x=0.02,
                                     center_y=0.0)
    initial["kwargs_lens"][1].update(gamma1=0.0, gamma2=0.0)
    initial["kwargs_source"][0].update(R_sersic=0.2, n_sersic=2.0, e1=0.0, center_x=0.0,
                                       center_y=0.0)
    initial["kwargs_lens_light"][0].update(R_sersic=0.35, n_sersic=2.5, e1=0.0, e2=0.0)
    return {
        "name": "mock two-band lens",
        "bands": [{"file": str(folder / f"band{i}.fits"), "name": f"B{i}"} for i in (0, 1)],
        "mask": {"type": "circle", "center": [0.0, 0.0], "radius": 1.0},
        "kwargs_model": {"lens_model_list": ["SIE", "SHEAR"],
                         "source_light_model_list": ["SERSIC_ELLIPSE"],
                         "lens_light_model_list": ["SERSIC_ELLIPSE"]},
        "initial": initial,
        "fixed": {"kwargs_lens": [{}, {"ra_0": 0.0, "dec_0": 0.0}]},
        "lower": {"kwargs_lens": [{"theta_E": 0.3, "e1": -0.4, "e2": -0.4, "center_x": -0.3,
                                   "center_y": -0.3}, {"gamma1": -0.2, "gamma2": -0.2}],
                  "kwargs_source": [{"R_sersic": 0.03, "n_sersic": 0.5, "e1": -0.4,
                                     "e2": -0.4, "center_x": -0.5, "center_y": -0.5}],
                  "kwargs_lens_light": [{"R_sersic": 0.05, "n_sersic": 0.5, "e1": -0.4,
                                         "e2": -0.4}]},
        "upper": {"kwargs_lens": [{"theta_E": 1.5, "e1": 0.4, "e2": 0.4, "center_x": 0.3,
                                   "center_y": 0.3}, {"gamma1": 0.2, "gamma2": 0.2}],
                  "kwargs_source": [{"R_sersic": 1.0, "n_sersic": 5.0, "e1": 0.4, "e2": 0.4,
                                     "center_x": 0.5, "center_y": 0.5}],
                  "kwargs_lens_light": [{"R_sersic": 2.0, "n_sersic": 6.0, "e1": 0.4,
                                         "e2": 0.4}]},
        "joint": [[["kwargs_lens_light", 0, "center_x"], ["kwargs_lens", 0, "center_x"]],
                  [["kwargs_lens_light", 0, "center_y"], ["kwargs_lens", 0, "center_y"]]],
        "priors": {"kwargs_lens[1].gamma1": [0.0, 0.2]},
        "fitting": {"steps": [{"type": "optimize", "starts": 2, "maxiter": 300},
                              {"type": "calibrate", "reoptimize": True, "maxiter": 300,
                               "marginal_errors": True}]},
        "simulate": {"seed": 5, "truth": copy.deepcopy(TRUTH), "size": 40,
                     "pixel_scale": 0.05, "background_rms": 0.01, "exposure_time": 2000.0,
                     "psf_fwhm": [0.1, 0.12], "flux_scaling": FLUX_SCALING,
                     "backgrounds": BACKGROUNDS},
    }
