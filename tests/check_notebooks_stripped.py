"""Fail if a committed notebook carries outputs or execution counts (they must be stripped)."""

import json
import sys
from pathlib import Path


def unstripped_cells(path: Path) -> list[int]:
    """Return the indices of code cells in a notebook that have outputs or an execution count."""
    notebook = json.loads(path.read_text())
    return [i for i, cell in enumerate(notebook["cells"])
            if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]


def main(folder: str) -> int:
    """Print every notebook with outputs and return 1 if there is one."""
    bad = {path: cells for path in sorted(Path(folder).glob("*.ipynb")) if (cells := unstripped_cells(path))}
    for path, cells in bad.items():
        print(f"{path}: outputs in cells {cells}; strip them (python tests/strip_notebooks.py {path})")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "notebooks"))
