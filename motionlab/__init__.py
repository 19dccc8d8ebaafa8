"""motionlab: reading motion in video (dashcam speed from optical flow, jump-rope counting)."""

__version__ = "0.1.0"

import os as _os

_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # TensorFlow's start-up chatter hides what matters
