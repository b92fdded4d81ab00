"""``kwargs_model`` -> the model objects of one band.

Reads every key the reference's ``class_creator.create_class_instances`` reads for
single-plane imaging and builds, for band ``band_index``, the lens model, the source and
lens-light models, the point sources and the extinction model, restricted to the band's
``index_*_model_list`` entries.

Differences from the reference (bugs fixed, see ``spec/reference_notes.md`` §4.11):

* ``*_profile_kwargs_list`` entries are selected with the same index list as their models (the
  reference zips the full list against the band's subset, pairing them wrongly);
* every band gets its own copy of ``kwargs_lens_eqn_solver`` (the reference shares and mutates
  one dict across bands).

Keys of features chromalens does not implement (multi-plane lensing, tracers, cosmology
sampling, per-source deflection scaling) raise ``NotImplementedError`` naming the key; unknown
keys raise ``ValueError``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from ..extinction import DifferentialExtinction
from ..lens import LensModel
from ..light import LightModel
from ..point_source import PointSource

__all__ = ["KWARGS_MODEL_KEYS", "check_kwargs_model", "create_class_instances"]

#: keys read for single-plane imaging, with their defaults
KWARGS_MODEL_KEYS: dict[str, Any] = {
    "lens_model_list": None,
    "z_lens": None,
    "z_source": None,
    "z_source_convention": None,
    "lens_redshift_list": None,
    "lens_profile_kwargs_list": None,
    "cosmo": None,
    "cosmology_model": "FlatLambdaCDM",
    "observed_convention_index": None,
    "source_light_model_list": None,
    "source_light_profile_kwargs_list": None,
    "lens_light_model_list": None,
    "lens_light_profile_kwargs_list": None,
    "point_source_model_list": None,
    "fixed_magnification_list": None,
    "additional_images_list": None,
    "point_source_frame_list": None,
    "kwargs_lens_eqn_solver": None,
    "point_source_magnification_limit": None,
    "optical_depth_model_list": None,
    "optical_depth_profile_kwargs_list": None,
    "tau0_index_list": None,
    "index_lens_model_list": None,
    "index_source_light_model_list": None,
    "index_lens_light_model_list": None,
    "index_point_source_model_list": None,
    "index_optical_depth_model_list": None,
    "all_models": False,
}

#: keys of features not built here; accepted only at their "off" value
UNSUPPORTED_KEYS: dict[str, Any] = {
    "multi_plane": False,
    "decouple_multi_plane": False,
    "kwargs_multiplane_model": None,
    "kwargs_multiplane_model_point_source": None,
    "distance_ratio_sampling": False,
    "cosmology_sampling": False,
    "source_deflection_scaling_list": None,
    "source_redshift_list": None,
    "point_source_redshift_list": None,
    "tracer_source_model_list": None,
    "tracer_source_band": 0,
    "tracer_partition": None,
    "tracer_type": "LINEAR",
}

_MODEL_LISTS = {
    "index_lens_model_list": "lens_model_list",
    "index_source_light_model_list": "source_light_model_list",
    "index_lens_light_model_list": "lens_light_model_list",
    "index_point_source_model_list": "point_source_model_list",
    "index_optical_depth_model_list": "optical_depth_model_list",
}

_PER_MODEL_LISTS = {
    "lens_model_list": ["lens_profile_kwargs_list", "lens_redshift_list"],
    "source_light_model_list": ["source_light_profile_kwargs_list"],
    "lens_light_model_list": ["lens_light_profile_kwargs_list"],
    "point_source_model_list": ["fixed_magnification_list", "additional_images_list",
                                "point_source_frame_list"],
    "optical_depth_model_list": ["optical_depth_profile_kwargs_list"],
}


def check_kwargs_model(kwargs_model: dict, num_bands: int | None = None) -> None:
    """Validate the structure of ``kwargs_model`` (keys, list lengths, index lists).

    Raises
    ------
    TypeError
        ``kwargs_model`` is not a dict, or ``band_index`` is inside it.
    ValueError
        Unknown key, per-model list of the wrong length, index list of the wrong length or
        with an index out of range.
    NotImplementedError
        A key of an unsupported feature set to a value other than its default.
    """
    if not isinstance(kwargs_model, dict):
        raise TypeError(f"kwargs_model must be a dict, got {type(kwargs_model).__name__}")
    if "band_index" in kwargs_model:
        raise TypeError("kwargs_model must not contain 'band_index' (it is chosen per band)")
    for key, value in kwargs_model.items():
        if key in UNSUPPORTED_KEYS:
            if value is not None and value != UNSUPPORTED_KEYS[key]:
                raise NotImplementedError(
                    f"kwargs_model[{key!r}]: this feature is not supported by chromalens "
                    f"(single-plane imaging only)"
                )
        elif key not in KWARGS_MODEL_KEYS:
            raise ValueError(
                f"kwargs_model: unknown key {key!r}; known keys: {sorted(KWARGS_MODEL_KEYS)}"
            )
    z_source, convention = kwargs_model.get("z_source"), kwargs_model.get("z_source_convention")
    if convention is not None and z_source is not None and convention != z_source:
        raise NotImplementedError(
            "kwargs_model['z_source_convention'] different from 'z_source' needs a deflection "
            "rescaling that chromalens does not support"
        )
    for model_key, per_model in _PER_MODEL_LISTS.items():
        models = kwargs_model.get(model_key)
        if models is None:
            continue
        if isinstance(models, str) or not isinstance(models, Sequence):
            raise TypeError(f"kwargs_model[{model_key!r}] must be a list of names")
        for key in per_model:
            values = kwargs_model.get(key)
            if values is not None and len(values) != len(models):
                raise ValueError(
                    f"kwargs_model[{key!r}] has {len(values)} entries for the "
                    f"{len(models)} entries of {model_key!r}"
                )
    for index_key, model_key in _MODEL_LISTS.items():
        index_list = kwargs_model.get(index_key)
        if index_list is None:
            continue
        n_models = len(kwargs_model.get(model_key) or [])
        if num_bands is not None and len(index_list) != num_bands:
            raise ValueError(
                f"kwargs_model[{index_key!r}] has {len(index_list)} entries for {num_bands} bands"
            )
        for band, indices in enumerate(index_list):
            for k in indices:
                if isinstance(k, bool) or int(k) != k or not 0 <= k < n_models:
                    raise ValueError(
                        f"kwargs_model[{index_key!r}] band {band}: index {k!r} out of range "
                        f"for the {n_models} entries of {model_key!r}"
                    )
    tau0_index_list = kwargs_model.get("tau0_index_list")
    if tau0_index_list is not None and num_bands is not None and len(tau0_index_list) < num_bands:
        raise ValueError(
            f"kwargs_model['tau0_index_list'] has {len(tau0_index_list)} entries for "
            f"{num_bands} bands"
        )


def band_indices(kwargs_model: dict, index_key: str, band_index: int) -> list[int] | None:
    """The band's index list for ``index_key`` (None: every model of the list)."""
    if kwargs_model.get("all_models", False):
        return None
    index_list = kwargs_model.get(index_key)
    if index_list is None:
        return None
    return [int(k) for k in index_list[band_index]]


