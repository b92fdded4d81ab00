"""Randomized single-band configurations for the ImageModel / ImageLinearFit parity tests.

A :class:`Case` names the options a configuration covers (numerics, PSF, point-source type,
extinction, mask, flux scaling, ...); :func:`build_pair` draws the continuous parameters from a
seeded numpy RNG and builds the chromalens and the reference (lenstronomy) ``ImageLinearFit``
from the same numbers. Both sides receive identical data arrays (deep copies), and every kwargs
list handed out is a fresh deep copy so that the in-place amplitude updates of one side cannot
leak into the other.

The image data are the reference's model image for the drawn amplitudes plus a deterministic
pattern (so the amplitudes are well constrained but the fit is not exact).
"""

from __future__ import annotations

import copy
import dataclasses
import zlib

import numpy as np
from lenstronomy.Data.imaging_data import ImageData as RefImageData
from lenstronomy.Data.psf import PSF as RefPSF
from lenstronomy.ImSim.differential_extinction import (
    DifferentialExtinction as RefDifferentialExtinction,
)
from lenstronomy.ImSim.image_linear_solve import ImageLinearFit as RefImageLinearFit
from lenstronomy.ImSim.image_model import ImageModel as RefImageModel
from lenstronomy.LensModel.lens_model import LensModel as RefLensModel
from lenstronomy.LightModel.light_model import LightModel as RefLightModel
from lenstronomy.PointSource.point_source import PointSource as RefPointSource
from lenstronomy.Util import kernel_util

from chromalens.data import PSF, ImageData
from chromalens.extinction import DifferentialExtinction
from chromalens.imaging import ImageLinearFit, ImageModel
from chromalens.lens import LensModel
from chromalens.light import LightModel
from chromalens.point_source import PointSource

#: lens-equation solver settings given to both codes for SOURCE_POSITION: a tight precision
#: limit so that both solvers return positions equal to round-off (default 1e-10 arcsec would
#: leave ~1e-8 relative differences in the rendered point sources)
SOLVER_SETTINGS = {"precision_limit": 1e-14, "num_iter_max": 200}


@dataclasses.dataclass(frozen=True)
class Case:
    """Options of one configuration (the continuous parameters come from the seed)."""

    seed: int
    n: int = 24
    pixel: float = 0.08
    supersampling: int = 1
    compute_mode: str = "regular"
    supersampling_convolution: bool = False
    supersampling_kernel_size: int | None = None
    convolution_type: str | None = None  # None: the reference's default ('fft_static')
    convolution_kernel_size: int | None = None
    point_source_supersampling_factor: int | None = None
    compute_indexes: bool = False
    psf: str = "PIXEL"  # 'PIXEL' | 'GAUSSIAN' | 'PIXEL_SUPERSAMPLED' (kernel given at 3x)
    psf_variance: bool = False
    lens: str = "EPL"  # 'SIS' | 'EPL' | 'SIE' (each + SHEAR)
    shapelets: bool = False  # add a SHAPELETS (n_max 3) source component
    lens_light_ellipse: bool = False
    point_source: str | None = None  # None | 'UNLENSED' | 'LENSED_POSITION' | 'SOURCE_POSITION'
    fixed_magnification: bool = False
    delta_image: bool = False  # astrometric shifts in kwargs_special
    extinction: bool = False
    mask: bool = False
    flux_scaling: float | None = None
    psf_error_map_bool_list: tuple | None = None

    @property
    def label(self) -> str:
        parts = [f"s{self.seed}", f"ss{self.supersampling}", self.compute_mode[:5], self.psf]
        if self.supersampling_convolution:
            parts.append("ssconv")
        if self.convolution_type:
            parts.append(self.convolution_type)
        parts.append(self.lens)
        if self.point_source:
            parts.append(self.point_source + ("-fixed" if self.fixed_magnification else ""))
        for flag in ("shapelets", "extinction", "mask", "psf_variance", "delta_image"):
            if getattr(self, flag):
                parts.append(flag)
        if self.flux_scaling is not None:
            parts.append("flux")
        return "-".join(parts)


def _seed(*labels) -> int:
    return zlib.crc32(repr(labels).encode())


def _grid(rng, n, pixel):
    """A slightly rotated grid with RA increasing to the left, centred near the origin."""
    phi = rng.uniform(-0.2, 0.2)
    transform = pixel * np.array([[-np.cos(phi), np.sin(phi)], [np.sin(phi), np.cos(phi)]])
    offset = rng.uniform(-0.5, 0.5, 2) * pixel
    centre = np.array([(n - 1) / 2.0, (n - 1) / 2.0])
    ra0, dec0 = -(transform @ centre) + offset
    return transform, float(ra0), float(dec0)


