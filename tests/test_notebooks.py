"""Every notebook executes top to bottom in fast mode (MOTIONLAB_FAST=1), with the real data and, for the notebooks
that read ../shared/data, in a clone without it (they fall back to synthetic data and say so)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
READ_SHARED_DATA = [p for p in NOTEBOOKS if p.stem[:2] in ("04", "05", "06")]  # jump rope, Weizmann, MNIST and QUVA
TIMEOUT_S = 900  # per cell


def execute(path: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return notebook


def printed(notebook: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []) if output.get("name") == "stdout")


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, monkeypatch):
    monkeypatch.setenv("MOTIONLAB_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    execute(path)


@pytest.mark.notebook
@pytest.mark.slow
@pytest.mark.parametrize("path", READ_SHARED_DATA, ids=[p.stem for p in READ_SHARED_DATA])
def test_notebook_executes_without_shared_data(path, monkeypatch, tmp_path):
    """A fresh clone has no ../shared/data: the notebook still runs, on synthetic data, and says so."""
    monkeypatch.delenv("MOTIONLAB_JUMPROPE", raising=False)
    monkeypatch.setenv("MOTIONLAB_SHARED_DATA", str(tmp_path / "no_shared_data"))
    monkeypatch.setenv("MOTIONLAB_FAST", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    assert "synthetic" in printed(execute(path)).lower()
