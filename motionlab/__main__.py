"""Command line: `python -m motionlab COMMAND ...`; each command lives in motionlab/commands/<name>.py."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the command line

from .video import VideoError

COMMANDS = ["synth", "frames", "flow", "speed", "count", "label", "demo"]  # modules of motionlab.commands, in help order


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per module in COMMANDS."""
    parser = argparse.ArgumentParser(prog="python -m motionlab", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"motionlab.commands.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"motionlab.commands.{name}":
                raise
            continue  # a command not written yet
        module.add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit status; bad input prints one clear line on stderr and returns 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (VideoError, ValueError, FileNotFoundError) as error:
        print(f"motionlab {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
