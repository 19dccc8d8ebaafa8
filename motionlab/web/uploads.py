"""Uploads: a multipart request streamed into data/uploads/<job>/ under a server-made name, with size and
duration limits checked while reading and before any work starts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from anyio import to_thread
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from ..cache import atomic_output
from ..video import VideoError, probe_video

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".avi", ".mkv", ".webm", ".mpg", ".mpeg")  # kept from the client's
# name only as a hint for the decoder; any other name is stored as .video
FIELD_BYTES = 1024  # longest accepted text field (task name, option value), bytes
MAX_FIELDS = 16  # text fields accepted beside the file


class UploadError(ValueError):
    """An upload refused with an HTTP status (400 bad request, 413 too large) and one line saying why."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadLimits:
    """What one upload may be: at most max_bytes bytes and max_seconds seconds of video."""

    max_bytes: int = 200 * 2 ** 20  # 200 MiB: a 5-minute 720p phone clip
    max_seconds: float = 300.0  # 5 minutes of video


@dataclass
class Upload:
    """A received request: its text fields, the stored video (server-made name) and the client's file name
    (for messages only, never a path)."""

    fields: dict[str, str]
    video: Path | None
    client_name: str


def display_name(name: str | None) -> str:
    """Return a client's file name reduced to a short printable base name, for messages only."""
    base = re.split(r"[\\/]", name or "")[-1]
    return re.sub(r"[^\w .()+-]", "_", base)[:80] or "upload"


def stored_suffix(client_name: str) -> str:
    """Return the suffix the stored video gets: the client's when it is a known video suffix, else .video."""
    suffix = Path(client_name).suffix.lower()
    return suffix if suffix in VIDEO_SUFFIXES else ".video"


class _FormReader:
    """Callbacks for python-multipart's streaming parser: text fields into memory, the `file` part appended to
    `partial` chunk by chunk."""

    def __init__(self, partial: Path, limits: UploadLimits):
        self.partial, self.limits = partial, limits
        self.fields: dict[str, str] = {}
        self.client_name = ""
        self.suffix: str | None = None  # the stored video's suffix, once the file part has begun
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._buffer = bytearray()
        self._written = 0

    def callbacks(self) -> dict:
        """Return the parser's callback table."""
        return {"on_part_begin": self._part_begin, "on_header_field": self._header_field_data,
                "on_header_value": self._header_value_data, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._part_data,
                "on_part_end": self._part_end}

    def _part_begin(self):
        self._headers, self._buffer, self._name = {}, bytearray(), ""

    def _header_field_data(self, data, start, end):
        self._header_field += data[start:end]

    def _header_value_data(self, data, start, end):
        self._header_value += data[start:end]

    def _header_end(self):
        self._headers[self._header_field.strip().lower()] = self._header_value.strip()
        self._header_field, self._header_value = b"", b""

    def _headers_finished(self):
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if self._name == "file":
            if self.suffix is not None:
                raise UploadError("send one file (field 'file'), not several")
            self.client_name = display_name(options.get(b"filename", b"").decode("utf-8", "replace"))
            self.suffix = stored_suffix(self.client_name)
            self.partial.write_bytes(b"")
        elif len(self.fields) >= MAX_FIELDS:
            raise UploadError(f"too many form fields (at most {MAX_FIELDS})")

    def _part_data(self, data, start, end):
        if self._name == "file":
            self._written += end - start
            if self._written > self.limits.max_bytes:
                raise UploadError(f"the upload is larger than the limit of {self.limits.max_bytes / 2 ** 20:.0f} MiB",
                                  413)
            with open(self.partial, "ab") as handle:  # python-multipart hands over ~64 KiB at a time
                handle.write(data[start:end])
        else:
            self._buffer += data[start:end]
            if len(self._buffer) > FIELD_BYTES:
                raise UploadError(f"form field {display_name(self._name)!r} is longer than {FIELD_BYTES} bytes")

    def _part_end(self):
        if self._name and self._name != "file":
            self.fields[self._name] = self._buffer.decode("utf-8", "replace").strip()


async def receive_upload(request, folder: Path, limits: UploadLimits) -> Upload:
    """Stream a multipart/form-data request into folder/input<suffix> and return its fields and stored video.

    Raises UploadError (400, 413) for a request that is not multipart, too large, or malformed; the video is
    only renamed into place once the whole request was read."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type != b"multipart/form-data" or b"boundary" not in options:
        raise UploadError("send multipart/form-data with a 'file' field and a 'task' field", 415)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limits.max_bytes + 64 * 1024:
        raise UploadError(f"the upload is larger than the limit of {limits.max_bytes / 2 ** 20:.0f} MiB", 413)
    target = folder / "input.upload"
    with atomic_output(target) as partial:
        reader = _FormReader(partial, limits)
        parser = MultipartParser(options[b"boundary"], reader.callbacks())
        try:
            async for chunk in request.stream():
                await to_thread.run_sync(parser.write, chunk)  # file writes off the event loop
            await to_thread.run_sync(parser.finalize)
        except FormParserError as error:
            raise UploadError(f"malformed multipart body ({type(error).__name__})") from None
        if reader.suffix is None:
            raise UploadError("no file: send the video in the form field 'file'")
    video = target.rename(folder / f"input{reader.suffix}")
    return Upload(reader.fields, video, reader.client_name)


def check_video(upload: Upload, limits: UploadLimits) -> dict:
    """Return {"frames", "fps", "width", "height", "seconds"} of the stored video; raise UploadError (400, 413)
    in one line naming the client's file if it is empty, not a readable video, or longer than the limit."""
    if upload.video.stat().st_size == 0:
        raise UploadError(f"{upload.client_name}: the file is empty (0 bytes), not a video")
    try:
        info = probe_video(upload.video)
    except VideoError as error:
        reason = str(error).split(": ", 1)[-1]  # drop the server-side path
        raise UploadError(f"{upload.client_name}: {reason}") from None
    seconds = info.frame_count / info.fps
    if seconds > limits.max_seconds:
        raise UploadError(f"{upload.client_name}: the video is {seconds:.0f} s long; the limit is "
                          f"{limits.max_seconds:.0f} s", 413)
    return {"frames": info.frame_count, "fps": round(info.fps, 3), "width": info.width, "height": info.height,
            "seconds": round(seconds, 3)}
