"""Leave-one-group-out evaluation of every action model and baseline (one actor or person held out per fold, one
more for early stopping), per-clip results saved per method; and the shipped model, trained on every group.

`python -m motionlab.actions.evaluate --data weizmann --methods majority,nn_mhi,cnn_gru,cnn_gru_diff`
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..cache import CACHE_DIR, MODELS_DIR, atomic_output
from ..clips import ClipDataset, group_folds
from ..clips.decode import decode_clip
from ..threads import limit_threads
from .baselines import DESCRIPTORS, clip_descriptor, majority, nearest_neighbour
from .data import ActionData, load_action_data
from .models import ARCHITECTURES, average_of
from .recipes import split_recipe

BASELINES = ("majority", "nn_mhi", "nn_mean_diff")
INPUTS = {"": None, "_diff": "diff", "_flow": "flow", "_gray": None}  # method suffix -> motion of the input
MEMBER_SEED_STEP = 10_000  # seed offset between an ensemble's members (fold seeds are below 1,000)
RESULTS_DIR = CACHE_DIR / "actions_loao"  # one JSON per data set and method, fold by fold (resumable)


def parse_method(method: str) -> tuple[str, str | None, int | None]:
    """Return (architecture or baseline, motion, channels override) of a method name like "cnn_gru_diff" (an
    "@recipe" ending is checked and dropped)."""
    method, _ = split_recipe(method)
    if method in BASELINES:
        return method, None, None
    for suffix, motion in INPUTS.items():
        architecture = method[:-len(suffix)] if suffix and method.endswith(suffix) else method
        if architecture in ARCHITECTURES and (suffix == "" or method.endswith(suffix)):
            return architecture, motion, 1 if suffix == "_gray" else None
    raise ValueError(f"method {method!r}: use a baseline {BASELINES} or an architecture {ARCHITECTURES} with an "
                     f"optional input suffix {[s for s in INPUTS if s]}")


def method_sampling(data: ActionData, method: str):
    """Return the ClipSampling a method reads (the data set's, with the method's input, then its recipe's changes)."""
    _, motion, channels = parse_method(method)
    sampling = replace(data.sampling, motion=motion, channels=channels or data.sampling.channels)
    return split_recipe(method)[1].apply(sampling)


def clip_probabilities(window_probabilities: np.ndarray, sample_clips: np.ndarray, n_clips: int) -> np.ndarray:
    """Return each clip's mean window probability (n_clips, classes) from (windows, classes) and their clips."""
    totals = np.zeros((n_clips, window_probabilities.shape[1]), np.float64)
    np.add.at(totals, sample_clips, window_probabilities)
    return (totals / np.bincount(sample_clips, minlength=n_clips)[:, None]).astype(np.float32)


def predict_clips(model, dataset: ClipDataset) -> np.ndarray:
    """Return a trained model's clip probabilities (clips, classes) on an unshuffled, unaugmented dataset."""
    windows = model.predict(dataset, verbose=0)
    return clip_probabilities(windows, dataset.sample_clips, len(dataset.paths))


def training_dataset(data: ActionData, method: str, paths, labels, names, train_idx, seed: int = 0,
                     batch_size: int = 16) -> ClipDataset:
    """Return a fold's training ClipDataset: the recipe's windows, augmented and shuffled from seed."""
    recipe = split_recipe(method)[1]
    return ClipDataset([paths[i] for i in train_idx], [labels[i] for i in train_idx], names,
                       replace(method_sampling(data, method), stride=recipe.train_stride), batch_size,
                       augmentation=recipe.augmentation, shuffle=True, seed=seed)


def evaluation_dataset(data: ActionData, method: str, paths, labels, names, idx) -> ClipDataset:
    """Return an unshuffled, unaugmented ClipDataset of the clips idx, read as classify reads videos."""
    return ClipDataset([paths[i] for i in idx], [labels[i] for i in idx], names, method_sampling(data, method), 64)


def recipe_options(method: str) -> dict:
    """Return the train_action_model options (patience, learning-rate plateaus, model sizes) of a method's recipe."""
    recipe = split_recipe(method)[1]
    return {"patience": recipe.patience, "lr_patience": recipe.lr_patience, "settings": recipe.settings}


def run_baseline(method: str, data: ActionData, paths, labels, names, train_idx, test_idx) -> np.ndarray:
    """Return a baseline's clip predictions (test clips, classes)."""
    labels = np.asarray(labels)
    if method == "majority":
        return majority(labels[train_idx], len(test_idx), len(names))
    kind = method[len("nn_"):]
    assert kind in DESCRIPTORS
    sampling = data.sampling
    descriptors = np.stack([clip_descriptor(decode_clip(p, sampling.decoded_size, sampling.channels), kind) for p in paths])
    return nearest_neighbour(descriptors[train_idx], labels[train_idx], descriptors[test_idx], len(names))


def _split_validation(data: ActionData, paths, train_idx, validation_group: str):
    """Return (fit indices, validation indices): train_idx without, and with only, the validation group's clips."""
    in_validation = np.array([data.split_by(paths[i]) == validation_group for i in train_idx])
    return train_idx[~in_validation], train_idx[in_validation]


def _train_members(data: ActionData, method: str, paths, labels, names, fit_idx, validation_idx, epochs: int,
                   seed: int, verbose: int = 2):
    """Train the recipe's members (one model unless it is an ensemble), member m from seed + MEMBER_SEED_STEP * m
    (so member 0 is the single model of the same seed); stop on validation_idx (None: train all epochs, the shipped
    model); return (ensemble model, [history of each member], validation dataset or None)."""
    from .training import train_action_model

    architecture, recipe = parse_method(method)[0], split_recipe(method)[1]
    validation = None if validation_idx is None else evaluation_dataset(data, method, paths, labels, names,
                                                                         validation_idx)
    members, histories = [], []
    for member in range(recipe.members):
        member_seed = seed + MEMBER_SEED_STEP * member
        train = training_dataset(data, method, paths, labels, names, fit_idx, seed=member_seed)
        model, history = train_action_model(architecture, train, validation, epochs=epochs, seed=member_seed,
                                            verbose=verbose, **recipe_options(method))
        members.append(model)
        histories.append(history)
    return average_of(members), histories, validation


def _train_fold(data: ActionData, method: str, paths, labels, names, fit_idx, validation_idx, test_idx, epochs: int,
                seed: int, verbose: int):
    """Train one method on fit_idx, stopping on validation_idx; return (model, test dataset, validation record).
    For an ensemble the record holds the members' median best epoch and the averaged model's validation scores."""
    model, histories, validation = _train_members(data, method, paths, labels, names, fit_idx, validation_idx, epochs,
                                                  seed, verbose)
    test = evaluation_dataset(data, method, paths, labels, names, test_idx)
    validation_probabilities = predict_clips(model, validation)
    best = [int(np.argmin(history["val_loss"])) for history in histories]
    record = dict(best_epoch=int(np.median(best)) + 1, epochs_run=max(len(h["val_loss"]) for h in histories),
                  validation_loss=float(np.mean([h["val_loss"][b] for h, b in zip(histories, best)])),
                  validation_accuracy=float(np.mean(validation_probabilities.argmax(1) == validation.labels)))
    if len(histories) > 1:
        record["member_best_epochs"] = [b + 1 for b in best]
    return model, test, record


def evaluate_method(data: ActionData, method: str, epochs: int, results_dir: Path = RESULTS_DIR,
                    max_folds: int | None = None, verbose: int = 2, extra_validation: int = 0) -> dict:
    """Run (or resume) leave-one-group-out for one method and return its results: per fold the held-out group,
    validation group, best epoch, validation and test accuracy, and every test clip's probabilities.

    extra_validation K > 0 also trains, per fold, K more models that stop on the 2nd, 3rd, ... next group instead
    (still never on the held-out group) and records only their validation scores under "selection": more validation
    clips for choosing between methods, without touching the held-out scores."""
    paths, labels, names = data.videos()
    out = Path(results_dir) / data.name / f"{method}.json"
    results = json.loads(out.read_text()) if out.exists() else {"method": method, "data": data.name, "epochs": epochs,
                                                                 "classes": names, "folds": {}}
    if results.get("epochs", epochs) != epochs:
        raise SystemExit(f"{out}: holds folds trained for at most {results['epochs']} epochs, not {epochs}; "
                         "move it away to start again")
    folds = group_folds(paths, data.split_by)
    groups = [group for group, _, _ in folds]
    for number, (group, train_idx, test_idx) in enumerate(folds[:max_folds]):
        if group not in results["folds"]:
            started = time.time()
            validation_group = groups[(number + 1) % len(groups)]  # the next group: early stopping only
            fit_idx, validation_idx = _split_validation(data, paths, train_idx, validation_group)
            fold = {"validation_group": validation_group}
            if method in BASELINES:
                probabilities = run_baseline(method, data, paths, labels, names, train_idx, test_idx)
            else:
                model, test, record = _train_fold(data, method, paths, labels, names, fit_idx, validation_idx,
                                                  test_idx, epochs, number, verbose)
                fold.update(record)
                probabilities = predict_clips(model, test)
            truth = np.asarray(labels)[test_idx]
            fold.update(accuracy=float(np.mean(probabilities.argmax(1) == truth)),
                        seconds=round(time.time() - started, 1),
                        clips=[{"video": str(paths[i]), "true": int(t), "probabilities": [round(float(p), 5) for p in row]}
                               for i, t, row in zip(test_idx, truth, probabilities)])
            results["folds"][group] = fold
            _save(results, out)
            print(f"{data.name} {method} fold {group}: accuracy {fold['accuracy']:.3f} ({fold['seconds']} s)", flush=True)
        if method in BASELINES:
            continue
        selection = results.setdefault("selection", {}).setdefault(group, {})
        for offset in range(2, 2 + extra_validation):
            validation_group = groups[(number + offset) % len(groups)]
            if validation_group in selection or validation_group == group:
                continue
            started = time.time()
            fit_idx, validation_idx = _split_validation(data, paths, train_idx, validation_group)
            _, _, record = _train_fold(data, method, paths, labels, names, fit_idx, validation_idx, test_idx, epochs,
                                       number * 100 + offset, verbose)
            selection[validation_group] = {**record, "seconds": round(time.time() - started, 1)}
            _save(results, out)
            print(f"{data.name} {method} fold {group}, validating on {validation_group}: validation accuracy "
                  f"{record['validation_accuracy']:.3f}", flush=True)
    return results


def _save(results: dict, out: Path) -> None:
    """Write a method's results atomically (a fold is never half-recorded)."""
    with atomic_output(out) as partial:
        Path(partial).write_text(json.dumps(results, indent=1))


def validation_scores(results: dict) -> list[float]:
    """Return a method's validation accuracy of every (fold, validation group) it was trained for: the primary
    validation group of each fold, then the extra ones of `extra_validation`; empty for a baseline."""
    scores = [fold["validation_accuracy"] for fold in results["folds"].values() if "validation_accuracy" in fold]
    return scores + [record["validation_accuracy"] for extra in results.get("selection", {}).values()
                     for record in extra.values()]


def summarise(results: dict) -> dict:
    """Return a method's clip accuracy over all folds, and the mean and standard deviation of its fold accuracies."""
    folds = results["folds"].values()
    clips = [clip for fold in folds for clip in fold["clips"]]
    correct = [int(np.argmax(c["probabilities"]) == c["true"]) for c in clips]
    per_fold = [fold["accuracy"] for fold in folds]
    validation = [fold["validation_accuracy"] for fold in folds if "validation_accuracy" in fold]
    choosing = validation_scores(results)
    return {"accuracy": float(np.mean(correct)), "fold_mean": float(np.mean(per_fold)),
            "fold_std": float(np.std(per_fold)), "folds": len(per_fold), "clips": len(clips),
            "validation_mean": float(np.mean(validation)) if validation else None,
            "selection_mean": float(np.mean(choosing)) if choosing else None, "selection_runs": len(choosing)}


def collect(data_name: str, results_dir: Path = RESULTS_DIR, out: Path | None = None) -> dict:
    """Merge every method's fold results into models/action_loao_<data>.json and return {method: results}."""
    merged = {}
    for path in sorted((Path(results_dir) / data_name).glob("*.json")):
        results = json.loads(path.read_text())
        results["summary"] = summarise(results)
        merged[results["method"]] = results
    out = out or MODELS_DIR / f"action_loao_{data_name}.json"
    with atomic_output(out) as partial:
        Path(partial).write_text(json.dumps(merged, indent=1))
    return merged


def chosen_epochs(data_name: str, method: str, results_dir: Path = RESULTS_DIR) -> int | None:
    """Return the median best epoch over a method's leave-one-group-out folds (each chosen on its validation
    group), None if the method has no fold results: how long the shipped model, with no group left to stop on,
    trains."""
    out = Path(results_dir) / data_name / f"{method}.json"
    if not out.exists():
        return None
    return int(np.median([fold["best_epoch"] for fold in json.loads(out.read_text())["folds"].values()]))


def ship(data: ActionData, method: str, epochs: int, out: Path, seed: int = 0) -> dict:
    """Train one method on every group for a fixed number of epochs (chosen on the folds' validation groups) and
    save it to out (.keras; an ensemble recipe's members averaged in one model); return what was done."""
    paths, labels, names = data.videos()
    started = time.time()
    model, histories, _ = _train_members(data, method, paths, labels, names, np.arange(len(paths)), None, epochs, seed)
    with atomic_output(out) as partial:
        model.save(partial)
    return {"method": method, "epochs": epochs, "seconds": round(time.time() - started, 1),
            "final_loss": float(np.mean([history["loss"][-1] for history in histories]))}


def main(argv: list[str] | None = None) -> int:
    """Command line: evaluate methods fold by fold, collect the results, or ship a model."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default="weizmann", help="weizmann, gestures or synthetic")
    parser.add_argument("--methods", default="", help="comma-separated baselines and architectures[_diff|_flow|_gray]")
    parser.add_argument("--epochs", type=int, default=25, help="most epochs per fold (early stopping ends sooner)")
    parser.add_argument("--extra-validation", type=int, default=0, help="per fold, train K more models that stop "
                        "on the 2nd..K+1th next group, for a choice of method on more validation clips")
    parser.add_argument("--max-folds", type=int, help="only the first N folds (a quick check)")
    parser.add_argument("--collect", action="store_true", help="merge results into models/action_loao_<data>.json")
    parser.add_argument("--ship", help="train this method on every group and save it to --out")
    parser.add_argument("--out", help="where --ship saves the model (.keras)")
    parser.add_argument("--ship-epochs", type=int, help="epochs --ship trains for (default: the median best epoch "
                        "of the method's folds, else --epochs)")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads (the machine is shared)")
    args = parser.parse_args(argv)
    data = load_action_data(args.data, fallback=False)
    methods = [m for m in args.methods.split(",") if m]
    for method in methods + ([args.ship] if args.ship else []):
        parse_method(method)
    if methods or args.ship:
        limit_threads(args.threads)
    for method in methods:
        evaluate_method(data, method, args.epochs, max_folds=args.max_folds,
                        extra_validation=args.extra_validation)
    if args.ship:
        epochs = args.ship_epochs or chosen_epochs(data.name, args.ship) or args.epochs
        print(json.dumps(ship(data, args.ship, epochs, Path(args.out or MODELS_DIR / f"action_{args.data}.keras"))))
    if args.collect:
        for method, results in collect(args.data).items():
            print(f"{method}: {results['summary']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
