"""Command-line interface: ``chromalens info`` (and, later, ``demo`` / ``fit``)."""

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
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``chromalens`` console script."""
    parser = argparse.ArgumentParser(prog="chromalens", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print versions, devices and float precision")
    args = parser.parse_args(argv)
    if args.command == "info":
        return _info()
    return 1  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
