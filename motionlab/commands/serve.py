"""`python -m motionlab serve [--host 127.0.0.1] [--port 8000]`: the web app (a page and a JSON API) for every model."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys


def add_parser(subparsers) -> None:
    """Register `serve`."""
    parser = subparsers.add_parser("serve", help="web page and JSON API: upload a video, pick a task, see the result")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default loopback only; 0.0.0.0 opens it to the network)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument("--workers", type=int, default=2, help="jobs run at once, each worker keeps its models")
    parser.add_argument("--queue", type=int, default=8, help="jobs that may wait; one more is answered 503")
    parser.add_argument("--keep-minutes", type=float, default=60.0,
                        help="a finished job's result and files are removed this long after it ends")
    parser.add_argument("--max-upload-mb", type=float, default=200.0, help="largest upload, MiB")
    parser.add_argument("--max-seconds", type=float, default=300.0, help="longest video, seconds")
    parser.set_defaults(run=run)


def _is_loopback(host: str) -> bool:
    """Return whether host names only this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args) -> int:
    """Check the settings, then serve until interrupted."""
    if not 0 < args.port < 65536:
        raise ValueError(f"--port: {args.port} is not a TCP port (1..65535)")
    positive = {"--workers": args.workers, "--keep-minutes": args.keep_minutes, "--max-upload-mb": args.max_upload_mb,
                "--max-seconds": args.max_seconds}
    for name, value in positive.items():
        if value <= 0:
            raise ValueError(f"{name}: must be positive, got {value}")
    if args.queue < 0:
        raise ValueError(f"--queue: must be 0 or more, got {args.queue}")
    try:  # a clear line now rather than uvicorn's after start-up
        with socket.create_server((args.host, args.port)):
            pass
    except OSError as error:
        raise ValueError(f"--host {args.host} --port {args.port}: cannot listen there ({os.strerror(error.errno)})") from None
    import uvicorn

    from ..web.app import ServerSettings, create_app
    from ..web.uploads import UploadLimits

    settings = ServerSettings(workers=args.workers, queue_limit=args.queue, keep_seconds=args.keep_minutes * 60,
                              limits=UploadLimits(int(args.max_upload_mb * 2 ** 20), args.max_seconds))
    if not _is_loopback(args.host):
        print(f"motionlab serve: listening on {args.host}: reachable from other machines", file=sys.stderr)
    print(f"motionlab serve: http://{args.host}:{args.port}/ (uploads in {settings.uploads_dir}, Ctrl-C stops)",
          file=sys.stderr, flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="warning")
    return 0
