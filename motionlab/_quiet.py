"""Keep TensorFlow's start-up lines off stderr: its C++ libraries print them while loading, before any log level
applies (TF_CPP_MIN_LOG_LEVEL alone leaves "Could not find cuda drivers" and absl's warning), so the first
`import tensorflow` runs with file descriptor 2 pointed at /dev/null. Python errors still raise as usual."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from contextlib import contextmanager

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # after loading, TensorFlow's C++ logs errors only (no cuInit)


@contextmanager
def _stderr_to_devnull():
    """Point file descriptor 2 at /dev/null for the block (what C++ libraries write there is dropped)."""
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


class _QuietTensorFlowFinder(importlib.abc.MetaPathFinder):
    """Finds `tensorflow` as usual and runs its first import with stderr silenced."""

    def find_spec(self, name, path, target=None):
        """Return tensorflow's normal spec with a loader that silences stderr while the package executes."""
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        execute = spec.loader.exec_module

        def exec_quietly(module):
            with _stderr_to_devnull():
                execute(module)

        spec.loader.exec_module = exec_quietly
        return spec


def quiet_tensorflow_import() -> None:
    """Arrange for the first `import tensorflow` (Keras does it) to print nothing on stderr; idempotent."""
    if "tensorflow" in sys.modules or any(isinstance(f, _QuietTensorFlowFinder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _QuietTensorFlowFinder())
