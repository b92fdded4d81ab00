#!/usr/bin/env bash
# Run the benchmark suite on a CUDA machine, in float64 (the default) and in float32.
# Usage (on the GPU machine, from the repository root):  bash benchmarks/gpu.sh [OUTPUT_DIR]
# Writes OUTPUT_DIR/RESULTS_gpu_float64.md and OUTPUT_DIR/RESULTS_gpu_float32.md
# (OUTPUT_DIR defaults to benchmarks/), each rewritten after every section.
#
# Environment (for short device leases): REPEATS (default 7); CONFIGS64 / CONFIGS32, the
# multi-band configurations of each precision (default: all / typical,large); LIMIT64 /
# LIMIT32, a time limit in seconds for each precision's run (default: none; a run cut short
# keeps the sections it finished).
#
# Python: if the machine's python3 already has a JAX that sees a GPU (offline machines such
# as the workplace's device machine), it is used, with lenstronomy and its import-time
# dependencies installed from wheels in .whl/ when that folder exists (no network needed);
# otherwise a fresh venv gets chromalens, its test extras and the CUDA build of JAX.
set -euo pipefail
cd "$(dirname "$0")/.."
OUTPUT_DIR=${1:-benchmarks}
REPEATS=${REPEATS:-7}
CONFIGS64=${CONFIGS64:-typical,shapelets,large,offset}
CONFIGS32=${CONFIGS32:-typical,large}
mkdir -p "$OUTPUT_DIR"
PYTHON=python3
if "$PYTHON" -c "import jax, sys; sys.exit(jax.default_backend() != 'gpu')" 2>/dev/null; then
    if [ -d .whl ]; then
        "$PYTHON" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
            --upgrade --target /tmp/chromalens-site .whl/*.whl
        export PYTHONPATH=/tmp/chromalens-site:$PWD
    else
        export PYTHONPATH=$PWD
    fi
else
    python3 -m venv .gpu-venv
    . .gpu-venv/bin/activate
    pip install -q --upgrade pip
    pip install -q '.[test]' 'jax[cuda12]'
    PYTHON=python
fi
export PYTHONUNBUFFERED=1
"$PYTHON" -c "import jax; print(jax.__version__, jax.devices())"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

limited() {  # limited SECONDS command...: run with a time limit when SECONDS > 0
    local seconds=$1
    shift
    if [ "${seconds:-0}" -gt 0 ]; then timeout "$seconds" "$@"; else "$@"; fi
}
failed=0
# float64: the multi-band configurations, the functional face, batched throughput
CHROMALENS_PRECISION=float64 limited "${LIMIT64:-0}" "$PYTHON" benchmarks/run_all.py \
    --repeats "$REPEATS" --no-memory --no-scripts --configs "$CONFIGS64" \
    --throughput 64,1024 --throughput-configs typical,shapelets \
    --output "$OUTPUT_DIR/RESULTS_gpu_float64.md" || failed=1
# float32: fewer configurations (the device lease is short)
CHROMALENS_PRECISION=float32 limited "${LIMIT32:-0}" "$PYTHON" benchmarks/run_all.py \
    --repeats "$REPEATS" --no-memory --no-scripts --configs "$CONFIGS32" \
    --throughput 64,1024 --throughput-configs typical \
    --output "$OUTPUT_DIR/RESULTS_gpu_float32.md" || failed=1
exit $failed
