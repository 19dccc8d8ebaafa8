"""Training interrupted after an epoch resumes there and ends exactly as an uninterrupted run does."""

import keras
import numpy as np
import pytest

from motionlab.resumable import resumable_callbacks

EPOCHS = 8


class StopAfter(keras.callbacks.Callback):
    """Raise KeyboardInterrupt (a user's Ctrl-C) once epoch `last` has ended and been backed up."""

    def __init__(self, last):
        super().__init__()
        self.last = last

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.last:
            raise KeyboardInterrupt


def train(backup_dir, extra=(), seed=0):
    """Fit a tiny regressor whose validation loss stops improving part-way; return (model, history, callbacks)."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 4)).astype("float32"), rng.normal(size=(64, 1)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    early_stopping = keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True)
    plateau = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1)
    callbacks = resumable_callbacks(backup_dir, early_stopping, plateau=plateau) + list(extra)
    history = model.fit(x[:48], y[:48], validation_data=(x[48:], y[48:]), epochs=EPOCHS, batch_size=16,
                        shuffle=False, callbacks=callbacks, verbose=0)
    return model, history.history, early_stopping


def test_an_interrupted_run_resumes_after_its_last_epoch_and_ends_like_an_uninterrupted_one(tmp_path):
    whole_model, whole_history, whole_stopping = train(tmp_path / "whole")
    epochs_run = len(whole_history["val_loss"])
    assert whole_stopping.best_epoch < epochs_run - 1, "the test needs a run that stops after its best epoch"
    interrupt_at = whole_stopping.best_epoch  # interrupt on the best epoch: the resumed run must remember it
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "run", [StopAfter(interrupt_at)])
    assert (tmp_path / "run").is_dir(), "the interrupted run left its backup"
    model, history, stopping = train(tmp_path / "run", seed=1)  # another seed: the backup, not the seed, decides
    assert len(history["val_loss"]) == epochs_run - interrupt_at - 1, "it ran only the epochs after the interrupt"
    assert np.allclose(history["val_loss"], whole_history["val_loss"][interrupt_at + 1:], rtol=1e-4)
    assert stopping.best == pytest.approx(whole_stopping.best, rel=1e-5) and stopping.best_epoch == interrupt_at
    for resumed, whole in zip(model.get_weights(), whole_model.get_weights()):
        assert np.allclose(resumed, whole, atol=1e-5), "the best weights, from before the interrupt, were restored"
    assert not (tmp_path / "run").exists(), "a finished run leaves no backup"
