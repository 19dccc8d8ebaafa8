"""Training an action model with model.fit on ClipDatasets: early stopping on validation clips, best weights kept."""

from __future__ import annotations

import os

import keras

from ..clips import ClipDataset
from .models import ModelSettings, build_model
from .recipes import PATIENCE

EPOCHS = 30  # upper bound; early stopping on validation loss usually ends sooner
LR_FACTOR = 0.5  # a plateau's learning-rate cut (with lr_patience > 0)


def train_action_model(architecture: str, train: ClipDataset, validation: ClipDataset | None = None,
                       epochs: int = EPOCHS, patience: int = PATIENCE, settings: ModelSettings = ModelSettings(),
                       weights: str | None = None, checkpoint: str | os.PathLike | None = None, seed: int = 0,
                       verbose: int = 2, lr_patience: int = 0) -> tuple[keras.Model, dict]:
    """Return (trained model, history dict) for one architecture; with validation, stops early on its loss and keeps
    the best epoch's weights; lr_patience > 0 halves the learning rate after that many epochs without a better
    (validation, else training) loss; checkpoint: a .keras path written (atomically by Keras' own callback) at
    every best."""
    keras.utils.set_random_seed(seed)
    model = build_model(architecture, train.sampling.sample_shape, len(train.class_names), settings, weights)
    callbacks = []
    if validation is not None:
        callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience,
                                                       restore_best_weights=True))
    if lr_patience > 0:
        callbacks.append(keras.callbacks.ReduceLROnPlateau(monitor="val_loss" if validation else "loss",
                                                           factor=LR_FACTOR, patience=lr_patience))
    if checkpoint is not None:
        callbacks.append(keras.callbacks.ModelCheckpoint(str(checkpoint), monitor="val_loss" if validation else "loss",
                                                         save_best_only=True))
    history = model.fit(train, validation_data=validation, epochs=epochs, callbacks=callbacks, verbose=verbose)
    return model, history.history