def _kwargs_psf(case: Case, rng):
    if case.psf == "GAUSSIAN":
        return {"psf_type": "GAUSSIAN", "fwhm": rng.uniform(0.12, 0.25),
                "truncation": int(rng.choice([3, 4, 5]))}
    if case.psf == "PIXEL_SUPERSAMPLED":
        factor = 3
        size = 3 * 9
        kernel = kernel_util.kernel_gaussian(size, case.pixel / factor, rng.uniform(0.12, 0.22))
        kernel = kernel * (1 + 0.1 * rng.uniform(size=kernel.shape))
        # normalised on input: after the numerics' supersampled convolution kernel (another
        # factor) overwrote its cached kernel, the reference renders point sources with the
        # raw, un-normalised input kernel (a state-dependent reference bug chromalens does not
        # copy); with a normalised input both readings agree
        kernel = kernel / np.sum(kernel)
        kwargs = {"psf_type": "PIXEL", "kernel_point_source": kernel,
                  "point_source_supersampling_factor": factor}
    else:
        size = int(rng.choice([7, 9, 11]))
        kernel = kernel_util.kernel_gaussian(size, case.pixel, rng.uniform(0.12, 0.25))
        kernel = kernel * (1 + 0.2 * rng.uniform(size=kernel.shape))
        kwargs = {"psf_type": "PIXEL", "kernel_point_source": kernel}
    if case.psf_variance:
        size = int(rng.choice([5, 7, 9]))
        kwargs["psf_variance_map"] = 1e-4 * rng.uniform(0.2, 1.0, (size, size))
    return kwargs


def _kwargs_numerics(case: Case, rng):
    numerics = {"supersampling_factor": case.supersampling}
    if case.compute_mode == "adaptive":
        numerics["compute_mode"] = "adaptive"
        yy, xx = np.mgrid[0:case.n, 0:case.n]
        radius = rng.uniform(0.25, 0.4) * case.n
        centre = (case.n - 1) / 2 + rng.uniform(-2, 2, 2)
        numerics["supersampled_indexes"] = (xx - centre[0]) ** 2 + (yy - centre[1]) ** 2 \
            < radius**2
        if case.compute_indexes:
            compute = np.ones((case.n, case.n), dtype=bool)
            compute[:2, :] = False
            numerics["compute_indexes"] = compute
    if case.supersampling_convolution:
        numerics["supersampling_convolution"] = True
    if case.supersampling_kernel_size is not None:
        numerics["supersampling_kernel_size"] = case.supersampling_kernel_size
    if case.convolution_type is not None:
        numerics["convolution_type"] = case.convolution_type
    if case.convolution_kernel_size is not None:
        numerics["convolution_kernel_size"] = case.convolution_kernel_size
    if case.point_source_supersampling_factor is not None:
        numerics["point_source_supersampling_factor"] = case.point_source_supersampling_factor
    return numerics


def _kwargs_lens(case: Case, rng):
    main = {"theta_E": rng.uniform(0.55, 0.7), "center_x": rng.uniform(-0.04, 0.04),
            "center_y": rng.uniform(-0.04, 0.04)}
    if case.lens != "SIS":
        main.update(e1=rng.uniform(-0.12, 0.12), e2=rng.uniform(-0.12, 0.12))
    if case.lens == "EPL":
        main["gamma"] = rng.uniform(1.85, 2.15)
    shear = {"gamma1": rng.uniform(-0.04, 0.04), "gamma2": rng.uniform(-0.04, 0.04)}
    return [case.lens, "SHEAR"], [main, shear]


