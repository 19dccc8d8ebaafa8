"""Strip outputs and execution counts from notebooks in place: python tests/strip_notebooks.py notebooks/*.ipynb"""

import json
import sys
from pathlib import Path


def strip(path: Path) -> None:
    """Remove outputs, execution counts and per-run metadata from every code cell of a notebook."""
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        strip(Path(name))
