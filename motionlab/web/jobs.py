"""Jobs: long work off the request thread in a bounded pool of worker threads (each keeps the models it loaded),
a queue limit, progress from the package's progress bars, and results removed a stated time after they finish."""

from __future__ import annotations

import logging
import re
import secrets
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..cache import REPO_ROOT
from ..progress import listen_progress
from .tasks import Task, TaskOutput

LOG = logging.getLogger("motionlab.web")
JOB_ID_BYTES = 8  # random bytes of a job id (16 hex digits), also its folder's name
JOB_ID = re.compile(f"[0-9a-f]{{{2 * JOB_ID_BYTES}}}")
UNFINISHED_CAP = 0.99  # progress shown until the result is stored (the bars reach 1 before the last step)


class QueueFull(Exception):
    """The pool already holds as many waiting jobs as its queue limit allows."""


@dataclass
class Job:
    """One upload and what became of it: status queued | running | done | failed, progress 0..1, output, error."""

    id: str
    task: Task
    options: dict
    video: Path
    folder: Path
    video_info: dict
    client_name: str = "upload"
    status: str = "queued"
    progress: float = 0.0
    output: TaskOutput | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    expires: float | None = None  # Unix time after which the job and its files are removed

    def report(self, fraction: float) -> None:
        """Take a progress bar's done fraction: progress only grows, and stays below 1 until the job is done."""
        self.progress = max(self.progress, min(float(fraction), UNFINISHED_CAP))

    def public_error(self, error: BaseException) -> str:
        """Return an error's message on one line with the server's paths replaced by the client's file name."""
        text = " ".join(str(error).split()) or type(error).__name__
        for path in (self.video, self.folder):
            text = text.replace(str(path.resolve()), self.client_name).replace(str(path), self.client_name)
        return text.replace(f"{REPO_ROOT}/", "")[:300]  # shipped files by their repository path

    def as_json(self) -> dict:
        """Return what GET /api/jobs/ID answers (file names only: the app turns them into URLs)."""
        output = self.output
        return {"id": self.id, "task": self.task.name, "options": self.options, "status": self.status,
                "progress": 1.0 if self.status == "done" else round(self.progress, 4),
                "result": output.result if output else None, "error": self.error, "video": self.video_info,
                "files": sorted(output.files) if output else [],
                "saliency": bool(output and output.saliency), "expires": self.expires,
                "seconds": round(self.finished - self.started, 3) if self.finished and self.started else None}


