"""Training the speed regressors: train_speed_model(...) with checkpointing, early stopping and LR reduction."""

from __future__ import annotations

import os
from pathlib import Path

import keras
import numpy as np

from ..cache import atomic_output
from ..resumable import resumable_callbacks
from .data import RAW_INPUT, SEED_INPUT, DriveArrays, SpeedBatches
from .models import flow_speed_model, seed_speed_model

BATCH_SIZE = 32  # pairs per batch (the seed used 16)
PATIENCE_EPOCHS = 4  # early stopping: epochs without a better validation loss
LR_PATIENCE_EPOCHS = 2  # halve the learning rate after this many epochs without improvement


def build_model(kind: str, context: int = 3, road_crop: bool = False) -> keras.Model:
    """Return a fresh compiled model for an input kind: the seed's CNN for SEED_INPUT, the raw-flow CNN otherwise."""
    return seed_speed_model() if kind == SEED_INPUT else flow_speed_model(context, road_crop=road_crop)


def train_speed_model(train: list[DriveArrays], validation: list[DriveArrays], out_path: str | os.PathLike,
                      kind: str = RAW_INPUT, context: int = 3, flip: bool = False, road_crop: bool = False,
                      balance: bool = False, epochs: int = 30, steps_per_epoch: int | None = None, seed: int = 0,
                      verbose: int = 2, backup_dir: str | os.PathLike | None = None):
    """Train a speed model on whole training drives, keep the weights with the best validation MSE; return (model, history).

    The model is saved to out_path (.keras) whenever the validation loss improves; training stops early when it
    has not improved for PATIENCE_EPOCHS, and the learning rate halves after LR_PATIENCE_EPOCHS without progress.
    With backup_dir, an interrupted run started again with the same arguments resumes after its last finished epoch
    (motionlab.resumable); the directory is removed when training ends.
    """
    if kind == SEED_INPUT:
        context, flip = 1, False  # the seed reads one field, never mirrored
    keras.utils.set_random_seed(seed)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    model = build_model(kind, context, road_crop)
    train_batches = SpeedBatches(train, kind, context, BATCH_SIZE, shuffle=True, flip=flip, steps=steps_per_epoch,
                                 seed=seed, balance=balance)
    validation_batches = SpeedBatches(validation, kind, context, 128)
    with atomic_output(out_path) as partial:
        checkpoint = keras.callbacks.ModelCheckpoint(partial, monitor="val_loss", save_best_only=True)
        early_stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=PATIENCE_EPOCHS,
                                                       restore_best_weights=True)
        plateau = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=LR_PATIENCE_EPOCHS,
                                                    min_lr=1e-6)
        callbacks = ([checkpoint, early_stopping, plateau] if backup_dir is None else
                     resumable_callbacks(backup_dir, early_stopping, checkpoint, plateau))
        history = model.fit(train_batches, validation_data=validation_batches, epochs=epochs, callbacks=callbacks,
                            verbose=verbose)
        model.save(partial)  # the restored best weights
    return model, history.history


def seed_style_split(n_pairs: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Return the seed notebook's split of pair indices: each pair goes to train/validation/test with p=0.7/0.2/0.1.

    Neighbouring pairs (which share a frame and look almost alike) land on both sides: this split leaks.
    """
    draw = np.random.default_rng(seed).integers(0, 10, n_pairs)
    return {"train": np.flatnonzero(draw > 2), "validation": np.flatnonzero(draw <= 1), "test": np.flatnonzero(draw == 2)}


def subset(arrays: DriveArrays, pairs: np.ndarray) -> DriveArrays:
    """Return a drive restricted to some pair indices, for single-field raw-flow models (no frames, no context)."""
    pairs = np.sort(pairs)
    return DriveArrays(f"{arrays.name}[{len(pairs)} pairs]", np.asarray(arrays.flow[pairs]), arrays.speeds[pairs])
