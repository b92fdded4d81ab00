"""The persistent compilation cache that importing chromalens turns on (separate processes,
each with its own cache directory; the test session itself runs with the cache off)."""

import json
import os
import pathlib
import subprocess
import sys

SCRIPT = r"""
import json, os, numpy as np, jax
import chromalens
from chromalens.multiband import MultiLinear
n = 24
rng = np.random.default_rng(int(os.environ.get("DATA_SEED", "1")))
kwargs_data = {"image_data": rng.normal(0, 0.1, (n, n)),
               "background_rms": 0.1, "exposure_time": 100.0,
               "transform_pix2angle": np.array([[-0.1, 0.0], [0.0, 0.1]]),
               "ra_at_xy_0": 1.15, "dec_at_xy_0": -1.15}
kwargs_psf = {"psf_type": "GAUSSIAN", "fwhm": 0.2}
model = MultiLinear([[kwargs_data, kwargs_psf, {}]],
                    {"lens_model_list": ["SIS"], "source_light_model_list": ["SERSIC"]})
logL, _ = model.likelihood_data_given_model(
    [{"theta_E": 1.0, "center_x": 0.0, "center_y": 0.0}],
    [{"amp": 1.0, "R_sersic": 0.3, "n_sersic": 2.0, "center_x": 0.05, "center_y": 0.0}])
print(json.dumps({"dir": chromalens.compilation_cache_dir,
                  "jax_dir": jax.config.jax_compilation_cache_dir, "logL": float(logL)}))
"""


def run(env_updates: dict) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("CHROMALENS_COMPILATION_CACHE", "JAX_COMPILATION_CACHE_DIR")}
    env.update(env_updates)
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                            env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def entries(path: pathlib.Path) -> set[str]:
    return {p.name for p in path.iterdir() if not p.name.endswith("-atime")}


def test_second_process_reuses_the_compiled_likelihood(tmp_path):
    cache = tmp_path / "xla"
    # every compilation written, however short (this tiny model compiles in milliseconds)
    env = {"CHROMALENS_COMPILATION_CACHE": str(cache),
           "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0"}
    first = run(env)
    assert first["dir"] == first["jax_dir"] == str(cache)
    written = entries(cache)
    assert any("solve" in name for name in written)  # the compiled likelihood is on disk
    second = run(env)
    assert second["logL"] == first["logL"]
    assert entries(cache) == written  # nothing compiled anew: every entry was a hit
    # other data of the same shapes: the data are arguments of the compiled likelihood, not
    # constants in it, so it is reused, and computes with the new data
    other = run({**env, "DATA_SEED": "2"})
    assert other["logL"] != first["logL"]
    assert entries(cache) == written


def test_cache_can_be_turned_off_or_left_to_jax(tmp_path):
    off = run({"CHROMALENS_COMPILATION_CACHE": "0"})
    assert off["dir"] is None and not off["jax_dir"]
    own = tmp_path / "own"
    mine = run({"JAX_COMPILATION_CACHE_DIR": str(own)})
    assert mine["dir"] == mine["jax_dir"] == str(own)
