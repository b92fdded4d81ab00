#!/usr/bin/env bash
# Run the benchmark suite on a CUDA machine, in float64 (the default) and in float32.
# Usage (on the GPU machine, from the repository root):  bash benchmarks/gpu.sh
# Installs the CUDA build of JAX into a fresh venv, then writes
# benchmarks/RESULTS_gpu_float64.md and benchmarks/RESULTS_gpu_float32.md.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .gpu-venv
. .gpu-venv/bin/activate
pip install -q --upgrade pip
pip install -q '.[test]' 'jax[cuda12]'
python -c "import jax; print(jax.devices())"
CHROMALENS_PRECISION=float64 python benchmarks/run_all.py --output benchmarks/RESULTS_gpu_float64.md
CHROMALENS_PRECISION=float32 python benchmarks/run_all.py --output benchmarks/RESULTS_gpu_float32.md
