"""Shared test fixtures: paths of the real HST cutouts shipped in the repository."""

from __future__ import annotations

import os
import pathlib

import pytest

# tests never touch the user's compilation cache (tests/test_compilation_cache.py checks it
# in subprocesses with their own directories)
os.environ.setdefault("CHROMALENS_COMPILATION_CACHE", "0")

import chromalens  # noqa: E402, F401  (enables float64 in JAX before any test builds arrays)

REPO = pathlib.Path(__file__).resolve().parents[1]
PACKAGE_BANDS = sorted((REPO / "chromalens" / "datasets").glob("*/*.fits"))
TEST_BANDS = sorted((REPO / "tests" / "fixtures" / "hst").glob("*/*.fits"))
ALL_BANDS = PACKAGE_BANDS + TEST_BANDS


@pytest.fixture(params=ALL_BANDS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def hst_band_path(request) -> pathlib.Path:
    """Each real HST band file in the repository."""
    return request.param
