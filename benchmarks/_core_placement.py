"""Whether the machine's first two CPUs share a last-level cache right now.

On the 2-core development machine (a virtual machine on an AMD EPYC host; inside it lscpu
shows one 32 MB L3) the host, as the measurements below indicate, places the two virtual
CPUs sometimes in one cache group and sometimes in two, and moves them every second or so.
A program that hands data from one thread to the other (XLA's CPU runtime does: an
operation's output is often read by an operation on the other worker) then runs in two
states. Measured 2026-11-28 on the
single-band shapelet likelihood, 30-call medians: 4.0-5.8 ms while a buffer written on one
CPU reads as fast on the other as on its own (:func:`cross_core_ratio` 1.00-1.07), 6.8-8.5 ms
while it reads 1.4-1.8x slower (the two ranges also move with the host's load). The
single-threaded reference does not notice. Probes that do not share data between CPUs (a
matrix product on each, a copy on each) run at the same speed in both states, so the CPUs
themselves are not slower.

:func:`cross_core_ratio` measures the state, so that the benchmarks can say in which state
their blocks ran.
"""

from __future__ import annotations

import os
import threading
import time

import numpy as np

#: :func:`cross_core_ratio` above which the two CPUs are counted as not sharing a cache
SPLIT_RATIO = 1.3


def cross_core_ratio(num_bytes: int = 4_000_000, repeats: int = 20) -> float | None:
    """Time for one CPU to read a buffer just written by the other, over the time to read
    one it wrote itself (median of ``repeats``; about 1 when the CPUs share a last-level
    cache). None where it cannot be measured (fewer than two CPUs, no thread affinity)."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    source = np.ones(num_bytes // 8)
    shared = np.empty_like(source)
    target = np.empty_like(source)
    written, read = threading.Event(), threading.Event()
    times = {"cross": [], "local": []}
    unpinned = []

    def pin(cpu):
        try:
            os.sched_setaffinity(threading.get_native_id(), {cpu})
        except OSError:
            unpinned.append(cpu)

    def writer():
        pin(cpus[0])
        for _ in range(repeats):
            np.copyto(shared, source)
            written.set()
            read.wait()
            read.clear()

    def reader():
        pin(cpus[1])
        for _ in range(repeats):
            written.wait()
            written.clear()
            start = time.perf_counter()
            np.copyto(target, shared)
            times["cross"].append(time.perf_counter() - start)
            np.copyto(shared, source)
            start = time.perf_counter()
            np.copyto(target, shared)
            times["local"].append(time.perf_counter() - start)
            read.set()

    threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if unpinned or not times["local"]:
        return None
    return float(np.median(times["cross"]) / np.median(times["local"]))


def split_by_placement(blocks) -> dict[str, list]:
    """Block values grouped by the placement measured before each block: ``blocks`` is a
    list of ``(value, cross_core_ratio)``; returns ``{"shared": [...], "split": [...]}``
    (blocks without a measurement are left out)."""
    groups = {"shared": [], "split": []}
    for value, ratio in blocks:
        if ratio is not None:
            groups["split" if ratio > SPLIT_RATIO else "shared"].append(value)
    return groups
