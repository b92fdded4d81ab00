"""Run the benchmark suite and write ``benchmarks/RESULTS.md``.

Sections: machine and versions; the multi-band configurations (class methods and the
functional face next to lenstronomy, same run); batched evaluation and gradient costs of the
functional face (typical, shapelets and large configurations); compile times; peak memory of
chromalens and lenstronomy on the typical configuration (separate processes); then the outputs
of the single-band, light and lens benchmark scripts.

Usage: ``python benchmarks/run_all.py [--repeats 11] [--output benchmarks/RESULTS.md]
[--quick] [--configs typical,large] [--throughput 64,1024] [--throughput-configs typical]
[--no-multiband] [--no-functional] [--no-memory] [--no-scripts]``
(``--quick``: typical configuration only; ``--no-functional``: skip the gradient and
batch tables; ``--throughput``: batch sizes of the batched
throughput section, on by default on a GPU; ``--no-memory`` / ``--no-scripts``: skip the
peak-memory processes and the single-band, light and lens scripts). The file is rewritten
after every section, so a run cut short keeps what it measured.
"""

from __future__ import annotations

import argparse
import copy
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import jax  # noqa: E402
import numpy as np  # noqa: E402
from _reference_process import MULTIBAND_MODULES, ReferenceProcess  # noqa: E402
from bench_multiband import (  # noqa: E402
    CLASSES,
    CONFIGS,
    _block_medians,
    _pytree,
    _table,
    benchmark_class,
    build_configuration,  # noqa: E402
)

import chromalens  # noqa: E402

# Peak resident memory of one code alone: the configuration is built in this process and
# handed over as a pickle, so the measuring process imports only the code under test.
MEMORY_SNIPPET = r"""
import copy, pickle
if {which!r} == "chromalens":
    from chromalens.multiband import {cls}
else:
    from lenstronomy.ImSim.MultiBand import {module}
    {cls} = getattr({module}, {cls!r})
with open({path!r}, "rb") as handle:
    multi_band_list, kwargs_model, kwargs_sets = pickle.load(handle)
model = {cls}(copy.deepcopy(multi_band_list), kwargs_model)
for i in range(10):
    model.likelihood_data_given_model(*copy.deepcopy(kwargs_sets[i % len(kwargs_sets)]))
# VmHWM: this process's own peak (ru_maxrss would inherit the parent's peak across exec)
with open("/proc/self/status") as status:
    print([int(line.split()[1]) for line in status if line.startswith("VmHWM")][0] / 1024.0)
"""


def machine() -> str:
    import lenstronomy
    import scipy

    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPU cores, {platform.system()}",
        f"- python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}",
        f"- jax {jax.__version__}, devices {[str(d) for d in jax.devices()]}, "
        f"x64 {jax.config.jax_enable_x64}",
        f"- chromalens {chromalens.__version__}, lenstronomy {lenstronomy.__version__}",
    ]
    try:
        load = os.getloadavg()
        lines.append(f"- load average at start: {load[0]:.1f} (timings on a busy machine vary)")
    except OSError:
        pass
    return "\n".join(lines)


def functional_costs_process(config: str, repeats: int) -> str:
    """:func:`functional_costs` in a fresh process (nothing compiled or allocated before it),
    with chromalens's CPU settings on, as users have them."""
    env = dict(os.environ, CHROMALENS_CPU_TUNING="1")
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--functional-table",
                             config, "--repeats", str(repeats)], capture_output=True,
                            text=True, env=env)
    if result.returncode != 0:
        return f"```\n{result.stderr.strip()[-2000:]}\n```"
    return result.stdout.strip()


