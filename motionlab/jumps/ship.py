"""Train the shipped weights on every real clip plus the synthetic clips and save them in models/.

`python -m motionlab.jumps.ship --models counter,seed_gray,seed_rgb,seed_flow`
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..cache import MODELS_DIR, atomic_output, check_output_path
from .data import JUMPROPE_DIR, SEED_SYNTH_CLIPS, framed_clips, idle_clips, list_clips, synthetic_clips

SHIPPED = {  # model -> weight file in models/
    "counter": MODELS_DIR / "jump_counter.keras",
    "seed_gray": MODELS_DIR / "jump_seed_gray.keras",
    "seed_rgb": MODELS_DIR / "jump_seed_rgb.keras",
    "seed_flow": MODELS_DIR / "jump_seed_flow.keras",
}


def train_shipped(name: str, epochs: int, out: Path | None = None, negatives: bool = False, idle: bool = False,
                  framed: bool = False) -> Path:
    """Train one shipped model on all real clips + synthetic clips, save it (.keras) and return its path;
    negatives: the counter also learns all-zero targets on the no-jump training videos (motionlab.jumps.negatives);
    idle: and on the synthetic clips with idle lead-ins and run-outs (data.idle_clips); framed: and on the synthetic
    clips with framing effects (data.framed_clips)."""
    from .training import train_jump_counter, train_seed_model

    if name not in SHIPPED:
        raise ValueError(f"unknown model {name!r}; choose from {list(SHIPPED)}")
    out = check_output_path(out or SHIPPED[name])
    real = list_clips(JUMPROPE_DIR)
    synthetic = synthetic_clips() + (idle_clips() if idle else []) + (framed_clips() if framed else [])
    if name == "counter":
        from .negatives import training_negatives

        model = train_jump_counter(real + synthetic, epochs=epochs, negatives=training_negatives() if negatives else ())
    else:
        model = train_seed_model(real + synthetic[:SEED_SYNTH_CLIPS], mode=name.split("_", 1)[1], epochs=epochs)
    with atomic_output(out) as partial:
        model.save(partial)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: train and save the shipped models."""
    parser = argparse.ArgumentParser(prog="python -m motionlab.jumps.ship", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="counter", help=f"comma list of {list(SHIPPED)}")
    parser.add_argument("--counter-epochs", type=int, default=10, help="epochs of the improved counter")
    parser.add_argument("--seed-epochs", type=int, default=2, help="epochs of each seed model")
    parser.add_argument("--negatives", action="store_true", help="the counter also trains on no-jump videos")
    parser.add_argument("--idle", action="store_true", help="the counter also trains on synthetic clips with idle "
                        "lead-ins and run-outs (walking, standing, rope turning without a jump)")
    parser.add_argument("--framed", action="store_true", help="the counter also trains on synthetic clips filmed the "
                        "ways users film (small athlete, picture-in-picture, letterbox, handheld phone)")
    parser.add_argument("--out", type=Path, help="where to write the model (one model only; default: models/)")
    args = parser.parse_args(argv)
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    if args.out and len(names) != 1:
        parser.error("--out takes one model")
    for name in names:
        epochs = args.counter_epochs if name == "counter" else args.seed_epochs
        print(f"wrote {train_shipped(name, epochs, args.out, args.negatives, args.idle, args.framed)}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
