"""The process settings that importing chromalens applies (chromalens.cpu_runtime), each
checked in a fresh process: glibc keeps freed blocks for reuse instead of returning them to
the system, and JAX runs CPU computations on the calling thread."""

import json
import os
import platform
import subprocess
import sys

import pytest

SCRIPT = r"""
import ctypes, json, resource, sys
if sys.argv[1] == "jax-first":  # JAX's CPU backend started before chromalens is imported
    import jax.numpy as jnp
    (jnp.ones(2) + 1).block_until_ready()
import jax
import chromalens

def faults_of_reused_block(nbytes=96 * 2**20):
    # minor page faults while writing a 96 MB block allocated right after one of the same
    # size was written and freed: ~0 when the freed block is reused, ~24 000 when it went
    # back to the system (mmap / munmap) and every page is faulted in again
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = (ctypes.c_size_t,)
    libc.free.argtypes = (ctypes.c_void_p,)
    block = libc.malloc(nbytes)
    ctypes.memset(block, 1, nbytes)
    libc.free(block)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = libc.malloc(nbytes)
    ctypes.memset(block, 1, nbytes)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    libc.free(block)
    return faults

print(json.dumps({"tuning": chromalens.cpu_tuning,
                  "async": jax.config.values["jax_cpu_enable_async_dispatch"],
                  "faults": faults_of_reused_block()}))
"""

glibc = pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                           reason="the malloc thresholds are glibc's")


def run(tuning: str | None, order: str = "chromalens-first") -> dict:
    env = {key: value for key, value in os.environ.items() if key != "CHROMALENS_CPU_TUNING"}
    if tuning is not None:
        env["CHROMALENS_CPU_TUNING"] = tuning
    result = subprocess.run([sys.executable, "-c", SCRIPT, order], capture_output=True,
                            text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


@glibc
def test_import_keeps_freed_blocks_and_dispatches_synchronously():
    tuned, untuned = run(None), run("0")
    assert tuned["tuning"] == {"malloc_thresholds": True, "synchronous_cpu_dispatch": True}
    assert tuned["async"] is False
    assert untuned["tuning"] == {"malloc_thresholds": False, "synchronous_cpu_dispatch": False}
    assert untuned["async"] is True
    pages = 96 * 2**20 // 4096
    # glibc's default: the block went back to the system and is faulted in again
    assert untuned["faults"] > pages // 2
    assert tuned["faults"] < pages // 20  # reused


def test_dispatch_left_alone_once_jax_has_started():
    started = run(None, "jax-first")
    assert started["tuning"]["synchronous_cpu_dispatch"] is False
    assert started["async"] is True
