"""Progress bars: one tqdm helper for every long loop, whose progress a caller (the web app) can also listen to."""

from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Callable, Iterator

from tqdm.auto import tqdm

_LISTENER: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar(
    "motionlab_progress_listener", default=None)


class ProgressBar(tqdm):
    """A tqdm bar (on stderr unless disabled) that also reports its done fraction, 0..1, to the listener in scope."""

    def __init__(self, *args, **kwargs):
        self._listener = _LISTENER.get()
        self._done = 0
        super().__init__(*args, **kwargs)

    def _report(self, done: int) -> None:
        """Tell the listener in scope, if any, what fraction of the total is done."""
        self._done = done
        if self._listener is not None and self.total:
            self._listener(min(done / self.total, 1.0))

    def update(self, n: float = 1):
        """Advance by n steps, shown and reported."""
        self._report(self._done + n)
        return super().update(n)

    def __iter__(self):
        """Iterate like tqdm, reporting after every item."""
        for done, item in enumerate(super().__iter__(), start=1):
            self._report(done)
            yield item


def progress_bar(iterable=None, total: float | None = None, desc: str | None = None, unit: str = "it",
                 enabled: bool = True, **options) -> ProgressBar:
    """Return the project's progress bar: shown on stderr when enabled, reported to listen_progress's listener always."""
    return ProgressBar(iterable, total=total, desc=desc, unit=unit, disable=not enabled, **options)


@contextmanager
def listen_progress(listener: Callable[[float], None]) -> Iterator[None]:
    """Within the block, every progress_bar made in this context reports its done fraction (0..1) to listener."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
