"""Figures of a fit: per band data | model | normalised residuals | source | convergence with
critical curves and caustics; and a corner plot of posterior samples. Matplotlib, Agg."""

from __future__ import annotations

import numpy as np

__all__ = ["critical_curves_and_caustics", "band_figure", "corner_figure"]


def _extent(ra: np.ndarray, dec: np.ndarray) -> list[float]:
    return [float(ra.max()), float(ra.min()), float(dec.min()), float(dec.max())]


def critical_curves_and_caustics(lens_model, kwargs_lens, ra: np.ndarray, dec: np.ndarray,
                                 refine: int = 3) -> tuple[list, list]:
    """Critical curves (zero of the magnification inverse on a ``refine``-times finer grid)
    and their images in the source plane (caustics), as lists of (n, 2) arrays (arcsec)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not kwargs_lens:
        return [], []
    n = ra.shape[0] * refine
    x = np.linspace(ra.min(), ra.max(), n)
    y = np.linspace(dec.min(), dec.max(), n)
    xx, yy = np.meshgrid(x, y)
    f_xx, f_xy, f_yx, f_yy = (np.asarray(v) for v in lens_model.hessian(xx, yy, kwargs_lens))
    det = (1.0 - f_xx) * (1.0 - f_yy) - f_xy * f_yx
    figure = plt.figure()
    contours = plt.contour(xx, yy, det, levels=[0.0])
    segments = [s for s in contours.allsegs[0] if len(s) > 2]
    plt.close(figure)
    caustics = []
    for segment in segments:
        bx, by = lens_model.ray_shooting(segment[:, 0], segment[:, 1], kwargs_lens)
        caustics.append(np.stack([np.asarray(bx), np.asarray(by)], axis=1))
    return segments, caustics


def band_figure(path, name: str, data, model, normalised_residual, source, kappa, ra, dec,
                critical, caustics, mask=None, reduced_chi2: float | None = None) -> None:
    """Write the five-panel PNG of one band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    extent = _extent(ra, dec)
    vmax = float(np.nanpercentile(data, 99.5))
    vmin = max(vmax * 1e-3, 1e-6)
    fig, axes = plt.subplots(1, 5, figsize=(22, 4.6))

    def log_image(ax, image, title):
        shown = ax.imshow(np.log10(np.clip(image, vmin, None)), origin="lower", extent=extent,
                          cmap="cubehelix", vmin=np.log10(vmin), vmax=np.log10(vmax))
        ax.set_title(title)
        fig.colorbar(shown, ax=ax, fraction=0.046, label="log10 flux / pixel")

    log_image(axes[0], data, f"{name}: data")
    log_image(axes[1], model, "model")
    shown = axes[2].imshow(normalised_residual, origin="lower", extent=extent, cmap="bwr",
                           vmin=-5, vmax=5)
    title = "normalised residuals"
    if reduced_chi2 is not None:
        title += f" (reduced chi2 {reduced_chi2:.3f})"
    axes[2].set_title(title)
    fig.colorbar(shown, ax=axes[2], fraction=0.046)
    if mask is not None:
        axes[2].contour(ra, dec, mask, levels=[0.5], colors="k", linewidths=0.6)
    top = float(np.max(source)) if np.max(source) > 0 else 1.0
    shown = axes[3].imshow(source, origin="lower", extent=extent, cmap="magma", vmin=0,
                           vmax=top)
    for caustic in caustics:
        axes[3].plot(caustic[:, 0], caustic[:, 1], color="cyan", lw=0.8)
    axes[3].set_title("source (de-lensed) + caustics")
    fig.colorbar(shown, ax=axes[3], fraction=0.046)
    shown = axes[4].imshow(np.log10(np.clip(kappa, 1e-3, None)), origin="lower", extent=extent,
                           cmap="viridis")
    for curve in critical:
        axes[4].plot(curve[:, 0], curve[:, 1], color="white", lw=0.8)
    for caustic in caustics:
        axes[4].plot(caustic[:, 0], caustic[:, 1], color="orange", lw=0.8)
    axes[4].set_title("log10 convergence, critical curves, caustics")
    fig.colorbar(shown, ax=axes[4], fraction=0.046)
    for ax in axes:
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
    if caustics:  # zoom the source panel on the caustics
        points = np.concatenate(caustics)
        half = max(float(np.ptp(points[:, 0])), float(np.ptp(points[:, 1]))) / 2 + 0.3
        centre = np.mean(points, axis=0)
        axes[3].set_xlim(centre[0] + half, centre[0] - half)
        axes[3].set_ylim(centre[1] - half, centre[1] + half)
        ax.set_xlabel("RA offset [arcsec]")
    axes[0].set_ylabel("Dec offset [arcsec]")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def corner_figure(path, samples: np.ndarray, names: list[str]) -> None:
    """Corner plot of posterior samples (``corner`` package)."""
    import matplotlib

    matplotlib.use("Agg")
    import corner
    import matplotlib.pyplot as plt

    labels = [n.replace("kwargs_", "") for n in names]
    figure = corner.corner(samples, labels=labels, show_titles=True, title_fmt=".3f")
    figure.savefig(path, dpi=60)
    plt.close(figure)