def functional_costs(config: str, repeats: int) -> str:
    """Batch (N = 64) per-set cost and value_and_grad cost, relative to one value."""
    multi_band_list, kwargs_model, kwargs_sets = build_configuration(config)
    lines = ["| class | value ms | value compile s | value+grad ms | grad/value | "
             "grad compile s | batch 64 per set ms | batch/single | batch compile s |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, cls in CLASSES.items():
        model = cls(copy.deepcopy(multi_band_list), kwargs_model)
        template = _pytree(kwargs_sets[0])
        function = model.log_likelihood_function(template)
        value = jax.jit(function)
        # (allow_int: a shapelet template holds the integer n_max, which gets no gradient)
        grad = jax.jit(jax.value_and_grad(function, allow_int=True))
        trees = [_pytree(kw) for kw in kwargs_sets]
        batch = [trees[i % len(trees)] for i in range(64)]
        compile_times = {}
        for label, call, argument in (("value", value, template), ("grad", grad, template)):
            start = time.perf_counter()
            jax.block_until_ready(call(argument))
            compile_times[label] = time.perf_counter() - start
        start = time.perf_counter()
        model.log_likelihood_batch(batch)  # shapelets: the first set is the template
        compile_times["batch"] = time.perf_counter() - start
        # steady state of each (the sampler pattern of bench_multiband: blocks of calls
        # after a warm-up), so the batch is compared with single calls measured alike
        functions = {"value": lambda i, value=value, trees=trees: value(trees[i]),
                     "grad": lambda i, grad=grad, trees=trees: grad(trees[i]),
                     "batch": lambda i, model=model, batch=batch:
                     model.log_likelihood_batch(batch)}
        med = _block_medians(functions, len(trees), repeats)
        med["batch"] /= 64
        lines.append(
            f"| {name} | {med['value'] * 1e3:.2f} | {compile_times['value']:.2f} | "
            f"{med['grad'] * 1e3:.2f} | {med['grad'] / med['value']:.2f} | "
            f"{compile_times['grad']:.2f} | {med['batch'] * 1e3:.2f} | "
            f"{med['batch'] / med['value']:.2f} | {compile_times['batch']:.2f} |")
    return "\n".join(lines)


#: sets evaluated together in the throughput section (bounds device memory: a shapelet set
#: holds ~70 basis images per band)
THROUGHPUT_CHUNK = {"typical": 1024, "shapelets": 128, "large": 256, "offset": 1024}


def throughput(configs: list[str], sizes: list[int], repeats: int) -> str:
    """Per-set cost of ``log_likelihood_batch`` for growing batches, against lenstronomy's
    single call (what a sampler's population of walkers costs per member)."""
    lines = ["| configuration | class | N | chunk | batch ms | per set us | lenstronomy ms | "
             "ratio per set | compile s | device peak MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    device = jax.local_devices()[0]
    for config in configs:
        multi_band_list, kwargs_model, kwargs_sets = build_configuration(config)
        trees = [_pytree(kw) for kw in kwargs_sets]
        for name, cls in CLASSES.items():
            model = cls(copy.deepcopy(multi_band_list), kwargs_model)
            with ReferenceProcess("multiband", name, multi_band_list, kwargs_model,
                                  kwargs_sets) as ref:
                reference = _block_medians({"reference": ref}, len(kwargs_sets),
                                           max(3, repeats // 2))["reference"]
            for size in sizes:
                chunk = min(size, THROUGHPUT_CHUNK.get(config, 256))
                batch = [trees[i % len(trees)] for i in range(size)]
                start = time.perf_counter()
                model.log_likelihood_batch(batch, chunk_size=chunk)
                compile_s = time.perf_counter() - start
                seconds = _block_medians(
                    {"batch": lambda i, model=model, batch=batch, chunk=chunk:
                     model.log_likelihood_batch(batch, chunk_size=chunk)},
                    len(trees), repeats)["batch"]
                stats = device.memory_stats() or {}
                peak = stats.get("peak_bytes_in_use", float("nan")) / 2 ** 20
                lines.append(
                    f"| {config} | {name} | {size} | {chunk} | {seconds * 1e3:.2f} | "
                    f"{seconds / size * 1e6:.1f} | {reference * 1e3:.1f} | "
                    f"{reference / (seconds / size):.0f}x | {compile_s:.2f} | {peak:.0f} |")
                print(lines[-1], flush=True)
    return "\n".join(lines)


def peak_memory() -> str:
    """Peak resident memory of each code alone. chromalens twice, with a fresh persistent
    compilation cache: the first process compiles (a first session), the second loads the
    compiled likelihood from the cache (every later session)."""
    import pickle
    import tempfile

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "typical.pkl")
    with open(path, "wb") as handle:
        pickle.dump(build_configuration("typical"), handle)
    lines = ["| class | chromalens MB, first session (compiles) | chromalens MB, later sessions "
             "(compilation cache) | lenstronomy MB |", "|---|---:|---:|---:|"]

    def measure(which: str, name: str, cache: str | None) -> float:
        code = MEMORY_SNIPPET.format(which=which, cls=name, module=MULTIBAND_MODULES[name],
                                     path=path)
        env = dict(os.environ, CHROMALENS_CPU_TUNING="1")  # chromalens as shipped
        if cache is not None:
            env["CHROMALENS_COMPILATION_CACHE"] = cache
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                check=True, env=env)
        return float(result.stdout.strip().splitlines()[-1])

    for name in CLASSES:
        cache = os.path.join(folder, f"cache-{name}")
        first = measure("chromalens", name, cache)
        later = measure("chromalens", name, cache)
        reference = measure("lenstronomy", name, None)
        lines.append(f"| {name} | {first:.0f} | {later:.0f} | {reference:.0f} |")
    return "\n".join(lines)


def script_output(name: str, *arguments: str) -> str:
    result = subprocess.run([sys.executable, os.path.join(HERE, name), *arguments],
                            capture_output=True, text=True)
    text = result.stdout.strip() or result.stderr.strip()[-2000:]
    return f"```\n{text}\n```"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--configs", default=None,
                        help="comma-separated configurations (default: all)")
    parser.add_argument("--throughput", default=None,
                        help="comma-separated batch sizes for the throughput section "
                             "(default: 64,512,4096 on a GPU, none on a CPU)")
    parser.add_argument("--throughput-configs", default="typical,shapelets",
                        help="configurations of the throughput section")
    parser.add_argument("--no-multiband", action="store_true",
                        help="skip the class-method table (short device leases)")
    parser.add_argument("--no-functional", action="store_true")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--functional-table", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--no-scripts", action="store_true")
    args = parser.parse_args()
    if args.functional_table:  # the child process of functional_costs_process
        settings = ", ".join(f"{key} {'on' if value else 'off'}"
                             for key, value in chromalens.cpu_tuning.items())
        print(f"chromalens process settings: {settings}\n")
        print(functional_costs(args.functional_table, args.repeats))
        return
    if args.configs:
        configs = args.configs.split(",")
    else:
        configs = ["typical"] if args.quick else list(CONFIGS)
    sizes = args.throughput
    if sizes is None:
        sizes = "64,512,4096" if jax.default_backend() == "gpu" else ""
    sizes = [int(size) for size in sizes.split(",") if size]
    sections = ["# chromalens benchmark results", "", "Written by `benchmarks/run_all.py`. "
                "Ratio = lenstronomy time / chromalens time, both measured in this run. "
                "Medians over calls cycling through jittered parameter sets. Headline "
                "timings use the sampler pattern (blocks of consecutive calls of one code, "
                "after 0.1 s of untimed calls, the codes taking turns); the `cold caches` "
                "column alternates the codes call by call (see `bench_multiband.py`). "
                "Each code runs as its users run it: chromalens as shipped (its process "
                "settings on, `chromalens.cpu_runtime`), lenstronomy in a process of its own "
                "under glibc's defaults, the two processes taking turns "
                "(`benchmarks/_reference_process.py`). The profile micro-benchmarks "
                "(`bench_light.py`, `bench_lens.py`) time both codes in one process with "
                "chromalens's settings off.", "",
                "## Machine", "", machine(), ""]
    if jax.default_backend() != "gpu" and os.path.exists(os.path.join(HERE, "RESULTS_gpu.md")):
        sections += ["GPU numbers (from `benchmarks/gpu.sh` on a lent device machine) are in "
                     "`benchmarks/RESULTS_gpu.md`.", ""]

    def write() -> None:
        with open(args.output, "w") as handle:
            handle.write("\n".join(sections))

    write()
    rows = []
    for config in ([] if args.no_multiband else configs):
        for name in CLASSES:
            print(f"multi-band: {config} / {name}", flush=True)
            rows.append(benchmark_class(config, name, args.repeats))
            print(_table(rows[-1:]).splitlines()[-1], flush=True)
    sections += ["## Multi-band likelihood (`likelihood_data_given_model`)", "",
                 "`chromalens ms`: the class method (lists of dicts in, float out); "
                 "`pure jit ms`: `jax.jit(log_likelihood_function(template))` on a parameter "
                 "pytree. Compile = first call. `by core placement`: chromalens's block "
                 "medians grouped by whether the machine's two CPUs shared a last-level cache "
                 "when the block started (measured before each block, "
                 "`benchmarks/_core_placement.py`); chromalens's programs use both CPUs and "
                 "hand data between them, so they run slower while the CPUs do not share one. "
                 "The reference uses one CPU and is not affected.", "", _table(rows), ""
                 ] if rows else []
    write()
    if not args.no_functional:
        print("functional face", flush=True)
        for config in ("typical", "shapelets", "large"):
            if config in configs:
                sections += [f"## Functional face: gradients and batches ({config} "
                             "configuration)", "", functional_costs_process(config, args.repeats),
                             ""]
                write()
    if sizes:
        print("throughput", flush=True)
        sections += ["## Batched throughput (`log_likelihood_batch`)", "",
                     "Per-set cost of one call on N parameter sets (vectorised `chunk` at a "
                     "time), against lenstronomy's single call in the same run.", "",
                     throughput(args.throughput_configs.split(","), sizes, args.repeats), ""]
        write()
    if not args.no_memory:
        print("peak memory", flush=True)
        sections += ["## Peak memory (typical configuration, 10 evaluations, separate "
                     "processes)", "", peak_memory(), ""]
        write()
    for script, title, extra in (("bench_single_band.py", "Single band", ()),
                                 ("bench_light.py", "Light profiles", ()),
                                 ("bench_lens.py", "Lens profiles", ())):
        if os.path.exists(os.path.join(HERE, script)) and not (args.quick or args.no_scripts):
            print(script, flush=True)
            sections += [f"## {title} (`benchmarks/{script}`)", "",
                         script_output(script, *extra), ""]
            write()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
