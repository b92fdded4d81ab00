"""The reference's side of a timing benchmark, in a Python process of its own.

Each code is timed as its users run it. ``import chromalens`` raises glibc's malloc thresholds
for its process (:mod:`chromalens.cpu_runtime`); in a shared process that would also speed the
reference up (measured on the 2-core development machine: the single-band Sérsic likelihood
11.8 -> 10.0 ms, the shapelet one 57.4 -> 43.7 ms). Without the settings, chromalens's own
timings become a lottery over glibc's history-dependent mmap threshold: XLA allocates each
call's temporary buffer (a few MB) with an aligned ``malloc``, which glibc may serve with a
fresh ``mmap`` on every call, so that the kernel faults in and zeroes every page again
(measured: the three-band typical MultiLinear likelihood, whose buffer grew from 2.6 to
3.1 MB with a change of binning code, 1.25 -> 1.94 ms and 762 page faults per call; the
large JointLinear one in another build 8 -> 14 ms).

So the benchmark process imports chromalens as shipped, and the reference runs here, in a
child process that never imports chromalens (glibc's defaults, as lenstronomy's users have
them). The two processes still take turns, block by block or call by call, exactly as two
codes in one process would (one waits on a pipe while the other is timed), so slow drifts in
the machine's speed hit both alike. The child times its own calls with the same clock and
the same warm-up rule as the parent.

Run by :class:`ReferenceProcess`; not a script to call by hand.
"""

from __future__ import annotations

import copy
import importlib
import os
import subprocess
import sys
import time
from multiprocessing.connection import Connection

#: lenstronomy's multi-band classes: name -> module of ``lenstronomy.ImSim.MultiBand``
MULTIBAND_MODULES = {"MultiLinear": "multi_linear", "JointLinear": "joint_linear",
                     "JointLinear_VaryBG": "joint_linear_vary_background"}


def multiband_model(class_name: str, multi_band_list, kwargs_model):
    """lenstronomy's multi-band class ``class_name`` on copies of the band list."""
    module = importlib.import_module(
        f"lenstronomy.ImSim.MultiBand.{MULTIBAND_MODULES[class_name]}")
    return getattr(module, class_name)(copy.deepcopy(multi_band_list), kwargs_model)


def single_band_model(kwargs_data, kwargs_psf, kwargs_numerics, lists):
    """lenstronomy's ImageLinearFit of one band (``lists``: the lens, source and lens-light
    model lists), on copies of the kwargs."""
    from lenstronomy.Data.imaging_data import ImageData
    from lenstronomy.Data.psf import PSF
    from lenstronomy.ImSim.image_linear_solve import ImageLinearFit
    from lenstronomy.LensModel.lens_model import LensModel
    from lenstronomy.LightModel.light_model import LightModel

    return ImageLinearFit(ImageData(**copy.deepcopy(kwargs_data)),
                          PSF(**copy.deepcopy(kwargs_psf)), LensModel(lists["lens"]),
                          LightModel(lists["source"]), LightModel(lists["lens_light"]),
                          kwargs_numerics=dict(kwargs_numerics))


def _multiband(class_name: str, multi_band_list, kwargs_model, kwargs_sets):
    """``call(index)`` of a lenstronomy multi-band class's likelihood."""
    model = multiband_model(class_name, multi_band_list, kwargs_model)
    return lambda index: model.likelihood_data_given_model(*kwargs_sets[index])[0]


def _single_band(kwargs_data, kwargs_psf, kwargs_numerics, lists, kwargs_sets):
    """``call(index)`` of lenstronomy's ImageLinearFit likelihood (on this process's own
    copies of the parameter sets, into which it writes amplitudes)."""
    model = single_band_model(kwargs_data, kwargs_psf, kwargs_numerics, lists)
    return lambda index: model.likelihood_data_given_model(*kwargs_sets[index])[0]


BUILDERS = {"multiband": _multiband, "single_band": _single_band}


def timed_block(call, indices, warmup_s: float) -> list[float]:
    """Seconds of ``call(i)`` for each ``i`` of ``indices``, after ``warmup_s`` seconds of
    untimed calls (at least one if ``warmup_s > 0``, none if 0). The one timing rule of both
    processes."""
    end, count = time.perf_counter() + warmup_s, 0
    while warmup_s > 0 and (count == 0 or time.perf_counter() < end):
        call(indices[count % len(indices)])
        count += 1
    times = []
    for index in indices:
        start = time.perf_counter()
        call(index)
        times.append(time.perf_counter() - start)
    return times


class ReferenceProcess:
    """A child process holding one reference likelihood, called by parameter-set index.

    Parameters
    ----------
    builder : {'multiband', 'single_band'}
        Which reference model to build (:data:`BUILDERS`).
    *arguments
        The builder's arguments (picklable: kwargs lists, numpy arrays); the last one is the
        list of parameter sets that the indices refer to.
    """

    def __init__(self, builder: str, *arguments):
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        env = dict(os.environ, CHROMALENS_CPU_TUNING="0")
        self._process = subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), str(child_read), str(child_write)],
            pass_fds=(child_read, child_write), env=env)
        os.close(child_read)
        os.close(child_write)
        self._receive = Connection(parent_read, writable=False)
        self._send = Connection(parent_write, readable=False)
        self._request("build", builder, arguments)

    def _request(self, *message):
        self._send.send(message)
        status, value = self._receive.recv()
        if status != "ok":
            raise RuntimeError(f"reference process: {value}")
        return value

    def __call__(self, index: int) -> float:
        """The reference's log-likelihood of parameter set ``index``."""
        return self._request("call", index)

    def timed_block(self, indices, warmup_s: float) -> list[float]:
        """:func:`timed_block` of the reference, run in the child."""
        return self._request("block", list(indices), warmup_s)

    def close(self) -> None:
        """Stop the child process."""
        if self._process.poll() is None:
            self._send.send(("stop",))
            self._process.wait(timeout=60)
        self._send.close()
        self._receive.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _serve(read_fd: int, write_fd: int) -> None:
    receive = Connection(read_fd, writable=False)
    send = Connection(write_fd, readable=False)
    call = None
    while True:
        command, *arguments = receive.recv()
        if command == "stop":
            return
        try:
            if command == "build":
                builder, builder_arguments = arguments
                call = BUILDERS[builder](*builder_arguments)
                value = None
            elif command == "call":
                value = float(call(arguments[0]))
            elif command == "block":
                value = timed_block(call, *arguments)
            else:
                raise ValueError(f"unknown command {command!r}")
        except Exception as error:  # reported to the parent, which raises it
            send.send(("error", f"{type(error).__name__}: {error}"))
        else:
            send.send(("ok", value))


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
