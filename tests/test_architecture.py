"""The package's shape, checked: imports run only downward through the layers, no module imports
itself back through a circle, and nothing hides a dependency behind ``importlib``.

The layers, bottom to top (docs/ARCHITECTURE.md draws them):

0. foundation: errors, timeline, randomness, provenance (import nothing above themselves)
1. parameters/
2. model/
3. scenario, runner, results, plots, output_folder, executors
4. economics/, experiments/, calibration/, planner (side by side)
5. policy/ (what the page and the report compute and draw)
6. app/ (the page)
7. cli/, docs_gen, __main__
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "mentorsim"

FOUNDATION = {"errors", "timeline", "randomness", "provenance", "validation"}
CORE = {"scenario", "runner", "results", "plots", "output_folder", "executors"}
TOP = {"docs_gen", "__main__"}
PACKAGES = {"parameters": 1, "model": 2, "economics": 4, "experiments": 4, "calibration": 4,
            "policy": 5, "app": 6, "cli": 7}
#: Arrows between side-by-side parts of layer 4 that are real uses, each with its reason.
SIDEWAYS = {
    ("planner", "economics"): "the planner prices a pool with the programme's cost model",
    ("experiments", "economics"): "experiments draw calibrated parameters from the posterior with the "
                                  "PSA's loader (one loader, economics/psa.py load_posterior)",
}
#: The places that import a module by name: an experiment file's user-chosen target, and the
#: package root's lazy public API (PEP 562 ``__getattr__`` over a table of names and modules,
#: so ``mentorsim --help`` loads no heavy library).
IMPORTLIB_ALLOWED = {"mentorsim.experiments.experiment", "mentorsim"}


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def part(mod: str) -> str:
    """The layer unit a module belongs to: its subpackage, or its own name at the top level."""
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "mentorsim"


def layer(mod: str) -> int:
    p = part(mod)
    if p == "mentorsim":
        return 3  # the public API re-exports layer-3 entry points
    if p in FOUNDATION:
        return 0
    if p in CORE:
        return 3
    if p in TOP:
        return 7
    if p == "planner":
        return 4
    return PACKAGES[p]


def imports(mod: str) -> set[str]:
    """Every mentorsim module ``mod`` imports, at module level or inside functions."""
    tree = ast.parse(MODULES[mod].read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("mentorsim"))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("mentorsim"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                found.add(sub if sub in MODULES else node.module)
    found.discard(mod)
    return {m for m in found if m in MODULES}


GRAPH = {m: imports(m) for m in MODULES}


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_imports_only_run_downward(mod):
    wrong = []
    for dep in sorted(GRAPH[mod]):
        if dep == "mentorsim" and layer(mod) < 3:
            # `from mentorsim import __version__` is the only use of the package root below layer 3
            names = {a.name for n in ast.walk(ast.parse(MODULES[mod].read_text()))
                     if isinstance(n, ast.ImportFrom) and n.module == "mentorsim" for a in n.names}
            if names <= {"__version__"}:
                continue
        if layer(dep) > layer(mod):
            wrong.append(f"{dep} (layer {layer(dep)})")
        elif layer(dep) == layer(mod) == 4 and part(dep) != part(mod) \
                and (part(mod), part(dep)) not in SIDEWAYS:
            wrong.append(f"{dep} (beside it in layer 4)")
    assert not wrong, f"{mod} (layer {layer(mod)}) imports upward or sideways: {', '.join(wrong)}"


def test_no_import_circles():
    # Tarjan-free: depth-first search for a back edge, reporting the circle it closes
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for d in sorted(GRAPH[m]):
            if d == "mentorsim":
                continue  # the package root only re-exports
            if state.get(d) == 1:
                circle = stack[stack.index(d):] + [d]
                pytest.fail("import circle: " + " -> ".join(circle))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(GRAPH):
        if m not in state:
            visit(m)


def test_no_hidden_imports():
    hidden = [m for m, p in MODULES.items() if m not in IMPORTLIB_ALLOWED
              and ("import_module(" in p.read_text() or "__import__(" in p.read_text())]
    assert not hidden, f"modules import by name (static tools cannot see it): {hidden}"