def _models(case: Case, rng, kwargs_lens):
    source_list = ["SERSIC_ELLIPSE"]
    kwargs_source = [{"amp": rng.uniform(5, 20), "R_sersic": rng.uniform(0.1, 0.25),
                      "n_sersic": rng.uniform(1, 3), "e1": rng.uniform(-0.2, 0.2),
                      "e2": rng.uniform(-0.2, 0.2), "center_x": rng.uniform(-0.08, 0.08),
                      "center_y": rng.uniform(-0.08, 0.08)}]
    if case.shapelets:
        source_list.append("SHAPELETS")
        kwargs_source.append({"amp": rng.uniform(-1, 1, 10), "n_max": 3,
                              "beta": rng.uniform(0.1, 0.2),
                              "center_x": kwargs_source[0]["center_x"],
                              "center_y": kwargs_source[0]["center_y"]})
    centre = {"center_x": kwargs_lens[0]["center_x"], "center_y": kwargs_lens[0]["center_y"]}
    light = {"amp": rng.uniform(2, 6), "R_sersic": rng.uniform(0.3, 0.7),
             "n_sersic": rng.uniform(2, 4), **centre}
    if case.lens_light_ellipse:
        light.update(e1=rng.uniform(-0.15, 0.15), e2=rng.uniform(-0.15, 0.15))
        light_list = ["SERSIC_ELLIPSE"]
    else:
        light_list = ["SERSIC"]
    return source_list, kwargs_source, light_list, [light]


def _point_sources(case: Case, rng, kwargs_lens):
    """``(point-source options, kwargs_ps)`` for the case's point-source type."""
    if case.point_source is None:
        return None, None
    options = {"point_source_type_list": [case.point_source],
               "fixed_magnification_list": [case.fixed_magnification]}
    if case.point_source == "UNLENSED":
        n_images = 2
        kwargs = {"ra_image": rng.uniform(-0.6, 0.6, n_images),
                  "dec_image": rng.uniform(-0.6, 0.6, n_images),
                  "point_amp": rng.uniform(3, 8, n_images)}
    elif case.point_source == "LENSED_POSITION":
        n_images = 4
        angles = np.sort(rng.uniform(0, 2 * np.pi, n_images))
        radius = kwargs_lens[0]["theta_E"] * rng.uniform(0.9, 1.1, n_images)
        kwargs = {"ra_image": radius * np.cos(angles), "dec_image": radius * np.sin(angles)}
        if case.fixed_magnification:
            kwargs["source_amp"] = rng.uniform(2, 5)
        else:
            kwargs["point_amp"] = rng.uniform(3, 8, n_images)
    else:  # SOURCE_POSITION
        options["kwargs_lens_eqn_solver"] = dict(SOLVER_SETTINGS)
        kwargs = {"ra_source": rng.uniform(-0.05, 0.05), "dec_source": rng.uniform(-0.05, 0.05)}
        if case.fixed_magnification:
            kwargs["source_amp"] = rng.uniform(2, 5)
        else:
            kwargs["point_amp"] = rng.uniform(3, 8, 4)
    return options, [kwargs]


@dataclasses.dataclass
class Pair:
    """A chromalens / reference ImageLinearFit pair and the configuration's kwargs."""

    ours: ImageModel
    ref: RefImageModel
    kwargs: tuple  # (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps,
    #               kwargs_extinction, kwargs_special)
    case: Case
    kwargs_data: dict
    kwargs_psf: dict
    kwargs_numerics: dict
    mask: np.ndarray | None

    def fresh(self) -> tuple:
        """A deep copy of the kwargs tuple (amplitudes get written into it by the solve)."""
        return copy.deepcopy(self.kwargs)

    def reference(self) -> RefImageModel:
        """The reference with its point-source cache emptied and disabled (fresh answers)."""
        self.ref.reset_point_source_cache(False)
        return self.ref


def _build_side(side: str, model_lists: dict, kwargs_data, kwargs_psf, kwargs_numerics, mask,
                psf_error_map_bool_list, linear=True):
    data_cls, psf_cls = (ImageData, PSF) if side == "ours" else (RefImageData, RefPSF)
    lens_cls, light_cls = (LensModel, LightModel) if side == "ours" else (RefLensModel,
                                                                          RefLightModel)
    ps_cls = PointSource if side == "ours" else RefPointSource
    ext_cls = DifferentialExtinction if side == "ours" else RefDifferentialExtinction
    if linear:
        fit_cls = ImageLinearFit if side == "ours" else RefImageLinearFit
    else:
        fit_cls = ImageModel if side == "ours" else RefImageModel

    data = data_cls(**copy.deepcopy(kwargs_data))
    psf = psf_cls(**copy.deepcopy(kwargs_psf))
    lens_model = lens_cls(list(model_lists["lens"]))
    source = light_cls(list(model_lists["source"]))
    lens_light = light_cls(list(model_lists["lens_light"]))
    point_source = None
    if model_lists["point_source"] is not None:
        options = copy.deepcopy(model_lists["point_source"])
        point_source = ps_cls(lens_model=lens_model, **options)
    extinction = None
    if model_lists["extinction"] is not None:
        extinction = ext_cls(optical_depth_model=list(model_lists["extinction"]))
    return fit_cls(data, psf, lens_model, source, lens_light, point_source, extinction,
                   kwargs_numerics=copy.deepcopy(kwargs_numerics),
                   likelihood_mask=None if mask is None else mask.copy(),
                   psf_error_map_bool_list=None if psf_error_map_bool_list is None
                   else list(psf_error_map_bool_list))


