"""The web app: one page (static/) and the JSON API under it; every error answers {"error": one line}."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from ..cache import DATA_DIR
from .jobs import Job, JobPool, QueueFull
from .tasks import TASKS, find_task
from .uploads import UploadError, UploadLimits, check_video, receive_upload

STATIC_DIR = Path(__file__).parent / "static"
UPLOADS_DIR = DATA_DIR / "uploads"  # every upload and result file lives here, in a folder per job


@dataclass(frozen=True)
class ServerSettings:
    """What `serve` configures: where uploads go, the pool's size, queue limit and keep time, upload limits."""

    uploads_dir: Path = UPLOADS_DIR
    workers: int = 2  # worker threads, each with its own models (the machine has 2 cores)
    queue_limit: int = 8  # jobs waiting beyond the running ones; one more answers 503
    keep_seconds: float = 3600.0  # a finished job's result and files are removed this long after it ends
    limits: UploadLimits = field(default_factory=UploadLimits)
    preload: bool = True  # each worker loads every available task's default model at start-up


def error_response(status: int, message: str) -> JSONResponse:
    """Return {"error": message} on one line with an HTTP status."""
    return JSONResponse({"error": " ".join(str(message).split())[:300]}, status_code=status)


def create_app(settings: ServerSettings = ServerSettings()) -> FastAPI:
    """Return the FastAPI app with its own job pool (closed when the app shuts down)."""
    import matplotlib

    matplotlib.use("Agg")  # a server has no screen: its saliency figures are drawn straight to PNG files
    pool = JobPool(settings.uploads_dir, settings.workers, settings.queue_limit, settings.keep_seconds)
    app = FastAPI(title="motionlab", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.pool = pool
    app.router.add_event_handler("shutdown", pool.close)
    if settings.preload:  # TensorFlow's import and the default models load while the server waits for a job
        app.router.add_event_handler("startup", lambda: pool.warm_up([task for task in TASKS.values()
                                                                     if task.available()]))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        return error_response(error.status_code, error.detail if isinstance(error.detail, str) else "bad request")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError):
        return error_response(400, "bad request: " + "; ".join(str(e.get("msg")) for e in error.errors()[:1]))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception):
        return error_response(500, f"internal error ({type(error).__name__})")

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC_DIR / "index.html")

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok", "models_ready": pool.warm.is_set(), "workers": pool.workers, "waiting": pool.waiting(),
                "queue_limit": pool.queue_limit}

    @app.get("/api/tasks")
    async def tasks():
        return {"tasks": [task.as_json() for task in TASKS.values()],
                "limits": {"max_bytes": settings.limits.max_bytes, "max_seconds": settings.limits.max_seconds},
                "keep_seconds": settings.keep_seconds}

    @app.post("/api/jobs", status_code=202)
    async def submit(request: Request):
        if pool.waiting() >= pool.queue_limit:  # refuse before reading the upload
            return error_response(503, f"the queue is full ({pool.queue_limit} jobs waiting); try again in a minute")
        job_id, folder = pool.new_folder()
        try:
            upload = await receive_upload(request, folder, settings.limits)
            task = find_task(upload.fields.get("task"))
            options = task.parse_options(upload.fields)
            info = check_video(upload, settings.limits)
            pool.submit(Job(job_id, task, options, upload.video, folder, info, upload.client_name))
        except UploadError as error:
            shutil.rmtree(folder, ignore_errors=True)
            return error_response(error.status, str(error))
        except ValueError as error:
            shutil.rmtree(folder, ignore_errors=True)
            return error_response(400, str(error))
        except QueueFull as error:
            shutil.rmtree(folder, ignore_errors=True)
            return error_response(503, str(error))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return {"id": job_id}

    def find_job(job_id: str) -> Job:
        job = pool.get(job_id)
        if job is None:
            hours = settings.keep_seconds / 3600
            raise HTTPException(404, f"no job {job_id[:40]!r} (finished jobs are kept {hours:g} h)")
        return job

    @app.get("/api/jobs/{job_id}")
    async def job_status(job_id: str):
        state = find_job(job_id).as_json()
        state["files"] = {name: f"/api/jobs/{job_id}/files/{name}" for name in state["files"]}
        state["saliency"] = f"/api/jobs/{job_id}/saliency" if state["saliency"] else None
        return state

    @app.get("/api/jobs/{job_id}/files/{name}")
    async def job_file(job_id: str, name: str):
        job = find_job(job_id)
        files = job.output.files if job.output else {}
        if name not in files:  # only the names the task made, never a client-given path
            raise HTTPException(404, f"job {job_id} has no file {name[:40]!r}")
        return FileResponse(files[name], filename=name)

    @app.get("/api/jobs/{job_id}/saliency")
    async def job_saliency(job_id: str):
        job = find_job(job_id)
        if not (job.output and job.output.saliency):
            raise HTTPException(404, f"job {job_id} has no saliency image")
        return FileResponse(job.output.saliency)

    return app
