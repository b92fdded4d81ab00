"""Loading the real HST cutouts shipped in the repository."""

import numpy as np
import pytest
from astropy.io import fits

from chromalens.data import PSF, ImageData
from chromalens.io import load_band
from chromalens.io.fits import band_metadata


def test_every_shipped_band_loads(hst_band_path):
    kwargs_data, kwargs_psf = load_band(hst_band_path)
    data = ImageData(**kwargs_data)
    psf = PSF(**kwargs_psf)
    psf.set_pixel_size(data.pixel_width)
    with fits.open(hst_band_path) as hdul:
        np.testing.assert_array_equal(data.data, hdul["SCI"].data)
        assert data.background_rms == hdul[0].header["BKGRMS"]
        has_variance = "PSFVAR" in [h.name for h in hdul]
    assert data.data.dtype == np.float64 and data.data.dtype.isnative
    assert data.pixel_width == pytest.approx(0.04, rel=1e-3)
    # RA grows to the left in these cutouts
    ra, _ = data.pixel_coordinates
    assert ra[0, 1] < ra[0, 0]
    assert np.all(np.isfinite(data.C_D)) and np.all(data.C_D > 0)
    assert psf.kernel_point_source.sum() == pytest.approx(1.0)
    assert psf.psf_variance_map_bool == has_variance
    assert 0.05 < psf.fwhm < 0.3
    # the image centre is near the angular origin
    assert np.hypot(*data.center) < 0.1


def test_metadata_names_object_and_filter(hst_band_path):
    meta = band_metadata(hst_band_path)
    assert meta["object"] and meta["filter"] == hst_band_path.stem


def test_missing_file_and_extension(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_band(tmp_path / "nope.fits")
    path = tmp_path / "bad.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((3, 3)), name="SCI")]).writeto(path)
    with pytest.raises(ValueError, match="EXPTIME"):
        load_band(path)
