"""The speed experiments behind notebook 03 and models/README.md: `python -m motionlab.speed.experiments`.

Trains the seed's model and motionlab's variants on the synthetic training drives (validation: the last training
seed, a whole drive), scores everything on held-out drives of unseen seeds, measures the seed's leaky split and
the effect of smoothing, and writes models/speed_results.json plus the .keras files.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import dataclass

import numpy as np

from ..cache import MODELS_DIR
from .data import RAW_INPUT, SEED_INPUT, DriveArrays
from .drives import FAST, selection_drives, test_drives, training_drives, validation_drives
from .evaluate import MagnitudeBaseline, MeanBaseline, evaluate, mse, predict_pairs, smooth
from .predict import DEFAULT_MODEL
from .training import seed_style_split, subset, train_speed_model

RESULTS_PATH = MODELS_DIR / "speed_results.json"  # what the notebook and README show
SMOOTHING_CHOICES = (1, 5, 9, 15, 25, 41, 61)  # moving-average windows tried on the validation drives, pairs


@dataclass(frozen=True)
class Variant:
    """One speed-model recipe: its input kind, flow fields read, augmentation, sampling, and its weights file."""

    name: str  # how tables and models/speed_results.json call it
    kind: str  # SEED_INPUT or RAW_INPUT
    file: str  # weights file in models/
    context: int = 1  # consecutive flow fields stacked into one input
    flip: bool = False  # mirror augmentation (left-right) of training inputs
    road_crop: bool = False  # crop the side strips off the flow
    balance: bool = False  # speed-balanced batches

    def train_options(self) -> dict:
        """Return the keyword arguments of train_speed_model that make this variant."""
        return {"kind": self.kind, "context": self.context, "flip": self.flip, "road_crop": self.road_crop,
                "balance": self.balance}


SEED_VARIANT = "seed model (HSV min-max flow)"  # the seed's model, kept beside ours in notebook 03
VARIANTS = {variant.name: variant for variant in (  # each changes one thing against the one above or "raw flow, 3 fields"
    Variant(SEED_VARIANT, SEED_INPUT, "speed_seed_nvidia.keras"),
    Variant("raw flow, 1 field", RAW_INPUT, "speed_raw1.keras"),
    Variant("raw flow, 3 fields", RAW_INPUT, "speed_raw3.keras", context=3),
    Variant("raw flow, 3 fields, mirrored", RAW_INPUT, "speed_raw3_mirrored.keras", context=3, flip=True),
    Variant("raw flow, 3 fields, road crop", RAW_INPUT, "speed_raw3_road.keras", context=3, road_crop=True),
    Variant("raw flow, 3 fields, speed-balanced", RAW_INPUT, "speed_raw3_balanced.keras", context=3, balance=True),
)}
ENSEMBLE = "mean of the raw-flow variants"  # scored beside them, not shipped: 5 CNNs run below 200 frames/s
MIN_SHIPPED_CONTEXT = 2  # the shipped model reads several consecutive flow fields (single-field ones are compared)


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
    for name, variant in VARIANTS.items():
        if only and name not in only:
            continue
        filename = variant.file
        start = time.perf_counter()
        model, history = train_speed_model(train, validation, MODELS_DIR / filename, **variant.train_options(),
                                           epochs=epochs, steps_per_epoch=steps_per_epoch)
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
    ship_best(results, test=test)
    RESULTS_PATH.write_text(json.dumps(results, indent=1))
    return results


def ship_best(results: dict, selection: list[DriveArrays] | None = None,
              test: list[DriveArrays] | None = None) -> str:
    """Choose the shipped model on the selection drives, write it to the shipped file, and return its name.

    Candidates: each raw-flow variant reading at least MIN_SHIPPED_CONTEXT fields, with every smoothing window.
    The selection drives (unseen scenes drawn like the test drives, never trained on) choose; the held-out test
    drives never do. Scores of every variant, and of their mean (ENSEMBLE), are recorded to be reported.
    """
    import keras

    selection = selection or load_drives(selection_drives(), with_frames=False)
    test = test or load_drives(test_drives(), with_frames=False)
    ours = [name for name in VARIANTS if name != SEED_VARIANT and name in results["models"]]
    models = {name: keras.saving.load_model(MODELS_DIR / results["models"][name]["file"], compile=False)
              for name in ours}
    predictions = {name: {"selection": [predict_pairs(model, arrays) for arrays in selection],
                          "test": [predict_pairs(model, arrays) for arrays in test]} for name, model in models.items()}
    predictions[ENSEMBLE] = {part: [np.mean([predictions[name][part][i] for name in ours], axis=0)
                                    for i in range(len(drives))]
                             for part, drives in (("selection", selection), ("test", test))}
    scores = {}
    for name, predicted in predictions.items():
        scores[name] = {
            "selection_by_smoothing": {str(w): float(np.mean([mse(smooth(p, w), a.speeds)
                                                              for p, a in zip(predicted["selection"], selection)]))
                                       for w in SMOOTHING_CHOICES},
            "test_by_smoothing": {str(w): float(np.mean([mse(smooth(p, w), a.speeds)
                                                         for p, a in zip(predicted["test"], test)]))
                                  for w in SMOOTHING_CHOICES},
        }
    eligible = [name for name in ours if VARIANTS[name].context >= MIN_SHIPPED_CONTEXT]
    best, window = min(((name, w) for name in eligible for w in scores[name]["selection_by_smoothing"]),
                       key=lambda choice: scores[choice[0]]["selection_by_smoothing"][choice[1]])
    shutil.copyfile(MODELS_DIR / results["models"][best]["file"], DEFAULT_MODEL)
    results["selection_drives"] = [arrays.name for arrays in selection]
    results["candidates"] = scores
    results["shipped"] = {"variant": best, "file": DEFAULT_MODEL.name, "smoothing_window": int(window),
                          "test": scores[best]["test_by_smoothing"]["1"],
                          "test_smoothed": scores[best]["test_by_smoothing"][window]}
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
    parser.add_argument("--only", nargs="*", help="run only these variants (full names; 'split': the leaky split)")
    parser.add_argument("--select-only", action="store_true",
                        help="train nothing: choose the shipped model again from the saved variants")
    args = parser.parse_args()
    if args.select_only:
        results = json.loads(RESULTS_PATH.read_text())
        print("shipped:", ship_best(results))
        RESULTS_PATH.write_text(json.dumps(results, indent=1))
    else:
        run(args.epochs, args.steps or None, args.only)


if __name__ == "__main__":
    main()