def build_pair(case: Case, linear: bool = True) -> Pair:
    """Both codes' ``ImageLinearFit`` (``ImageModel`` if not ``linear``) for ``case``, with
    data made by the reference."""
    rng = np.random.default_rng(_seed("imaging", case.seed))
    n = case.n
    transform, ra0, dec0 = _grid(rng, n, case.pixel)
    kwargs_data = {"image_data": np.zeros((n, n)), "background_rms": rng.uniform(0.02, 0.06),
                   "exposure_time": rng.uniform(200, 1000), "transform_pix2angle": transform,
                   "ra_at_xy_0": ra0, "dec_at_xy_0": dec0}
    if case.flux_scaling is not None:
        kwargs_data["flux_scaling"] = case.flux_scaling
    kwargs_psf = _kwargs_psf(case, rng)
    kwargs_numerics = _kwargs_numerics(case, rng)
    lens_list, kwargs_lens = _kwargs_lens(case, rng)
    source_list, kwargs_source, light_list, kwargs_lens_light = _models(case, rng, kwargs_lens)
    ps_options, kwargs_ps = _point_sources(case, rng, kwargs_lens)
    kwargs_extinction, kwargs_special, extinction_list = None, None, None
    if case.extinction:
        extinction_list = ["GAUSSIAN"]
        kwargs_extinction = [{"amp": rng.uniform(0.1, 0.5), "sigma": rng.uniform(0.3, 0.6),
                              "center_x": rng.uniform(-0.2, 0.2),
                              "center_y": rng.uniform(-0.2, 0.2)}]
        kwargs_special = {"tau0_list": [float(rng.uniform(0.5, 1.5))]}
    if case.delta_image:
        kwargs_special = dict(kwargs_special or {})
        # two shifts: not more than the fewest images a configuration has (the reference
        # fails with more shifts than images)
        kwargs_special["delta_x_image"] = list(rng.uniform(-0.01, 0.01, 2))
        kwargs_special["delta_y_image"] = list(rng.uniform(-0.01, 0.01, 2))
    mask = None
    if case.mask:
        mask = np.ones((n, n), dtype=bool)
        mask[: int(rng.integers(1, 5)), :] = False
        mask[:, -int(rng.integers(1, 5)):] = False
        mask[rng.integers(0, n, 8), rng.integers(0, n, 8)] = False
    model_lists = {"lens": lens_list, "source": source_list, "lens_light": light_list,
                   "point_source": ps_options, "extinction": extinction_list}
    kwargs = (kwargs_lens, kwargs_source, kwargs_lens_light, kwargs_ps, kwargs_extinction,
              kwargs_special)

    # data: the reference's model image plus a deterministic pattern
    maker = _build_side("ref", model_lists, kwargs_data, kwargs_psf, kwargs_numerics, None,
                        case.psf_error_map_bool_list)
    image = maker.image(*copy.deepcopy(kwargs))
    yy, xx = np.mgrid[0:n, 0:n]
    kwargs_data["image_data"] = image + 0.05 * np.sin(0.7 * xx + 0.3 * yy + case.seed) \
        + 0.03 * rng.normal(size=(n, n))

    ours = _build_side("ours", model_lists, kwargs_data, kwargs_psf, kwargs_numerics, mask,
                       case.psf_error_map_bool_list, linear)
    ref = _build_side("ref", model_lists, kwargs_data, kwargs_psf, kwargs_numerics, mask,
                      case.psf_error_map_bool_list, linear)
    return Pair(ours, ref, kwargs, case, kwargs_data, kwargs_psf, kwargs_numerics, mask)


