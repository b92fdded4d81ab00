"""The workflow end to end on a small simulated two-band lens (``chromalens simulate`` then
``chromalens fit``), configuration validation, and the demo (slow)."""

import json
import pathlib

import numpy as np
import pytest
import yaml
from workflow.mock_config import BACKGROUNDS, FLUX_SCALING, TRUTH, mock_config

from chromalens.cli import main
from chromalens.workflow import ConfigError, load_config


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mock")
    config_path = folder / "config.yaml"
    config_path.write_text(yaml.safe_dump(mock_config(folder)))
    assert main(["simulate", str(config_path), "--quiet"]) == 0
    assert (folder / "band0.fits").exists() and (folder / "band1.fits").exists()
    output = folder / "out"
    assert main(["fit", str(config_path), "--output", str(output), "--quiet"]) == 0
    results = json.loads((output / "results.json").read_text())
    return folder, output, results


def test_recovers_einstein_radius_flux_scaling_and_backgrounds(fitted):
    _, _, results = fitted
    theta_E = results["kwargs_result"]["kwargs_lens"][0]["theta_E"]
    assert theta_E == pytest.approx(TRUTH["kwargs_lens"][0]["theta_E"], rel=0.01)
    np.testing.assert_allclose(results["flux_scaling"], FLUX_SCALING, rtol=0.02)
    # backgrounds: errors marginalised over the non-linear parameters (Laplace)
    backgrounds = np.array(results["backgrounds"])
    sigma = np.array(results["backgrounds_sigma"])
    assert np.all(np.abs(backgrounds - np.array(BACKGROUNDS)) < 2 * sigma), (backgrounds, sigma)
    assert np.all(np.array(results["reduced_chi2"]) < 1.2)


def test_fit_writes_every_output(fitted):
    _, output, results = fitted
    for key in ("reduced_chi2", "backgrounds", "flux_scaling", "logL", "wall_time_s",
                "versions", "kwargs_result", "linear_amplitudes"):
        assert key in results
    assert len(results["reduced_chi2"]) == len(results["backgrounds"]) == 2
    expected = {f"{band}_{suffix}.fits" for band in ("B0", "B1")
                for suffix in ("model", "residual", "normalised_residual", "source")}
    expected |= {"B0.png", "B1.png", "results.json"}
    assert expected <= set(results["files"])
    for name in expected:
        assert (output / name).stat().st_size > 0, name


def _config(tmp_path):
    config = mock_config(tmp_path)
    for band in config["bands"]:
        pathlib.Path(band["file"]).touch()
    return config


@pytest.mark.parametrize("edit, field", [
    (lambda c: c["initial"]["kwargs_lens"].pop(), "initial.kwargs_lens"),
    (lambda c: c["mask"].update(type="ellipse"), "mask.type"),
    (lambda c: c["bands"][1].pop("file"), "bands[1]"),
    (lambda c: c["fitting"]["steps"][0].update(maxiter=-3), "fitting.steps[0].maxiter"),
    (lambda c: c["priors"].update({"kwargs_lens[0].nope": [1.0, 0.1]}), "priors"),
    (lambda c: c["kwargs_model"].update(lens_model_list="SIE"), "kwargs_model"),
])
def test_broken_config_names_the_field(tmp_path, edit, field):
    config = _config(tmp_path)
    edit(config)
    with pytest.raises(ConfigError) as info:
        load_config(config)
        from chromalens.workflow.run import problem_from_config
        problem_from_config(load_config(config))
    assert str(info.value).startswith(field)


def test_cli_reports_broken_config_and_missing_fits(tmp_path, capsys):
    config = _config(tmp_path)
    config["bands"][0]["crop"] = {"center": [1, 2]}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["fit", str(path), "--quiet"]) == 2
    assert "bands[0].crop" in capsys.readouterr().err
    config = mock_config(tmp_path)
    missing = tmp_path / "nowhere" / "band0.fits"
    config["bands"][0]["file"] = str(missing)
    path.write_text(yaml.safe_dump(config))
    assert main(["fit", str(path), "--quiet"]) == 2
    assert str(missing) in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="band0.fits"):
        load_config(config)


@pytest.mark.slow
def test_demo_runs_within_budget_and_fits(tmp_path):
    output = tmp_path / "demo"
    assert main(["demo", "--output", str(output), "--quiet"]) == 0
    results = json.loads((output / "results.json").read_text())
    assert max(results["reduced_chi2"]) <= 1.2
    assert results["wall_time_s"] < 180
    assert len(results["flux_scaling"]) == 2 and results["flux_scaling"][0] == 1.0
