"""PixelGrid against the reference's PixelGrid (lenstronomy.Data.pixel_grid.PixelGrid)."""

import numpy as np
import pytest
from lenstronomy.Data.pixel_grid import PixelGrid as RefPixelGrid
from lenstronomy.Util import util as ref_util

from chromalens.data import PixelGrid


def random_grid(rng, square=False):
    nx = int(rng.integers(3, 30))
    ny = nx if square else int(rng.integers(3, 30))
    scale = rng.uniform(0.01, 0.2)
    phi = rng.uniform(0, 2 * np.pi)
    flip = rng.choice([-1, 1])
    shear = rng.uniform(-0.1, 0.1)
    transform = scale * np.array([[flip * np.cos(phi), -np.sin(phi) + shear],
                                  [flip * np.sin(phi), np.cos(phi)]])
    return nx, ny, transform, rng.uniform(-3, 3), rng.uniform(-3, 3)


@pytest.mark.parametrize("seed", range(5))
def test_coordinates_match_reference(seed):
    rng = np.random.default_rng(seed)
    nx, ny, transform, ra0, dec0 = random_grid(rng)
    ours = PixelGrid(nx, ny, transform, ra0, dec0)
    ref = RefPixelGrid(nx, ny, transform, ra0, dec0)
    ra, dec = ours.pixel_coordinates
    ra_ref, dec_ref = ref.pixel_coordinates
    assert ra.shape == (ny, nx)
    np.testing.assert_allclose(ra, ra_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dec, dec_ref, rtol=1e-12, atol=1e-12)
    x, y = rng.uniform(-5, 30, 7), rng.uniform(-5, 30, 7)
    np.testing.assert_allclose(ours.map_pix2coord(x, y), ref.map_pix2coord(x, y), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(ours.map_coord2pix(x, y), ref.map_coord2pix(x, y), rtol=1e-10,
                               atol=1e-10)
    np.testing.assert_allclose(ours.pixel_width, ref.pixel_width, rtol=1e-14)
    np.testing.assert_allclose(ours.pixel_area, ref.pixel_area, rtol=1e-14)
    np.testing.assert_allclose(ours.center, ref.center, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.width, ref.width, rtol=1e-14)
    assert ours.num_pixel_axes == ref.num_pixel_axes
    assert ours.num_pixel == ref.num_pixel
    np.testing.assert_allclose(ours.xy_at_radec_0, ref.xy_at_radec_0, rtol=1e-10, atol=1e-10)


def test_round_trip_and_pixel_centres():
    grid = PixelGrid(4, 3, np.array([[-0.05, 0.0], [0.0, 0.05]]), 0.1, -0.2)
    ra, dec = grid.pixel_coordinates
    # x is the column index, y the row index; RA decreases to the right here
    assert ra[0, 1] < ra[0, 0]
    assert dec[1, 0] > dec[0, 0]
    assert ra[0, 0] == pytest.approx(0.1) and dec[0, 0] == pytest.approx(-0.2)
    x, y = grid.map_coord2pix(ra, dec)
    np.testing.assert_allclose(x, np.tile(np.arange(4), (3, 1)), atol=1e-12)
    np.testing.assert_allclose(y, np.repeat(np.arange(3)[:, None], 4, axis=1), atol=1e-12)


@pytest.mark.parametrize("factor", [1, 2, 3, 4])
def test_supersampled_coordinates_match_reference_subgrid(factor):
    rng = np.random.default_rng(factor)
    nx, ny, transform, ra0, dec0 = random_grid(rng, square=True)
    grid = PixelGrid(nx, ny, transform, ra0, dec0)
    ra, dec = grid.supersampled_coordinates(factor)
    ra_ref, dec_ref = ref_util.make_subgrid(grid.pixel_coordinates[0].ravel(),
                                            grid.pixel_coordinates[1].ravel(), factor)
    assert ra.shape == (ny * factor, nx * factor)
    np.testing.assert_allclose(ra.ravel(), ra_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dec.ravel(), dec_ref, rtol=1e-12, atol=1e-12)
    # the block means of the sub-pixel centres are the pixel centres
    ra_mean = ra.reshape(ny, factor, nx, factor).mean(axis=(1, 3))
    np.testing.assert_allclose(ra_mean, grid.pixel_coordinates[0], atol=1e-12)


@pytest.mark.parametrize("kwargs, match", [
    (dict(nx=0, ny=3), "nx"),
    (dict(nx=3, ny=2.5), "ny"),
    (dict(nx=3, ny=3, transform_pix2angle=np.eye(3)), "transform_pix2angle"),
    (dict(nx=3, ny=3, transform_pix2angle=np.zeros((2, 2))), "singular"),
    (dict(nx=3, ny=3, ra_at_xy_0=np.nan), "ra_at_xy_0"),
])
def test_bad_grid_raises(kwargs, match):
    args = dict(nx=3, ny=3, transform_pix2angle=np.eye(2), ra_at_xy_0=0.0, dec_at_xy_0=0.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        PixelGrid(**args)


def test_bad_supersampling_factor():
    grid = PixelGrid(3, 3, np.eye(2), 0, 0)
    with pytest.raises(ValueError, match="supersampling_factor"):
        grid.supersampled_coordinates(1.5)
