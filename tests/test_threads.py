"""limit_threads pins TensorFlow's pools when called first, and is harmless once TensorFlow has started."""

import subprocess
import sys

SCRIPT = """
import os
os.environ.pop("OMP_NUM_THREADS", None)
from motionlab.threads import limit_threads
limit_threads(1)
import tensorflow as tf
tf.constant(1.0) + 1.0  # starts the pools
limit_threads(2)  # too late: must not raise, must not change them
print(tf.config.threading.get_intra_op_parallelism_threads(), tf.config.threading.get_inter_op_parallelism_threads(),
      os.environ["OMP_NUM_THREADS"])
"""


def test_limit_threads_pins_tensorflow_and_openmp_once():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split()[-3:] == ["1", "1", "1"]
