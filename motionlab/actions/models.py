"""Action models on clips (frames, height, width, channels): the seed's TimeDistributed CNN + GRU, a 3D-convolution
network, a single-frame CNN averaged over the clip; all small, trained from scratch, plain functional Keras."""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers

ARCHITECTURES = ("cnn_gru", "conv3d", "single_frame")  # the learned models compared in notebook 05
BN_MOMENTUM = 0.9  # batch-norm running statistics: Keras' 0.99 still remembers its start after the ~150 steps of a fold


@dataclass(frozen=True)
class ModelSettings:
    """Sizes of the small models: conv filters per stage, recurrent units, dropout rate, learning rate."""

    filters: tuple[int, ...] = (8, 16, 32)  # per 2x2-pooled stage (24x32 -> 3x4 after three)
    features: int = 64  # per-frame feature vector of the 2D CNNs
    gru_units: int = 64
    dropout: float = 0.3
    learning_rate: float = 1e-3


def frame_encoder(frame_shape: tuple[int, int, int], settings: ModelSettings, name: str) -> keras.Model:
    """Return the per-frame CNN: (H, W, C) -> (features,) keeping coarse position (flattened, not pooled away)."""
    inputs = keras.Input(frame_shape)
    x = inputs
    for filters in settings.filters:
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dropout(settings.dropout)(x)
    x = layers.Dense(settings.features, activation="relu")(x)
    return keras.Model(inputs, x, name=name)


def cnn_gru(input_shape: tuple[int, int, int, int], classes: int, settings: ModelSettings = ModelSettings()
            ) -> keras.Model:
    """Return the seed's design, small: TimeDistributed CNN, GRU, dense softmax; (T, H, W, C) -> (classes,)."""
    inputs = keras.Input(input_shape, name="clip")
    x = layers.TimeDistributed(frame_encoder(input_shape[1:], settings, "frame_cnn"), name="per_frame")(inputs)
    x = layers.GRU(settings.gru_units)(x)
    x = layers.Dropout(settings.dropout)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="cnn_gru")


def conv3d(input_shape: tuple[int, int, int, int], classes: int, settings: ModelSettings = ModelSettings()
           ) -> keras.Model:
    """Return a small 3D-convolution network: (T, H, W, C) -> (classes,) softmax."""
    inputs = keras.Input(input_shape, name="clip")
    x = inputs
    for stage, filters in enumerate(settings.filters):
        x = layers.Conv3D(filters, 3, padding="same", activation="relu")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.MaxPooling3D((1 if stage == 0 else 2, 2, 2))(x)  # keep time at full rate in the first stage
    x = layers.Flatten()(x)
    x = layers.Dropout(settings.dropout)(x)
    x = layers.Dense(settings.features, activation="relu")(x)
    x = layers.Dropout(settings.dropout)(x)
    outputs = layers.Dense(classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="conv3d")


def single_frame(input_shape: tuple[int, int, int, int], classes: int, settings: ModelSettings = ModelSettings()
                 ) -> keras.Model:
    """Return a CNN that classifies every frame alone, its probabilities averaged over the clip: no motion seen."""
    inputs = keras.Input(input_shape, name="clip")
    encoder = frame_encoder(input_shape[1:], settings, "frame_cnn")
    per_frame = keras.Sequential([encoder, layers.Dropout(settings.dropout),
                                  layers.Dense(classes, activation="softmax")], name="frame_classifier")
    x = layers.TimeDistributed(per_frame, name="per_frame")(inputs)
    outputs = layers.GlobalAveragePooling1D(name="probabilities")(x)
    return keras.Model(inputs, outputs, name="single_frame")


def build_model(architecture: str, input_shape: tuple[int, int, int, int], classes: int,
                settings: ModelSettings = ModelSettings(), weights: str | None = None) -> keras.Model:
    """Return a compiled model of one architecture; weights: an optional .keras or .weights.h5 file to start from."""
    makers = {"cnn_gru": cnn_gru, "conv3d": conv3d, "single_frame": single_frame}
    if architecture not in makers:
        raise ValueError(f"architecture {architecture!r}: use one of {ARCHITECTURES}")
    model = makers[architecture](tuple(input_shape), classes, settings)
    if weights is not None:
        if str(weights).endswith(".keras"):
            model.set_weights(keras.saving.load_model(weights, compile=False).get_weights())
        else:
            model.load_weights(weights)
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def average_of(members: list[keras.Model]) -> keras.Model:
    """Return one model whose output is the mean of the members' class probabilities (an ensemble saved and loaded
    as a single .keras file, read by classify like any other); one member is returned unchanged."""
    if len(members) == 1:
        return members[0]
    inputs = keras.Input(members[0].input_shape[1:], name="clip")
    named = [keras.Model(m.inputs, m.outputs[0], name=f"member_{i}") for i, m in enumerate(members)]  # unique names
    outputs = layers.Average(name="probabilities")([member(inputs) for member in named])
    return keras.Model(inputs, outputs, name=f"{members[0].name}_x{len(members)}")
