"""A lenstronomy-style multi-band script that runs on chromalens with only its imports changed.

The lenstronomy original takes ``MultiLinear`` from ``lenstronomy.ImSim.MultiBand.multi_linear``
and ``JointLinear_VaryBG`` from ``lenstronomy.ImSim.MultiBand.joint_linear_vary_background``;
here both come from ``chromalens.multiband``. Everything below those imports
(multi_band_list, kwargs_model, kwargs lists, method calls) is unchanged. (No fit here: for
fitting, see ``chromalens fit`` and the YAML examples.)

Run from the repository root: ``python examples/porting_lenstronomy.py``
"""

import copy
import pathlib

import numpy as np

from chromalens.io import load_band  # lenstronomy users: any loader giving kwargs_data/psf
from chromalens.multiband import JointLinear_VaryBG, MultiLinear  # <- the changed imports

DATA = pathlib.Path(__file__).resolve().parents[1] / "chromalens" / "datasets" / \
    "SL2SJ0219-0829"

multi_band_list = []
for band in ("F475X", "F600LP"):
    kwargs_data, kwargs_psf = load_band(DATA / f"{band}.fits")
    multi_band_list.append([kwargs_data, kwargs_psf, {"supersampling_factor": 1}])

kwargs_model = {"lens_model_list": ["SIE", "SHEAR"],
                "source_light_model_list": ["SERSIC_ELLIPSE"],
                "lens_light_model_list": ["SERSIC_ELLIPSE", "SERSIC_ELLIPSE"],
                "index_lens_light_model_list": [[0], [1]]}
cx, cy = 0.093, 0.013
kwargs_lens = [{"theta_E": 1.28, "e1": 0.06, "e2": 0.03, "center_x": cx, "center_y": cy},
               {"gamma1": -0.02, "gamma2": 0.04, "ra_0": 0.0, "dec_0": 0.0}]
kwargs_source = [{"amp": 1.0, "R_sersic": 0.3, "n_sersic": 1.5, "e1": 0.0, "e2": 0.0,
                  "center_x": cx - 0.15, "center_y": cy}]
light = {"amp": 1.0, "R_sersic": 1.0, "n_sersic": 4.0, "e1": 0.05, "e2": 0.05,
         "center_x": cx, "center_y": cy}
kwargs_lens_light = [dict(light), dict(light)]

# per-band linear solve, as in lenstronomy
multi = MultiLinear(multi_band_list, kwargs_model)
logL, param_list = multi.likelihood_data_given_model(
    copy.deepcopy(kwargs_lens), copy.deepcopy(kwargs_source), copy.deepcopy(kwargs_lens_light))
print(f"MultiLinear logL = {logL:.1f}; lens-light amplitudes per band: "
      f"{[float(p[-1]) for p in param_list]}")
wls_list, error_map_list, cov_param_list, param_list = multi.image_linear_solve(
    copy.deepcopy(kwargs_lens), copy.deepcopy(kwargs_source), copy.deepcopy(kwargs_lens_light))
chi2 = [float(np.mean(r ** 2)) for r in multi.reduced_residuals(wls_list, error_map_list)]
print("reduced chi2 per band:", np.round(chi2, 3))

# the recommended calibration: relative amplitudes -> flux_scaling -> joint solve with skies
scaling = float(param_list[1][-1] / param_list[0][-1])
for band, factor in zip(multi_band_list, [1.0, scaling], strict=True):
    band[0]["flux_scaling"] = factor
joint_model = dict(kwargs_model, lens_light_model_list=["SERSIC_ELLIPSE"])
joint_model.pop("index_lens_light_model_list")
joint = JointLinear_VaryBG(multi_band_list, joint_model)
_, _, _, param = joint.image_linear_solve(kwargs_lens, kwargs_source, [dict(light)])
print("flux_scaling:", [1.0, round(scaling, 4)], "backgrounds:", joint.backgrounds(param))
