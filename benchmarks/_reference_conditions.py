"""Imported first by the benchmark scripts that time chromalens next to lenstronomy.

Importing ``chromalens`` raises glibc's malloc thresholds for the whole process
(``chromalens.cpu_runtime``). That also speeds the reference up when it runs in the same
process: measured on the 2-core development machine, the single-band Sersic likelihood
11.8 -> 10.0 ms and the shapelet one 57.4 -> 43.7 ms. Ratios are meant against lenstronomy as
its users run it, so these scripts turn chromalens's process settings off
(``CHROMALENS_CPU_TUNING=0``) unless the caller set the variable. chromalens's likelihood
values barely depend on them (measured, minor page faults per call with the settings off:
single-band Sersic 1 and shapelets 150, about 0.1 ms of 6 ms; lenstronomy 1 100 and 7 000;
multi-band configurations 0-220), so its ratios here are if anything slightly low; its
gradients do depend on them, and ``run_all.py`` times those in a separate process with the
settings on.
"""

import os

os.environ.setdefault("CHROMALENS_CPU_TUNING", "0")
