"""`python -m motionlab demo`: run the pipeline on the built-in data and print the results."""

from __future__ import annotations


def add_parser(subparsers) -> None:
    """Register `demo`."""
    parser = subparsers.add_parser("demo", help="render built-in data, estimate speeds, count jumps, print results")
    parser.set_defaults(run=lambda args: __import__("motionlab.demo", fromlist=["main"]).main())
