"""The speed experiments behind notebook 03 and models/README.md: `python -m motionlab.speed_experiments`.

Trains the seed's model and motionlab's variants on the synthetic training drives (validation: the last training
seed, a whole drive), scores everything on held-out drives of unseen seeds, measures the seed's leaky split and
the effect of smoothing, and writes models/speed_results.json plus the .keras files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time

import numpy as np

from .cache import MODELS_DIR
from .speed import DEFAULT_MODEL
from .datasets import FAST, test_drives, training_drives, validation_drives
from .speed_data import RAW_INPUT, SEED_INPUT, DriveArrays
from .speed_eval import MagnitudeBaseline, MeanBaseline, evaluate, mse, predict_pairs, smooth
from .speed_train import seed_style_split, subset, train_speed_model

RESULTS_PATH = MODELS_DIR / "speed_results.json"  # what the notebook and README show
SMOOTHING_CHOICES = (1, 5, 9, 15, 25)  # moving-average windows tried on the validation drive, pairs
VARIANTS = {  # name -> (input kind, context fields, mirror augmentation, road crop, saved file); one change each
    "seed model (HSV min-max flow)": (SEED_INPUT, 1, False, False, "speed_seed_nvidia.keras"),
    "raw flow, 1 field": (RAW_INPUT, 1, False, False, "speed_raw1.keras"),
    "raw flow, 3 fields": (RAW_INPUT, 3, False, False, "speed_raw3.keras"),
    "raw flow, 3 fields, mirrored": (RAW_INPUT, 3, True, False, "speed_raw3_mirrored.keras"),
    "raw flow, 3 fields, road crop": (RAW_INPUT, 3, False, True, "speed_raw3_road.keras"),
}
SEED_VARIANT = "seed model (HSV min-max flow)"  # the seed's model, kept beside ours in notebook 03


def load_drives(drives, with_frames: bool) -> list[DriveArrays]:
    """Return DriveArrays for drives (flow computed and cached on first use)."""
    return [DriveArrays.load(drive, with_frames=with_frames) for drive in drives]


def run(epochs: int, steps_per_epoch: int | None, only: list[str] | None = None) -> dict:
    """Train and score every variant and baseline; return the results dictionary (MSE in (m/s)^2)."""
    if FAST:
        raise ValueError("the experiments overwrite the shipped models: run them without MOTIONLAB_FAST=1")
    train = load_drives(training_drives(), with_frames=True)
    validation = load_drives(validation_drives(), with_frames=True)
    test = load_drives(test_drives(), with_frames=True)
    results = json.loads(RESULTS_PATH.read_text()) if RESULTS_PATH.exists() and only else {}
    results.update({"train_drives": [d.name for d in train], "validation_drives": [d.name for d in validation],
                    "test_drives": [d.name for d in test], "epochs": epochs, "steps_per_epoch": steps_per_epoch})
    fitted = [MeanBaseline().fit(train), MagnitudeBaseline().fit(train)]
    results["train_mean_mps"] = fitted[0].mean
    results["baselines"] = evaluate({b.name: b.predict for b in fitted}, test)
    results.setdefault("models", {})
    for name, (kind, context, flip, road_crop, filename) in VARIANTS.items():
        if only and not any(word in name for word in only):
            continue
        start = time.perf_counter()
        model, history = train_speed_model(train, validation, MODELS_DIR / filename, kind=kind, context=context,
                                           flip=flip, road_crop=road_crop, epochs=epochs,
                                           steps_per_epoch=steps_per_epoch)
        minutes = (time.perf_counter() - start) / 60
        predictor = {name: lambda arrays, m=model: predict_pairs(m, arrays)}
        validation_predictions = [predict_pairs(model, arrays) for arrays in validation]
        by_window = {w: float(np.mean([mse(smooth(p, w), a.speeds) for p, a in zip(validation_predictions, validation)]))
                     for w in SMOOTHING_CHOICES}
        best_window = min(by_window, key=by_window.get)
        by_window = {str(window): value for window, value in by_window.items()}  # JSON keys are strings
        results["models"][name] = {
            "file": filename, "train_minutes": round(minutes, 1), "history": history,
            "test": evaluate(predictor, test)[name],
            "test_smoothed": evaluate(predictor, test, best_window)[name],
            "validation_by_smoothing": by_window, "smoothing_window": best_window,
        }
        print(f"{name}: test MSE {results['models'][name]['test']['all']:.3f}, smoothed "
              f"{results['models'][name]['test_smoothed']['all']:.3f} (window {best_window}), {minutes:.1f} min")
        RESULTS_PATH.write_text(json.dumps(results, indent=1))
    if not only or "split" in only:
        results["seed_split"] = leaky_split_experiment(train + validation, test, epochs, steps_per_epoch)
    ship_best(results)
    RESULTS_PATH.write_text(json.dumps(results, indent=1))
    return results


def ship_best(results: dict) -> str:
    """Copy motionlab's variant with the lowest smoothed validation MSE to the shipped model file; return its name.

    The choice uses validation drives only; the held-out test drives never pick the winner.
    """
    ours = {name: model for name, model in results["models"].items() if name != SEED_VARIANT}
    best = min(ours, key=lambda name: ours[name]["validation_by_smoothing"][str(ours[name]["smoothing_window"])])
    shutil.copyfile(MODELS_DIR / ours[best]["file"], DEFAULT_MODEL)
    results["shipped"] = {"variant": best, "file": DEFAULT_MODEL.name,
                          "smoothing_window": ours[best]["smoothing_window"]}
    return best


def leaky_split_experiment(drives: list[DriveArrays], test: list[DriveArrays], epochs: int,
                           steps_per_epoch: int | None) -> dict:
    """Train a 1-field raw-flow model on the seed's shuffled pair split; score its own test pairs and unseen drives."""
    splits = [seed_style_split(len(d.speeds), seed=i) for i, d in enumerate(drives)]
    part = {key: [subset(d, s[key]) for d, s in zip(drives, splits)] for key in ("train", "validation", "test")}
    path = MODELS_DIR / ".speed_leaky_split.keras"
    model, _ = train_speed_model(part["train"], part["validation"], path, kind=RAW_INPUT, context=1, flip=False,
                                 epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0)
    path.unlink(missing_ok=True)
    predictor = {"leaky": lambda arrays: predict_pairs(model, arrays)}
    return {"seed_split_test_pairs": evaluate(predictor, part["test"])["leaky"]["all"],
            "held_out_drives": evaluate(predictor, test)["leaky"]["all"]}


def main() -> None:
    """Parse the command line and run the experiments."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--steps", type=int, default=250, help="batches per epoch (0: all pairs)")
    parser.add_argument("--only", nargs="*", help="run only variants whose name contains one of these words")
    args = parser.parse_args()
    run(args.epochs, args.steps or None, args.only)


if __name__ == "__main__":
    main()
