"""Saved Keras models as files: is a path a .keras archive, what inputs does it declare (read without TensorFlow,
in milliseconds), and loading it, each failing in one line that names the file."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path


def declared_input_shapes(path: str | os.PathLike, what: str) -> list[tuple | None]:
    """Return the batch shapes of a .keras archive's input layers (None where unstated), from its config.json.

    Raises ValueError naming the file if it is missing or not a Keras archive; `what` says what the file should be
    ("speed model", "jump counter").
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such {what} file")
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValueError(f"{path}: not a Keras .keras model file (a zip archive holding config.json)") from None
    layers = config.get("config", {}).get("layers", []) if isinstance(config, dict) else []
    return [tuple(shape) if (shape := layer.get("config", {}).get("batch_shape")) is not None else None
            for layer in layers if isinstance(layer, dict) and layer.get("class_name") == "InputLayer"]


def load_keras_model(path: str | os.PathLike, what: str):
    """Return the Keras model saved at path (not compiled); ValueError naming the file if it cannot be loaded."""
    import keras

    declared_input_shapes(path, what)
    try:
        return keras.saving.load_model(path, compile=False)
    except Exception as error:  # Keras raises many kinds for a damaged archive
        message = " ".join(str(error).split())[:200]
        raise ValueError(f"{path}: not a readable {what} ({type(error).__name__}: {message})") from None