def _subset(values, indices):
    if values is None or indices is None:
        return None if values is None else list(values)
    return [values[k] for k in indices]


def create_class_instances(band_index: int = 0, **kwargs_model):
    """Model objects of band ``band_index``.

    Returns
    -------
    lens_model : LensModel
    source_model : LightModel
    lens_light_model : LightModel
    point_source : PointSource
    extinction : DifferentialExtinction
    """
    check_kwargs_model(kwargs_model)
    get = kwargs_model.get

    def indices(model_key):
        index_key = next(k for k, v in _MODEL_LISTS.items() if v == model_key)
        return band_indices(kwargs_model, index_key, band_index)

    i_lens = indices("lens_model_list")
    lens_model = LensModel(
        lens_model_list=_subset(get("lens_model_list") or [], i_lens),
        z_lens=get("z_lens"), z_source=get("z_source"),
        lens_redshift_list=_subset(get("lens_redshift_list"), i_lens),
        cosmo=get("cosmo"),
        profile_kwargs_list=_subset(get("lens_profile_kwargs_list"), i_lens))

    i_source = indices("source_light_model_list")
    source_model = LightModel(
        _subset(get("source_light_model_list") or [], i_source),
        profile_kwargs_list=_subset(get("source_light_profile_kwargs_list"), i_source))

    i_light = indices("lens_light_model_list")
    lens_light_model = LightModel(
        _subset(get("lens_light_model_list") or [], i_light),
        profile_kwargs_list=_subset(get("lens_light_profile_kwargs_list"), i_light))

    i_ps = indices("point_source_model_list")
    point_source = PointSource(
        point_source_type_list=_subset(get("point_source_model_list") or [], i_ps),
        lens_model=lens_model,
        fixed_magnification_list=_subset(get("fixed_magnification_list"), i_ps),
        additional_images_list=_subset(get("additional_images_list"), i_ps),
        magnification_limit=get("point_source_magnification_limit"),
        kwargs_lens_eqn_solver=copy.deepcopy(get("kwargs_lens_eqn_solver")),
    )

    tau0_index_list = get("tau0_index_list")
    tau0_index = 0 if tau0_index_list is None else int(tau0_index_list[band_index])
    i_depth = indices("optical_depth_model_list")
    depth_models = get("optical_depth_model_list")
    extinction = DifferentialExtinction(
        optical_depth_model=_subset(depth_models, i_depth) if depth_models else [],
        profile_kwargs_list=_subset(get("optical_depth_profile_kwargs_list"), i_depth),
        tau0_index=tau0_index)
    return lens_model, source_model, lens_light_model, point_source, extinction
