"""The package's shape: no import circle, imports point down (shared ground < problems < commands), inference
never imports training. Read from the source with ast, so a lazy import inside a function counts too."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "motionlab"
GROUND = ("_quiet", "cache", "progress", "model_files", "threads", "video", "frames", "plots", "synth", "flow", "clips")  # below
TOP = ("commands", "web", "demo", "__main__")  # above every problem
INFERENCE_NOT_TRAINING = [("speed.predict", "speed.training"), ("jumps.counting", "jumps.training"),
                          ("jumps.ship", "jumps.evaluate")]  # (module, what it must never import, even indirectly)


def module_name(path: Path) -> str:
    """Return the dotted name under motionlab of a source file ("speed.predict", "flow" for flow/__init__.py)."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Return the motionlab modules a source file imports anywhere in it, as dotted names under motionlab."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.removeprefix("motionlab.") for alias in node.names if alias.name.startswith("motionlab.")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
            elif node.module and node.module.split(".")[0] == "motionlab":
                base = []
            else:
                continue
            module = [*base, *(node.module.split(".") if node.module else [])]
            if module and module[0] == "motionlab":
                module = module[1:]
            for alias in node.names:  # `from . import pipeline` imports a module, `from .x import f` a name in x
                candidate = ".".join([*module, alias.name])
                found.add(candidate if candidate in MODULES else ".".join(module))
    return {target for target in found if target and target != name}


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}
GRAPH = {name: {t for t in imports_of(path) if t in MODULES} for name, path in MODULES.items()}


def reachable(start: str) -> set[str]:
    """Return every module start imports, directly or through others."""
    seen, todo = set(), [start]
    while todo:
        for target in GRAPH[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def layer(name: str) -> int:
    """Return 0 for shared ground, 2 for commands and the web app, 1 for the problems between them."""
    head = name.split(".")[0]
    return 0 if head in GROUND or name == "" else 2 if head in TOP else 1


def test_the_graph_sees_known_imports():
    assert "flow.params" in GRAPH["flow.pipeline"] and "video" in GRAPH["flow.pipeline"]
    assert "speed.predict" in GRAPH["commands.speed"]


def test_no_import_cycle_in_the_package():
    cycles = sorted(name for name in GRAPH if name in reachable(name))
    assert not cycles, f"modules that import themselves through others: {cycles}"


@pytest.mark.parametrize("name", sorted(GRAPH))
def test_imports_point_down(name):
    upward = sorted(target for target in GRAPH[name] if layer(target) > layer(name))
    assert not upward, f"motionlab.{name} imports from a layer above it: {upward}"


@pytest.mark.parametrize("module, forbidden", INFERENCE_NOT_TRAINING)
def test_inference_never_imports_training(module, forbidden):
    if module not in GRAPH:
        pytest.skip(f"motionlab.{module} does not exist")
    assert forbidden not in reachable(module)
