"""Held-out evaluation on the real clips: train on synthetic + the other real clips, count the held-out clip.

`python -m motionlab.jumps.evaluate --methods counter,classical,cadence` runs leave-one-clip-out and writes
models/jump_loo_results.json (resumable: folds already in the file are skipped).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .folds import METHODS, run
from .report import select_rule
from .results import RESULTS_PATH


def main(argv: list[str] | None = None) -> int:
    """Command line of the held-out evaluation."""
    parser = argparse.ArgumentParser(prog="python -m motionlab.jumps.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="classical,cadence,counter", help=f"comma list of {list(METHODS)}")
    parser.add_argument("--counter-epochs", type=int, default=10, help="epochs of the improved counter per fold")
    parser.add_argument("--seed-epochs", type=int, default=2, help="epochs of the seed models per fold")
    parser.add_argument("--out", type=Path, default=RESULTS_PATH, help="results JSON")
    parser.add_argument("--clips", help="comma list of real clips: run only the folds holding them out (to split "
                                         "the evaluation between processes sharing the results file)")
    parser.add_argument("--select-rule", action="store_true",
                        help="choose the counting rule with the shipped counter on fresh synthetic clips")
    args = parser.parse_args(argv)
    if args.select_rule:
        select_rule(args.out)
        return 0
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    epochs = {m: args.seed_epochs if m.startswith("seed_") else args.counter_epochs for m in methods}
    run(methods, epochs, args.out, only=set(args.clips.split(",")) if args.clips else None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
