"""The whole workflow of ``chromalens fit``: data, fitting steps, calibration, outputs."""

from __future__ import annotations

import copy
import pathlib
import time

import numpy as np

from ..multiband import MultiLinear
from . import outputs, plots
from .calibration import band_fluxes, calibrate, kwargs_args
from .config import load_config, parse_location
from .data import build_bands, pixel_coordinates
from .fit import Problem, fixed_with, optimize, sample, to_numpy, without_profiles

__all__ = ["run_workflow", "summary_table", "problem_from_config"]


def problem_from_config(config: dict) -> Problem:
    """The fitting problem of a validated configuration (checked by building its layout)."""
    problem = Problem(kwargs_model=copy.deepcopy(config["kwargs_model"]),
                      template=copy.deepcopy(config["initial"]),
                      fixed=copy.deepcopy(config["fixed"]), lower=copy.deepcopy(config["lower"]),
                      upper=copy.deepcopy(config["upper"]), joint=list(config["joint"]),
                      priors=dict(config["priors"]))
    problem.layout()
    return problem


def _merge(full: dict, subset: dict, removed: list[tuple[str, int]]) -> dict:
    """Write a sub-problem's fitted kwargs back into the full pytree."""
    result = copy.deepcopy(full)
    for group, entries in subset.items():
        if group not in result:
            continue
        gone = sorted(i for g, i in removed if g == group)
        kept = [i for i in range(len(result[group])) if i not in gone]
        for i, entry in zip(kept, entries, strict=True):
            result[group][i] = copy.deepcopy(entry)
    return result


def _reduced_chi2(model, wls, errors) -> list[float]:
    residuals = model.reduced_residuals(wls, errors)
    return [float(np.sum(r ** 2) / n) for r, n in
            zip(residuals, model.num_response_list, strict=True)]


def run_workflow(config, output: str | pathlib.Path, quiet: bool = False,
                 log=print) -> dict:
    """Fit the data of ``config`` (path, dict or validated dict) and write the outputs.

    Returns the results dict also written to ``output/results.json``.
    """
    start = time.perf_counter()
    if not (isinstance(config, dict) and config.get("_validated")):
        config = load_config(config)
    progress = not quiet
    say = (lambda *a, **k: None) if quiet else log
    output = pathlib.Path(output)
    output.mkdir(parents=True, exist_ok=True)
    problem = problem_from_config(config)
    multi_band_list, masks, names = build_bands(config)
    say(f"{config['name']}: {len(names)} band(s) {', '.join(names)}; "
        f"{sum(int(m.sum()) for m in masks)} pixels in the masks")
    current = copy.deepcopy(problem.template)
    steps_summary, calibration, posterior = [], None, None
    for number, step in enumerate(config["fitting"]["steps"]):
        where = f"fitting.steps[{number}]"
        if step["type"] == "optimize":
            removed = [parse_location(t, where) for t in step.get("without", [])]
            sub = copy.deepcopy(problem)
            sub.template = current
            sub.fixed = fixed_with(problem, step.get("fix", []), current, f"{where}.fix")
            if removed:
                sub = without_profiles(sub, removed)
            model = MultiLinear(copy.deepcopy(multi_band_list), sub.kwargs_model,
                                likelihood_mask_list=masks)
            result = optimize(model, sub, starts=step.get("starts", 3),
                              maxiter=step.get("maxiter", 300),
                              scatter=step.get("scatter", 0.02), seed=step.get("seed", 0),
                              progress=progress, label=f"step {number + 1}")
            current = _merge(current, result.kwargs, removed)
            steps_summary.append({"type": "optimize", "logL": result.logL,
                                  "num_param": len(result.names), "starts": result.starts,
                                  "wall_time_s": result.wall_time_s,
                                  "without": step.get("without", [])})
            say(f"step {number + 1} (optimize, {len(result.names)} parameters): "
                f"logL = {result.logL:.2f} in {result.wall_time_s:.1f} s")
        elif step["type"] == "calibrate":
            t0 = time.perf_counter()
            calibration = calibrate(multi_band_list, masks, problem, current,
                                    reoptimize=step.get("reoptimize", False),
                                    maxiter=step.get("maxiter", 200),
                                    starts=step.get("starts", 1), progress=progress,
                                    marginal_errors=step.get("marginal_errors", False))
            steps_summary.append({"type": "calibrate", "logL": calibration["logL"],
                                  "wall_time_s": time.perf_counter() - t0})
            say(f"step {number + 1} (calibrate): flux_scaling "
                f"{np.round(calibration['flux_scaling'], 4).tolist()}, backgrounds "
                f"{np.round(calibration['backgrounds'], 5).tolist()}")
        else:  # sample
            t0 = time.perf_counter()
            sub = copy.deepcopy(problem)
            sub.template = current
            model = MultiLinear(copy.deepcopy(multi_band_list), sub.kwargs_model,
                                likelihood_mask_list=masks)
            posterior = sample(model, sub, walkers=step.get("walkers"),
                               steps=step.get("steps", 200), burn=step.get("burn", 100),
                               seed=step.get("seed", 0), progress=progress)
            steps_summary.append({"type": "sample", "wall_time_s": time.perf_counter() - t0,
                                  "acceptance_fraction": posterior["acceptance_fraction"]})
            plots.corner_figure(output / "corner.png", posterior["samples"],
                                posterior["names"])
            np.save(output / "samples.npy", posterior["samples"])
    results = _finish(config, problem, multi_band_list, masks, names, current, calibration,
                      posterior, steps_summary, output, progress)
    results["wall_time_s"] = time.perf_counter() - start
    outputs.write_json(output / "results.json", results)
    return results


