"""Command-line interface of chromalens.

``chromalens info``                     versions, devices, float precision, compile cache
``chromalens demo [--output DIR]``      fit the shipped two-band HST lens end to end
``chromalens fit CONFIG [--output DIR]``  run the workflow of a YAML configuration
``chromalens simulate CONFIG``          write mock multi-band FITS data from a configuration
"""

from __future__ import annotations

import argparse
import sys


def _info() -> int:
    import jax
    import jax.numpy as jnp

    import chromalens

    print(f"chromalens {chromalens.__version__}")
    print(f"jax {jax.__version__}")
    print(f"devices: {', '.join(str(d) for d in jax.devices())}")
    print(f"default float: {jnp.zeros(()).dtype} (x64 enabled: {jax.config.jax_enable_x64})")
    print(f"compilation cache: {chromalens.compilation_cache_dir or 'off'}")
    return 0


def _fit(config, output: str, quiet: bool) -> int:
    from .workflow import run_workflow, summary_table

    results = run_workflow(config, output, quiet=quiet)
    print(summary_table(results, output))
    return 0


def _demo(output: str, quiet: bool) -> int:
    from .workflow.demo import demo_config

    if not quiet:
        print("chromalens demo: two-band HST lens SL2SJ0219-0829 (F475X + F600LP), "
              "EPL + SHEAR, Sersic lens light per band, Sersic + shapelets source")
    return _fit(demo_config(), output, quiet)


def _simulate(config: str, output: str | None, quiet: bool) -> int:
    from .workflow.simulate import simulate

    written = simulate(config, output=output)
    if not quiet:
        for path in written:
            print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chromalens`` console script."""
    parser = argparse.ArgumentParser(prog="chromalens", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print versions, devices and float precision")
    demo = sub.add_parser("demo", help="fit the shipped two-band HST lens SL2SJ0219-0829")
    demo.add_argument("--output", default="chromalens_demo",
                      help="output folder (default ./chromalens_demo/)")
    demo.add_argument("--quiet", action="store_true", help="no progress bars or step logs")
    fit = sub.add_parser("fit", help="fit the data described by a YAML configuration")
    fit.add_argument("config", help="YAML run configuration (schema: chromalens.workflow."
                                    "config)")
    fit.add_argument("--output", default="chromalens_fit", help="output folder")
    fit.add_argument("--quiet", action="store_true", help="no progress bars or step logs")
    simulate = sub.add_parser("simulate", help="write mock multi-band FITS files")
    simulate.add_argument("config", help="YAML configuration with a 'simulate' section")
    simulate.add_argument("--output", default=None,
                          help="folder for the FITS files (default: simulate.output, or the "
                               "folder of the bands' files)")
    simulate.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "info":
        return _info()
    from .workflow.config import ConfigError

    try:
        if args.command == "demo":
            return _demo(args.output, args.quiet)
        if args.command == "fit":
            return _fit(args.config, args.output, args.quiet)
        if args.command == "simulate":
            return _simulate(args.config, args.output, args.quiet)
    except (ConfigError, FileNotFoundError) as error:
        print(f"chromalens {args.command}: error: {error}", file=sys.stderr)
        return 2
    return 1  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