class JobPool:
    """A bounded pool of `workers` threads running Jobs; at most `queue_limit` wait; finished jobs (and their
    folders) are removed `keep_seconds` after they end."""

    def __init__(self, root: Path, workers: int = 2, queue_limit: int = 8, keep_seconds: float = 3600.0):
        if workers < 1 or queue_limit < 0 or keep_seconds <= 0:
            raise ValueError(f"workers must be >= 1, queue limit >= 0, keep time > 0; got {workers}, "
                             f"{queue_limit}, {keep_seconds}")
        self.root, self.workers, self.queue_limit, self.keep_seconds = Path(root), workers, queue_limit, keep_seconds
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="motionlab-job")
        self._models: dict[str, dict] = {}  # worker thread name -> {model key: model}, each loaded once per thread
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self.warm = threading.Event()  # set when the worker threads hold their default models (see warm_up)
        self.warm.set()
        self._sweeper = threading.Thread(target=self._sweep_forever, name="motionlab-expiry", daemon=True)
        self._sweeper.start()
        self.remove_stale_folders()

    def remove_stale_folders(self, now: float | None = None) -> int:
        """Remove job folders under root left by an earlier server and older than keep_seconds; return how many."""
        now = time.time() if now is None else now
        with self._lock:
            known = set(self._jobs)
        stale = [folder for folder in self.root.glob("*") if JOB_ID.fullmatch(folder.name) and folder.is_dir()
                 and folder.name not in known and folder.stat().st_mtime < now - self.keep_seconds]
        for folder in stale:
            shutil.rmtree(folder, ignore_errors=True)
        return len(stale)

    def new_folder(self) -> tuple[str, Path]:
        """Return a fresh job id and its folder under root (both server-made), the folder created."""
        job_id = secrets.token_hex(JOB_ID_BYTES)
        folder = self.root / job_id
        folder.mkdir(parents=True)
        return job_id, folder

    def waiting(self) -> int:
        """Return how many jobs are queued and not yet running."""
        with self._lock:
            return sum(job.status == "queued" for job in self._jobs.values())

    def submit(self, job: Job) -> Job:
        """Queue a job; raise QueueFull when queue_limit jobs already wait."""
        self.sweep()
        with self._lock:
            if sum(other.status == "queued" for other in self._jobs.values()) >= self.queue_limit:
                raise QueueFull(f"the queue is full ({self.queue_limit} jobs waiting); try again in a minute")
            self._jobs[job.id] = job
        self._executor.submit(self._run, job)
        return job

    def get(self, job_id: str) -> Job | None:
        """Return the job with this id, or None if there is none (or it has expired)."""
        self.sweep()
        with self._lock:
            return self._jobs.get(job_id)

    def sweep(self, now: float | None = None) -> int:
        """Remove finished jobs past their expiry time with their folders; return how many went."""
        now = time.time() if now is None else now
        with self._lock:
            gone = [job for job in self._jobs.values() if job.expires is not None and job.expires <= now]
            for job in gone:
                del self._jobs[job.id]
        for job in gone:
            shutil.rmtree(job.folder, ignore_errors=True)
        return len(gone)

    def close(self) -> None:
        """Stop the expiry thread and wait for running jobs (queued ones are dropped)."""
        self._stop.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _sweep_forever(self) -> None:
        while not self._stop.wait(min(60.0, self.keep_seconds / 4)):
            self.sweep()
            self.remove_stale_folders()

    def loaded_models(self) -> dict[str, list]:
        """Return {worker thread name: [model keys it holds]}."""
        with self._lock:
            return {thread: sorted(models, key=str) for thread, models in self._models.items()}

    def warm_up(self, tasks: list[Task]) -> None:
        """Load each task's default model in every worker thread, in the background; self.warm is set when done.
        Jobs submitted meanwhile queue behind the warm-up (they would have loaded the model themselves)."""
        tasks = [task for task in tasks if task.load is not None]
        meet = threading.Barrier(self.workers)
        remaining = [self.workers]
        self.warm.clear()

        def warm() -> None:
            try:
                meet.wait(timeout=60)  # holds each warm-up in its own worker thread
            except threading.BrokenBarrierError:
                pass
            for task in tasks:
                try:
                    self._model(task, {option.name: option.default for option in task.options()})
                except Exception:  # a broken model file is reported when a job asks for it
                    LOG.warning("warm-up: cannot load the %s model", task.name, exc_info=True)
            with self._lock:
                remaining[0] -= 1
                if not remaining[0]:
                    self.warm.set()

        for _ in range(self.workers):
            self._executor.submit(warm)

    def _model(self, task: Task, options: dict):
        """Return the task's model from this worker thread's cache, loading it on first use."""
        if task.load is None:
            return None
        with self._lock:
            models = self._models.setdefault(threading.current_thread().name, {})
        key = task.model_key(options)
        if key not in models:
            models[key] = task.load(options)
        return models[key]

    def _run(self, job: Job) -> None:
        """Run one job in a worker thread, keeping its status, progress, output or one-line error."""
        job.status, job.started = "running", time.time()
        try:
            with listen_progress(job.report):
                output = job.task.run(job.video, job.options, self._model(job.task, job.options), job.folder)
            output.result = {key: job.client_name if value == str(job.video) else value  # the client's name, as
                             for key, value in output.result.items()}  # the command prints the path it was given
            job.output, job.status = output, "done"
        except (ValueError, FileNotFoundError) as error:  # VideoError is a ValueError: bad input, said in one line
            job.error, job.status = job.public_error(error), "failed"
        except Exception as error:  # a bug: the server log has the traceback, the client one line
            LOG.exception("job %s (%s) failed", job.id, job.task.name)
            job.error, job.status = f"internal error ({type(error).__name__}); the server log has the details", "failed"
        finally:
            job.finished = time.time()
            job.expires = job.finished + self.keep_seconds
