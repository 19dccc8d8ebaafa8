"""Speed regressors (Keras 3, functional): the seed's NVIDIA-style CNN, and motionlab's raw-flow, multi-field CNN."""

from __future__ import annotations

import keras
from keras import layers

INPUT_SIZE = (66, 220)  # (height, width) of the flow field, pixels
SEED_LEARNING_RATE = 1e-4  # the seed's Adam learning rate
LEARNING_RATE = 5e-4  # motionlab's starting rate; reduced on plateau during training


def _nvidia_trunk(inputs, dropout: float):
    """Return the NVIDIA PilotNet trunk on `inputs`: 5 convolutions (ELU), then Dense 100/50/10 (ELU)."""
    x = inputs
    for filters, kernel, stride, name in [(24, 5, 2, "conv1"), (36, 5, 2, "conv2"), (48, 5, 2, "conv3"),
                                          (64, 3, 1, "conv4"), (64, 3, 1, "conv5")]:
        x = layers.Conv2D(filters, kernel, strides=stride, padding="valid", kernel_initializer="he_normal",
                          name=name)(x)
        x = layers.ELU(name=f"{name}_elu")(x)
        if name == "conv3":
            x = layers.Dropout(dropout, name="conv3_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    for units, name in [(100, "fc1"), (50, "fc2"), (10, "fc3")]:
        x = layers.Dense(units, kernel_initializer="he_normal", name=name)(x)
        x = layers.ELU(name=f"{name}_elu")(x)
    return layers.Dense(1, kernel_initializer="he_normal", name="speed")(x)


def seed_speed_model() -> keras.Model:
    """Return the seed's model: (66, 220, 3) uint8-range HSV->RGB flow -> speed (m/s); Adam 1e-4, MSE."""
    inputs = keras.Input((*INPUT_SIZE, 3), name="flow_rgb")
    x = layers.Rescaling(1 / 127.5, offset=-1.0, name="normalise")(inputs)  # the seed's x / 127.5 - 1
    model = keras.Model(inputs, _nvidia_trunk(x, dropout=0.5), name="seed_nvidia")
    model.compile(optimizer=keras.optimizers.Adam(SEED_LEARNING_RATE), loss="mse")
    return model


ROAD_CROP = ((0, 0), (30, 30))  # side strips where roadside objects pass, pixels (the trunk needs all 66 rows)

def flow_speed_model(context: int = 3, dropout: float = 0.3, road_crop: bool = False) -> keras.Model:
    """Return motionlab's model: `context` raw flow fields stacked, (66, 220, 2*context) -> speed (m/s).

    The same NVIDIA trunk, but fed flow in pixels per frame at a fixed scale (so its length still says how fast),
    several consecutive fields (so one bad field is outvoted), batch-normalised input, and a non-negative output.
    road_crop drops the side strips where roadside objects pass (ROAD_CROP), inside the model.
    """
    inputs = keras.Input((*INPUT_SIZE, 2 * context), name="raw_flow")
    x = layers.Cropping2D(ROAD_CROP, name="road_crop")(inputs) if road_crop else inputs
    x = layers.BatchNormalization(name="normalise")(x)
    speed = _nvidia_trunk(x, dropout)
    speed = layers.Activation("softplus", name="non_negative")(speed)
    model = keras.Model(inputs, speed, name=f"flow_cnn_{context}")
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse")
    return model


@keras.saving.register_keras_serializable(package="motionlab_speed")
class CentreMean(layers.Layer):
    """The mean of channel 0 over the 2 * half + 1 central steps of a (batch, steps, channels) window: (batch, 1)."""

    def __init__(self, half: int, **kwargs):
        super().__init__(**kwargs)
        self.half = half

    def call(self, window):
        centre = window.shape[1] // 2
        return keras.ops.mean(window[:, centre - self.half:centre + self.half + 1, :1], axis=1)

    def compute_output_shape(self, shape):
        return (shape[0], 1)

    def get_config(self):
        return {**super().get_config(), "half": self.half}
