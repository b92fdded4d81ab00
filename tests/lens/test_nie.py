"""NIE parity with lenstronomy's ``NIE``.

Hessian: the reference uses a forward finite difference (step 1e-10, accurate to ~1e-6 of the
Hessian's scale); chromalens differentiates exactly. The Hessian is compared with the reference
at that documented looser tolerance (relative to each set's largest component, away from the
centre), and at 1e-6 relative (absolute allowance 1e-8) with a central difference (step 1e-5,
truncation error ~1e-10 |f'''|) of the reference's analytic deflection, away from the centre.
"""

import numpy as np
from lens.mass_parity import assert_finite_at_edges, assert_parity, draw, ours_batched
from lenstronomy.LensModel.lens_model import LensModel as ReferenceLensModel

FD_HESSIAN_SCALE_RTOL = 1e-4


def sample(rng):
    return {"theta_E": rng.uniform(0.3, 2.5), "e1": rng.uniform(-0.4, 0.4),
            "e2": rng.uniform(-0.4, 0.4), "s_scale": rng.uniform(1e-3, 0.5),
            "center_x": rng.uniform(-0.5, 0.5), "center_y": rng.uniform(-0.5, 0.5)}


def test_parity_random_sets():
    kwargs, x, y, ours, ref = assert_parity(
        "NIE", sample, seed=41, tolerances={"ray_shooting": 1e-8, "potential": 1e-8}
    )
    ours_h = ours_batched("NIE", kwargs, x, y, ("hessian",))["hessian"][..., 5:]
    reference = ReferenceLensModel(["NIE"])
    ref_h = np.array([reference.hessian(xi, yi, [kw])
                      for kw, xi, yi in zip(kwargs, x, y, strict=True)])[..., 5:]
    scale = np.max(np.abs(ref_h), axis=(1, 2), keepdims=True)
    assert np.max(np.abs(ours_h - ref_h) / scale) < FD_HESSIAN_SCALE_RTOL


def test_hessian_against_central_difference():
    kwargs, x, y = draw(sample, seed=42, n_sets=50)
    ours = ours_batched("NIE", kwargs, x, y, ("hessian",))["hessian"]
    reference = ReferenceLensModel(["NIE"])
    h = 1e-5
    ref = []
    for kw, xi, yi in zip(kwargs, x, y, strict=True):
        axp, ayp = reference.alpha(xi + h, yi, [kw])
        axm, aym = reference.alpha(xi - h, yi, [kw])
        bxp, byp = reference.alpha(xi, yi + h, [kw])
        bxm, bym = reference.alpha(xi, yi - h, [kw])
        ref.append([(axp - axm) / (2 * h), (bxp - bxm) / (2 * h),
                    (ayp - aym) / (2 * h), (byp - bym) / (2 * h)])
    np.testing.assert_allclose(ours[..., 5:], np.array(ref)[..., 5:], rtol=1e-6, atol=1e-8)


def test_finite_at_centre_zero_core():
    assert_finite_at_edges("NIE", [{"theta_E": 1.0, "e1": e1, "e2": 0.0, "s_scale": s}
                                   for e1 in (0.0, 0.2) for s in (0.0, 0.1)])
