"""Run configuration: a YAML file (or a dict) describing data, mask, model and fitting steps.

Everything is validated when the configuration is loaded, before any computation, and every
error names the offending field (``ConfigError: bands[1].file: ...``). Relative paths are
taken relative to the YAML file's folder.

Schema
------
=====================  ======================================================================
field                  meaning
=====================  ======================================================================
``name``               optional, a label for the run (str)
``bands``              required, list of bands (at least one), each a dict with either
  ``file``             a multi-extension FITS file in the ``chromalens/datasets`` layout
                       (SCI, EXPTIME, PSF [, PSFVAR]; header BKGRMS, RA_XY0, DEC_XY0, PIX2A*)
  or ``image``         a FITS image (counts/s) with ``psf`` (FITS kernel), and either
                       ``noise`` (FITS map of the 1-sigma noise per pixel) or
                       ``background_rms`` + ``exposure_time`` (float, s); ``pixel_scale``
                       (arcsec, default 0.04); the image centre is the coordinate origin
  ``name``             optional band label (default: the FITS FILTER keyword or ``band<i>``)
  ``crop``             optional ``{center: [x, y] (pixels), size: n}``: square cut-out
  ``psf_size``         optional odd int: central cut-out of the PSF kernel
  ``supersampling_factor``  optional int (default 1)
  ``flux_scaling``     optional float (default 1)
  ``mask``             optional per-band mask, overrides the top-level ``mask``
``mask``               optional likelihood mask for all bands: ``{type: circle, center: [ra,
                       dec], radius}``, ``{type: annulus, center, inner_radius, radius}``
                       (arcsec, centre default [0, 0]) or ``{type: fits, file}`` (non-zero
                       pixels are used); default: every pixel
``kwargs_model``       required, the lenstronomy-style model dict (``lens_model_list``, ...)
``initial``            required, parameter pytree of starting values: ``{kwargs_lens: [...],
                       kwargs_source: [...], kwargs_lens_light: [...], kwargs_ps: [...]}``
``fixed``              optional, same structure, partial dicts of fixed values
``lower`` / ``upper``  optional, same structure, partial dicts of bounds
``priors``             optional ``{"kwargs_lens[0].gamma": [mean, sigma], ...}``
``joint``              optional list of ``[[group, index, key], [group, index, key]]``: the
                       first follows the second (e.g. lens-light centre = mass centre)
``fitting``            optional ``{steps: [...]}``; each step a dict with ``type``:
  ``optimize``         multi-start L-BFGS-B with JAX gradients: ``starts`` (3), ``maxiter``
                       (300), ``scatter`` (0.02, relative to the bound width or absolute
                       0.02 where unbounded), ``seed`` (0), ``without`` (list of
                       ``"kwargs_source[1]"``-style profiles left out of this step),
                       ``fix`` (list of parameter names held at their current value)
  ``calibrate``        the JointLinear_VaryBG workflow: ``reoptimize`` (false), ``maxiter``,
                       ``marginal_errors`` (false: background errors at fixed non-linear
                       parameters; true: marginalised, Laplace approximation)
  ``sample``           emcee: ``walkers`` (2 x parameters), ``steps`` (200), ``burn`` (100),
                       ``seed`` (0)
``simulate``           only for ``chromalens simulate``: ``seed``, ``truth`` (parameter
                       pytree with amplitudes), ``backgrounds`` (per band), ``flux_scaling``
                       (per band), ``output`` (folder), ``size`` (pixels), ``pixel_scale``,
                       ``background_rms``, ``exposure_time``, ``psf_fwhm`` (per band or one)
=====================  ======================================================================
"""

from __future__ import annotations

import copy
import os
import pathlib

import numpy as np

__all__ = ["ConfigError", "load_config", "validate_config", "GROUPS", "DEFAULT_STEPS"]

#: parameter groups a configuration may set
GROUPS = ("kwargs_lens", "kwargs_source", "kwargs_lens_light", "kwargs_ps")

#: fitting steps when the configuration names none
DEFAULT_STEPS = [{"type": "optimize"}, {"type": "calibrate"}]

_MODEL_LISTS = {"kwargs_lens": "lens_model_list", "kwargs_source": "source_light_model_list",
                "kwargs_lens_light": "lens_light_model_list",
                "kwargs_ps": "point_source_model_list"}
_TOP_KEYS = {"name", "bands", "mask", "kwargs_model", "initial", "fixed", "lower", "upper",
             "priors", "joint", "fitting", "simulate"}
_BAND_KEYS = {"name", "file", "image", "psf", "noise", "background_rms", "exposure_time",
              "pixel_scale", "crop", "psf_size", "supersampling_factor", "flux_scaling", "mask"}