# ---------------------------------------------------------------------------- the cases
#: default-run cases: together they cover every convolution type, both PSF kinds (and a
#: supersampled PIXEL kernel), supersampling 1-4, adaptive mode, every point-source type
#: (fixed and free magnification), extinction, masks, flux scaling and the PSF-variance term
FAST_CASES = (
    Case(0, supersampling=1, convolution_type="fft", point_source="LENSED_POSITION",
         psf_variance=True, mask=True, delta_image=True),
    Case(1, supersampling=2, supersampling_convolution=True, convolution_type="fft_static",
         lens="SIS", point_source="SOURCE_POSITION", fixed_magnification=True, extinction=True,
         flux_scaling=0.8),
    Case(2, supersampling=3, compute_mode="adaptive", supersampling_convolution=True,
         convolution_type="grid", point_source="UNLENSED", mask=True),
    Case(3, psf="GAUSSIAN", supersampling=4, point_source="SOURCE_POSITION", shapelets=True),
    Case(4, supersampling=2, psf="PIXEL_SUPERSAMPLED", supersampling_convolution=True,
         point_source="LENSED_POSITION", fixed_magnification=True, psf_variance=True,
         extinction=True),
    Case(5, convolution_type="grid", lens="SIE", lens_light_ellipse=True, flux_scaling=1.3,
         mask=True),
)

#: options that the generated slow cases cycle through
_PSFS = ("PIXEL", "GAUSSIAN", "PIXEL_SUPERSAMPLED", "PIXEL")
_CONVOLUTIONS = ("fft", "fft_static", "grid", None)
_POINT_SOURCES = ((None, False), ("UNLENSED", False), ("LENSED_POSITION", False),
                  ("LENSED_POSITION", True), ("SOURCE_POSITION", True),
                  ("SOURCE_POSITION", False))


def _slow_case(index: int) -> Case:
    seed = 100 + index
    rng = np.random.default_rng(_seed("slow-case", index))
    supersampling = 1 + index % 4
    psf = _PSFS[index % len(_PSFS)]
    pixel_psf = psf != "GAUSSIAN"
    point_source, fixed = _POINT_SOURCES[index % len(_POINT_SOURCES)]
    # (the reference refuses adaptive mode with a GAUSSIAN PSF; chromalens accepts it)
    adaptive = supersampling > 1 and index % 3 == 0 and pixel_psf
    lens = str(rng.choice(["SIS", "EPL"] if fixed else ["SIS", "EPL", "SIE"]))
    return Case(
        seed, n=int(rng.integers(20, 31)), pixel=float(rng.uniform(0.06, 0.09)),
        supersampling=supersampling, compute_mode="adaptive" if adaptive else "regular",
        supersampling_convolution=bool(pixel_psf and supersampling > 1 and rng.uniform() < 0.6),
        convolution_type=_CONVOLUTIONS[index % len(_CONVOLUTIONS)], psf=psf,
        psf_variance=bool(pixel_psf and point_source is not None and rng.uniform() < 0.6),
        lens=lens, shapelets=bool(rng.uniform() < 0.3),
        lens_light_ellipse=bool(rng.uniform() < 0.5), point_source=point_source,
        fixed_magnification=fixed,
        delta_image=bool(point_source is not None and rng.uniform() < 0.3),
        extinction=bool(rng.uniform() < 0.35), mask=bool(rng.uniform() < 0.5),
        flux_scaling=float(rng.uniform(0.6, 1.4)) if rng.uniform() < 0.4 else None,
    )


#: hand-picked slow cases for the rarer numerics keys
_SPECIAL_CASES = (
    Case(60, supersampling=3, supersampling_convolution=True, supersampling_kernel_size=3,
         convolution_kernel_size=7, point_source="UNLENSED"),
    Case(61, supersampling=2, point_source_supersampling_factor=3, psf_variance=True,
         point_source="LENSED_POSITION", psf_error_map_bool_list=(False,)),
    Case(62, supersampling=2, compute_mode="adaptive", supersampling_convolution=True,
         compute_indexes=True, point_source="LENSED_POSITION", mask=True),
    Case(63, supersampling=4, compute_mode="adaptive", extinction=True,
         point_source="SOURCE_POSITION", fixed_magnification=True, lens="EPL"),
)

SLOW_CASES = tuple(_slow_case(i) for i in range(24)) + _SPECIAL_CASES


def assert_close(actual, expected, rtol: float = 1e-8, label: str = "") -> None:
    """``|actual - expected| <= rtol * max|expected|`` element-wise (relative to the array's
    scale, so that pixels far below the peak are not held to a relative precision that the
    floating-point sums of either code cannot give)."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, f"{label}: shape {actual.shape} != {expected.shape}"
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale, err_msg=label)