def _finish(config, problem, multi_band_list, masks, names, current, calibration, posterior,
            steps_summary, output, progress) -> dict:
    """Final solve at the best fit; FITS, PNG and the results dict."""
    from tqdm.auto import tqdm

    model = MultiLinear(copy.deepcopy(multi_band_list), problem.kwargs_model,
                        likelihood_mask_list=masks)
    wls, errors, _, params = model.image_linear_solve(*kwargs_args(current))
    logL, _ = model.likelihood_data_given_model(*kwargs_args(current))
    chi2 = _reduced_chi2(model, wls, errors)
    fluxes, _, band_kwargs = band_fluxes(model, current)
    normalised = model.reduced_residuals(wls, errors)
    files = []
    for band, name in enumerate(tqdm(names, desc="outputs", disable=not progress,
                                     leave=False)):
        image_model = model.image_model_list[band]
        kwargs_data = multi_band_list[band][0]
        data = np.asarray(kwargs_data["image_data"])
        kw = band_kwargs[band]
        source = image_model.source_surface_brightness(kw["kwargs_source"], kw["kwargs_lens"],
                                                       de_lensed=True, unconvolved=True)
        # the model over the whole cut-out (the solve returns it inside the mask only)
        full_model = image_model.image(*kwargs_args(kw))
        header = {"BAND": name, "OBJECT": config["name"][:60]}
        for suffix, image in (("model", full_model), ("residual", data - full_model),
                              ("normalised_residual", normalised[band]), ("source", source)):
            path = output / f"{name}_{suffix}.fits"
            outputs.write_fits(path, image, header)
            files.append(path.name)
        ra, dec = pixel_coordinates(kwargs_data)
        lens_model = image_model.LensModel
        kwargs_lens = kw["kwargs_lens"]
        kappa = np.asarray(lens_model.kappa(ra, dec, kwargs_lens)) if kwargs_lens \
            else np.zeros_like(ra)
        critical, caustics = plots.critical_curves_and_caustics(lens_model, kwargs_lens, ra,
                                                                dec)
        png = output / f"{name}.png"
        plots.band_figure(png, name, data, full_model, normalised[band], source, kappa, ra, dec,
                          critical, caustics, mask=masks[band], reduced_chi2=chi2[band])
        files.append(png.name)
    results = {
        "name": config["name"],
        "bands": names,
        "reduced_chi2": chi2,
        "backgrounds": calibration["backgrounds"] if calibration else [0.0] * len(names),
        "backgrounds_sigma": calibration["backgrounds_sigma"] if calibration else None,
        "flux_scaling": calibration["flux_scaling"] if calibration
        else [float(f / fluxes[0]) for f in fluxes],
        "logL": float(logL),
        "num_pixels": [int(n) for n in model.num_response_list],
        "kwargs_model": problem.kwargs_model,
        "kwargs_result": to_numpy(current),
        "kwargs_result_per_band": band_kwargs,
        "linear_amplitudes": [np.asarray(p).tolist() for p in params],
        "band_total_flux": fluxes.tolist(),
        "steps": steps_summary,
        "versions": outputs.versions(),
        "files": files + ["results.json"],
    }
    if calibration is not None:
        results["calibration"] = {key: calibration[key] for key in
                                  ("flux_scaling", "backgrounds", "backgrounds_sigma",
                                   "reduced_chi2", "logL", "kwargs", "amplitudes",
                                   "kwargs_model")}
    if posterior is not None:
        results["posterior"] = {"names": posterior["names"],
                                "mean": posterior["mean"], "std": posterior["std"],
                                "acceptance_fraction": posterior["acceptance_fraction"]}
        results["files"] += ["corner.png", "samples.npy"]
    return results


def summary_table(results: dict, output: str | pathlib.Path | None = None) -> str:
    """The short human-readable table of the key results."""
    lens = results["kwargs_result"].get("kwargs_lens") or []
    lines = [f"== {results['name']} =="]
    for entry in lens:
        if "theta_E" in entry:
            lines.append(f"Einstein radius theta_E : {entry['theta_E']:.4f} arcsec")
            if "gamma" in entry:
                lines.append(f"slope gamma             : {entry['gamma']:.4f}")
            break
    for entry in lens:
        if "gamma1" in entry:
            g1, g2 = entry["gamma1"], entry["gamma2"]
            lines.append(f"external shear          : gamma1 {g1:+.4f}, gamma2 {g2:+.4f} "
                         f"(|gamma| {np.hypot(g1, g2):.4f})")
    lines.append(f"{'band':<10} {'flux_scaling':>12} {'background':>22} {'reduced chi2':>13}")
    sigma = results.get("backgrounds_sigma") or [None] * len(results["bands"])
    for i, name in enumerate(results["bands"]):
        bg = results["backgrounds"][i]
        bg_text = f"{bg:+.5f}" + (f" +- {sigma[i]:.5f}" if sigma[i] is not None else "")
        lines.append(f"{name:<10} {results['flux_scaling'][i]:>12.4f} {bg_text:>22} "
                     f"{results['reduced_chi2'][i]:>13.3f}")
    if "calibration" in results:
        lines.append("joint (JointLinear_VaryBG) reduced chi2: " + ", ".join(
            f"{c:.3f}" for c in results["calibration"]["reduced_chi2"]))
    lines.append(f"logL {results['logL']:.2f}; wall time {results['wall_time_s']:.1f} s")
    if output is not None:
        lines.append(f"outputs written to {pathlib.Path(output).resolve()}/ "
                     f"({len(results['files'])} files)")
    return "\n".join(lines)
