"""Imported first by the profile micro-benchmarks (``bench_light.py``, ``bench_lens.py``),
which time chromalens and lenstronomy in one process.

Importing ``chromalens`` raises glibc's malloc thresholds for the whole process
(``chromalens.cpu_runtime``). That also speeds the reference up when it runs in the same
process (measured on the 2-core development machine: the single-band Sersic likelihood
11.8 -> 10.0 ms and the shapelet one 57.4 -> 43.7 ms), so these scripts turn chromalens's
process settings off (``CHROMALENS_CPU_TUNING=0``) unless the caller set the variable. The
likelihood benchmarks instead run the reference in a process of its own
(``_reference_process.py``) and chromalens as shipped.
"""

import os

os.environ.setdefault("CHROMALENS_CPU_TUNING", "0")
