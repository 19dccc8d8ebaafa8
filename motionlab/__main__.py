"""Command line: `python -m motionlab COMMAND ...`; each command lives in motionlab/commands/<name>.py."""

from __future__ import annotations

import argparse
import importlib
import sys

from .video import VideoError

# modules of motionlab.commands, in help order
COMMANDS = ["synth", "frames", "flow", "speed", "count", "classify", "label", "demo", "serve", "predict_next", "train_speed"]


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with one sub-command per module in COMMANDS."""
    parser = argparse.ArgumentParser(prog="python -m motionlab", description=__doc__)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        importlib.import_module(f"motionlab.commands.{name}").add_parser(subparsers)
    return parser


def one_line(error: BaseException) -> str:
    """Return an error's message on one line (libraries sometimes raise several)."""
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit status; bad input prints one clear line on stderr and returns 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (VideoError, ValueError, FileNotFoundError) as error:
        print(f"motionlab {args.command}: error: {one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"motionlab {args.command}: interrupted (caches keep what was finished; run again to resume)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