_STEP_KEYS = {
    "optimize": {"type", "starts", "maxiter", "scatter", "seed", "without", "fix"},
    "calibrate": {"type", "reoptimize", "maxiter", "starts", "marginal_errors"},
    "sample": {"type", "walkers", "steps", "burn", "seed"},
}


class ConfigError(ValueError):
    """An invalid run configuration; the message starts with the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def load_config(source: str | os.PathLike | dict, check_files: bool = True) -> dict:
    """Read (YAML path) or take (dict) a run configuration, validate it and fill defaults.

    Parameters
    ----------
    source : path to a YAML file, or a dict with the same content
    check_files : bool
        Check that every FITS file named exists (``chromalens simulate`` writes them).

    Returns
    -------
    dict
        The validated configuration; paths are absolute, defaults filled in.
    """
    if isinstance(source, dict):
        config = copy.deepcopy(source)
        base = pathlib.Path.cwd()
    else:
        path = pathlib.Path(source)
        if not path.exists():
            raise FileNotFoundError(f"no such configuration file: {path}")
        import yaml

        try:
            config = yaml.safe_load(path.read_text())
        except yaml.YAMLError as error:
            raise ConfigError("<file>", f"{path} is not valid YAML: {error}") from None
        base = path.resolve().parent
    return validate_config(config, base, check_files=check_files)


def _require(condition: bool, field: str, message: str) -> None:
    if not condition:
        raise ConfigError(field, message)


def _number(value, field: str, positive: bool = False) -> float:
    _require(isinstance(value, (int, float)) and not isinstance(value, bool)
             and np.isfinite(value), field, f"expected a finite number, got {value!r}")
    if positive:
        _require(value > 0, field, f"must be > 0, got {value!r}")
    return float(value)


def _integer(value, field: str, minimum: int = 1) -> int:
    _require(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
             field, f"expected an integer >= {minimum}, got {value!r}")
    return int(value)


def _path(value, field: str, base: pathlib.Path, check: bool) -> str:
    _require(isinstance(value, (str, os.PathLike)), field, f"expected a file path, got "
             f"{value!r}")
    path = pathlib.Path(value)
    if not path.is_absolute():
        path = base / path
    if check and not path.exists():
        raise FileNotFoundError(f"{field}: no such file: {path}")
    return str(path)


def _point(value, field: str) -> list[float]:
    _require(isinstance(value, (list, tuple)) and len(value) == 2, field,
             f"expected [x, y], got {value!r}")
    return [_number(v, f"{field}[{i}]") for i, v in enumerate(value)]


def _check_mask(mask, field: str, base: pathlib.Path, check: bool) -> dict | None:
    if mask is None:
        return None
    _require(isinstance(mask, dict), field, "expected a mapping with a 'type'")
    kind = mask.get("type")
    allowed = {"circle": {"type", "center", "radius"},
               "annulus": {"type", "center", "radius", "inner_radius"},
               "fits": {"type", "file"}, "none": {"type"}}
    _require(kind in allowed, f"{field}.type", f"expected one of {sorted(allowed)}, got "
             f"{kind!r}")
    unknown = set(mask) - allowed[kind]
    _require(not unknown, field, f"unknown keys {sorted(unknown)} for a {kind} mask")
    out = {"type": kind}
    if kind in ("circle", "annulus"):
        out["center"] = _point(mask.get("center", [0.0, 0.0]), f"{field}.center")
        _require("radius" in mask, f"{field}.radius", "required")
        out["radius"] = _number(mask["radius"], f"{field}.radius", positive=True)
    if kind == "annulus":
        _require("inner_radius" in mask, f"{field}.inner_radius", "required")
        out["inner_radius"] = _number(mask["inner_radius"], f"{field}.inner_radius")
        _require(0 <= out["inner_radius"] < out["radius"], f"{field}.inner_radius",
                 "must lie in [0, radius)")
    if kind == "fits":
        _require("file" in mask, f"{field}.file", "required")
        out["file"] = _path(mask["file"], f"{field}.file", base, check)
    return out


def _check_band(band, index: int, base: pathlib.Path, check: bool) -> dict:
    field = f"bands[{index}]"
    _require(isinstance(band, dict), field, "expected a mapping")
    unknown = set(band) - _BAND_KEYS
    _require(not unknown, field, f"unknown keys {sorted(unknown)}; allowed {sorted(_BAND_KEYS)}")
    out = dict(band)
    if "file" in band:
        _require("image" not in band, field, "give either 'file' or 'image', not both")
        out["file"] = _path(band["file"], f"{field}.file", base, check)
    else:
        _require("image" in band, field, "needs 'file' (datasets layout) or 'image' + 'psf'")
        out["image"] = _path(band["image"], f"{field}.image", base, check)
        _require("psf" in band, f"{field}.psf", "required with 'image'")
        out["psf"] = _path(band["psf"], f"{field}.psf", base, check)
        if "noise" in band:
            out["noise"] = _path(band["noise"], f"{field}.noise", base, check)
        else:
            for key in ("background_rms", "exposure_time"):
                _require(key in band, f"{field}.{key}", "required with 'image' and no 'noise'")
                out[key] = _number(band[key], f"{field}.{key}", positive=True)
        out["pixel_scale"] = _number(band.get("pixel_scale", 0.04), f"{field}.pixel_scale",
                                     positive=True)
    if "crop" in band:
        crop = band["crop"]
        _require(isinstance(crop, dict) and set(crop) == {"center", "size"}, f"{field}.crop",
                 "expected {center: [x, y], size: n}")
        out["crop"] = {"center": _point(crop["center"], f"{field}.crop.center"),
                       "size": _integer(crop["size"], f"{field}.crop.size", 3)}
    if "psf_size" in band:
        size = _integer(band["psf_size"], f"{field}.psf_size", 1)
        _require(size % 2 == 1, f"{field}.psf_size", f"must be odd, got {size}")
    out["supersampling_factor"] = _integer(band.get("supersampling_factor", 1),
                                           f"{field}.supersampling_factor")
    out["flux_scaling"] = _number(band.get("flux_scaling", 1.0), f"{field}.flux_scaling",
                                  positive=True)
    if "name" in band:
        _require(isinstance(band["name"], str), f"{field}.name", "expected a string")
    out["mask"] = _check_mask(band.get("mask"), f"{field}.mask", base, check) \
        if "mask" in band else None
    return out


def _check_pytree(tree, field: str, kwargs_model: dict, partial: bool) -> dict:
    if tree is None:
        return {}
    _require(isinstance(tree, dict), field, "expected a mapping of kwargs groups")
    out = {}
    for group, value in tree.items():
        _require(group in GROUPS, f"{field}.{group}", f"unknown group; expected one of "
                 f"{list(GROUPS)}")
        count = len(kwargs_model.get(_MODEL_LISTS[group]) or [])
        _require(isinstance(value, list), f"{field}.{group}", "expected a list of dicts")
        _require(len(value) == count, f"{field}.{group}",
                 f"has {len(value)} entries, kwargs_model.{_MODEL_LISTS[group]} has {count}")
        entries = []
        for i, entry in enumerate(value):
            entry = {} if entry is None and partial else entry
            _require(isinstance(entry, dict), f"{field}.{group}[{i}]", "expected a dict")
            converted = {}
            for key, item in entry.items():
                if isinstance(item, list):
                    item = np.asarray(item, dtype=float)
                converted[key] = item
            entries.append(converted)
        out[group] = entries
    return out


def _check_profiles_known(initial: dict, kwargs_model: dict) -> None:
    for group in ("kwargs_lens", "kwargs_source", "kwargs_lens_light"):
        _require(group in initial or not kwargs_model.get(_MODEL_LISTS[group]),
                 f"initial.{group}", f"required: kwargs_model has {_MODEL_LISTS[group]}")


def _check_steps(fitting, field: str) -> list[dict]:
    if fitting is None:
        return copy.deepcopy(DEFAULT_STEPS)
    _require(isinstance(fitting, dict) and set(fitting) <= {"steps"}, field,
             "expected {steps: [...]}")
    steps = fitting.get("steps", DEFAULT_STEPS)
    _require(isinstance(steps, list) and steps, f"{field}.steps", "expected a non-empty list")
    out = []
    for i, step in enumerate(steps):
        where = f"{field}.steps[{i}]"
        _require(isinstance(step, dict), where, "expected a mapping with a 'type'")
        kind = step.get("type")
        _require(kind in _STEP_KEYS, f"{where}.type", f"expected one of {sorted(_STEP_KEYS)}, "
                 f"got {kind!r}")
        unknown = set(step) - _STEP_KEYS[kind]
        _require(not unknown, where, f"unknown keys {sorted(unknown)} for a {kind} step")
        step = dict(step)
        for key in ("starts", "maxiter", "walkers", "steps"):
            if key in step:
                step[key] = _integer(step[key], f"{where}.{key}")
        for key in ("burn", "seed"):
            if key in step:
                step[key] = _integer(step[key], f"{where}.{key}", 0)
        if "scatter" in step:
            step["scatter"] = _number(step["scatter"], f"{where}.scatter")
        for key in ("without", "fix"):
            if key in step:
                _require(isinstance(step[key], list) and all(isinstance(s, str)
                                                             for s in step[key]),
                         f"{where}.{key}", "expected a list of strings")
        if kind == "sample" and "burn" in step:
            _require(step["burn"] < step.get("steps", 200), f"{where}.burn",
                     "must be smaller than steps")
        out.append(step)
    return out


def parse_location(text: str, field: str) -> tuple[str, int]:
    """``"kwargs_source[1]"`` -> ``("kwargs_source", 1)``."""
    import re

    match = re.fullmatch(r"(kwargs_\w+)\[(\d+)\]", text.strip())
    _require(match is not None and match.group(1) in GROUPS, field,
             f"expected a profile reference like 'kwargs_source[1]', got {text!r}")
    return match.group(1), int(match.group(2))


def validate_config(config, base: str | os.PathLike = ".", check_files: bool = True) -> dict:
    """Validate a configuration dict (see the module docstring); returns a normalised copy."""
    base = pathlib.Path(base)
    _require(isinstance(config, dict), "<config>", "expected a mapping at the top level")
    if config.get("_validated"):
        return copy.deepcopy(config)
    unknown = set(config) - _TOP_KEYS
    _require(not unknown, "<config>", f"unknown fields {sorted(unknown)}; allowed "
             f"{sorted(_TOP_KEYS)}")
    out: dict = {"name": str(config.get("name", "chromalens run"))}
    simulate = config.get("simulate")
    bands = config.get("bands")
    _require(isinstance(bands, list) and len(bands) > 0, "bands",
             "required: a non-empty list of bands")
    out["bands"] = [_check_band(band, i, base, check_files) for i, band in enumerate(bands)]
    out["mask"] = _check_mask(config.get("mask"), "mask", base, check_files)
    kwargs_model = config.get("kwargs_model")
    _require(isinstance(kwargs_model, dict), "kwargs_model", "required: a mapping")
    out["kwargs_model"] = copy.deepcopy(kwargs_model)
    from ..multiband.model_factory import check_kwargs_model

    try:
        check_kwargs_model(kwargs_model, num_bands=len(bands))
    except (ValueError, TypeError, NotImplementedError) as error:
        raise ConfigError("kwargs_model", str(error)) from None
    _require(isinstance(config.get("initial"), dict), "initial",
             "required: a parameter pytree of starting values")
    out["initial"] = _check_pytree(config["initial"], "initial", kwargs_model, partial=False)
    _check_profiles_known(out["initial"], kwargs_model)
    for key in ("fixed", "lower", "upper"):
        out[key] = _check_pytree(config.get(key), key, kwargs_model, partial=True)
    priors = config.get("priors") or {}
    _require(isinstance(priors, dict), "priors", "expected {name: [mean, sigma]}")
    out["priors"] = {}
    for name, value in priors.items():
        _require(isinstance(value, (list, tuple)) and len(value) == 2, f"priors.{name}",
                 "expected [mean, sigma]")
        out["priors"][name] = (_number(value[0], f"priors.{name}[0]"),
                               _number(value[1], f"priors.{name}[1]", positive=True))
    joint = config.get("joint") or []
    _require(isinstance(joint, list), "joint", "expected a list of [follower, leader] pairs")
    out["joint"] = []
    for i, pair in enumerate(joint):
        ok = isinstance(pair, (list, tuple)) and len(pair) == 2 and all(
            isinstance(loc, (list, tuple)) and len(loc) == 3 and loc[0] in GROUPS
            and isinstance(loc[1], int) and isinstance(loc[2], str) for loc in pair)
        _require(ok, f"joint[{i}]", "expected [[group, index, key], [group, index, key]]")
        for j, (group, index, key) in enumerate(pair):
            entries = out["initial"].get(group, [])
            _require(index < len(entries) and key in entries[index], f"joint[{i}][{j}]",
                     f"{group}[{index}].{key} is not in 'initial'")
        out["joint"].append((tuple(pair[0]), tuple(pair[1])))
    out["fitting"] = {"steps": _check_steps(config.get("fitting"), "fitting")}
    for i, step in enumerate(out["fitting"]["steps"]):
        for j, text in enumerate(step.get("without", [])):
            group, index = parse_location(text, f"fitting.steps[{i}].without[{j}]")
            _require(index < len(out["initial"].get(group, [])),
                     f"fitting.steps[{i}].without[{j}]", f"no profile {text}")
    if simulate is not None:
        _require(isinstance(simulate, dict), "simulate", "expected a mapping")
        out["simulate"] = copy.deepcopy(simulate)
        if "truth" in simulate:
            out["simulate"]["truth"] = _check_pytree(simulate["truth"], "simulate.truth",
                                                     kwargs_model, partial=False)
    out["_validated"] = True
    return out
