"""Keras training that resumes after an interrupt where it stopped, and ends as an uninterrupted run would.

Keras's BackupAndRestore keeps the weights, the optimiser (its learning rate too) and the epoch; it does not keep
what the other callbacks learnt: the best validation loss so far and its weights (EarlyStopping,
ModelCheckpoint) and the plateau counters (EarlyStopping, ReduceLROnPlateau). TrainingState keeps those beside the
backup, so a resumed run neither forgets a better epoch from before the interrupt nor restarts its patience.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import keras

from .cache import atomic_output

STATE_FILE = "state.json"  # the callbacks' counters after the last finished epoch
BEST_WEIGHTS_FILE = "best.weights.h5"  # the weights of the best epoch so far


class TrainingState(keras.callbacks.Callback):
    """Save and restore the state of EarlyStopping, ModelCheckpoint and ReduceLROnPlateau in backup_dir.

    List it after those three and before BackupAndRestore: it restores last at the start of training and saves
    each epoch's state before the backup marks the epoch done.
    """

    def __init__(self, backup_dir: str | Path, early_stopping, checkpoint=None, plateau=None):
        super().__init__()
        self.backup_dir = Path(backup_dir)
        self.early_stopping, self.checkpoint, self.plateau = early_stopping, checkpoint, plateau

    def on_train_begin(self, logs=None):
        state_path = self.backup_dir / STATE_FILE
        if not state_path.exists():
            return
        state = json.loads(state_path.read_text())
        print(f"resuming the interrupted training after epoch {state['epoch'] + 1} (backup: {self.backup_dir})",
              file=sys.stderr)
        current = self.model.get_weights()
        self.model.load_weights(self.backup_dir / BEST_WEIGHTS_FILE)
        self.early_stopping.best_weights = self.model.get_weights()
        self.model.set_weights(current)
        self.early_stopping.best, self.early_stopping.best_epoch = state["best"], state["best_epoch"]
        self.early_stopping.wait = state["early_stopping_wait"]
        if self.checkpoint is not None:
            self.checkpoint.best = state["best"]
        if self.plateau is not None:
            self.plateau.best, self.plateau.wait = state["best"], state["plateau_wait"]
            self.plateau.cooldown_counter = state["plateau_cooldown"]

    def on_epoch_end(self, epoch, logs=None):
        if self.early_stopping.best is None:
            return
        self.backup_dir.mkdir(parents=True, exist_ok=True)
        if self.early_stopping.best_epoch == epoch:
            partial = self.backup_dir / f"partial.{BEST_WEIGHTS_FILE}"  # Keras wants the .weights.h5 ending
            self.model.save_weights(partial)
            os.replace(partial, self.backup_dir / BEST_WEIGHTS_FILE)
        state = {"epoch": int(epoch), "best": float(self.early_stopping.best), "best_epoch": int(self.early_stopping.best_epoch),
                 "early_stopping_wait": int(self.early_stopping.wait),
                 "plateau_wait": int(getattr(self.plateau, "wait", 0)),
                 "plateau_cooldown": int(getattr(self.plateau, "cooldown_counter", 0))}
        with atomic_output(self.backup_dir / STATE_FILE) as partial:
            Path(partial).write_text(json.dumps(state))

    def on_train_end(self, logs=None):
        shutil.rmtree(self.backup_dir, ignore_errors=True)  # finished: nothing left to resume


def resumable_callbacks(backup_dir: str | Path, early_stopping, checkpoint=None, plateau=None) -> list:
    """Return [those of the three given, TrainingState, BackupAndRestore] for model.fit, resuming from backup_dir."""
    backup_dir = Path(backup_dir)
    given = [callback for callback in (checkpoint, early_stopping, plateau) if callback is not None]
    return given + [TrainingState(backup_dir, early_stopping, checkpoint, plateau),
                    keras.callbacks.BackupAndRestore(str(backup_dir / "keras"), delete_checkpoint=True)]
