"""The engine's boundaries, read from its source with ``ast``: it imports nothing above
it (run, analysis, output, cli) and no click, yaml or matplotlib; only
racesim/engine/simpy_adapter.py touches SimPy's internals; the engine writes no English
for the story (events are data) and never prints."""

from __future__ import annotations

import ast
from pathlib import Path

import racesim

PACKAGE = Path(racesim.__file__).resolve().parent
ENGINE = sorted((PACKAGE / "engine").glob("*.py"))
SIMPY_INTERNALS = {"_now", "_ok", "_value", "_queue", "schedule", "_eid"}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> set[str]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_the_engine_files_are_there():
    names = {p.name for p in ENGINE}
    assert {"money.py", "missions.py", "events.py", "simpy_adapter.py", "plan.py"} <= names


def test_the_engine_imports_nothing_above_it():
    above = ("racesim.run", "racesim.analysis", "racesim.output", "racesim.cli", "racesim.api")
    banned = ("click", "yaml", "matplotlib")
    bad = []
    for path in ENGINE:
        for name in _imports(_tree(path)):
            if name.startswith(above) or name.split(".")[0] in banned:
                bad.append(f"{path.name}: {name}")
    assert not bad, bad


def test_only_the_adapter_touches_simpy_internals():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "simpy_adapter.py":
            continue
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Attribute) and node.attr in SIMPY_INTERNALS:
                bad.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
    assert not bad, bad
    adapter = {
        n.attr
        for n in ast.walk(_tree(PACKAGE / "engine" / "simpy_adapter.py"))
        if isinstance(n, ast.Attribute)
    }
    assert {"_ok", "_value", "_queue", "_eid"} <= adapter  # the test sees them


def test_the_engine_never_prints_nor_writes_sentences_into_events():
    for path in ENGINE:
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "print", f"{path.name}:{node.lineno} prints"
            # a StoryEvent is built from data: no f-string among its arguments
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "StoryEvent"
            ):
                args = [*node.args, *(k.value for k in node.keywords)]
                assert not any(isinstance(a, ast.JoinedStr) for a in args), (
                    f"{path.name}:{node.lineno}: English in a story event"
                )
