"""The layering rules of docs/architecture.md, held by reading the source with ``ast``.

- engine/ (one replication) imports nothing above it (run/, analysis/, output/, cli/,
  the API) and none of click, yaml, matplotlib;
- scenario/ (the input) imports no other layer, and analysis/ nothing from output/,
  cli/ or the API: data flows one way;
- analysis/ writes no files (no ``open`` for writing, no ``Path.write_*``, no
  ``savefig``): it returns results, output/ writes them;
- only cli/ imports click;
- the library never prints (only the command line talks, through click).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "racesim"
ABOVE_ENGINE = (
    "racesim.run",
    "racesim.analysis",
    "racesim.output",
    "racesim.cli",
    "racesim.api",
    "racesim.api_results",
    "racesim.api_open",
    "racesim.plots",
    "racesim.results",
)
NOT_IN_ENGINE = ("click", "yaml", "matplotlib")
#: known breaches, each to be removed by the change that ends it (none now)
KNOWN_ENGINE_IMPORTS: set[tuple[str, str]] = set()


def _modules(folder: str = "") -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of every import, at the top or inside a function."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            out.append((node.lineno, node.module))
            # `from racesim import api` names a module too
            out.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
    return out


def _under(module: str, prefixes) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _rel(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_rules_see_every_layer():
    for folder in ("scenario", "engine", "run", "analysis", "output", "cli"):
        assert _modules(folder), f"racesim/{folder}/ has no modules: the test would hold nothing"


def test_engine_imports_nothing_above_it():
    bad = [
        f"{_rel(p)}:{line} imports {m}"
        for p in _modules("engine")
        for line, m in _imports(_tree(p))
        if (_under(m, ABOVE_ENGINE) or _under(m, NOT_IN_ENGINE))
        and not any(_rel(p) == f and _under(m, (k,)) for f, k in KNOWN_ENGINE_IMPORTS)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "folder, above",
    [
        ("scenario", ("engine", "run", "analysis", "output", "cli")),
        ("analysis", ("output", "cli")),
    ],
)
def test_the_input_and_the_analyses_import_nothing_above_them(folder, above):
    above = (
        *(f"racesim.{f}" for f in above),
        "racesim.api",
        "racesim.api_results",
        "racesim.api_open",
    )
    bad = [
        f"{_rel(p)}:{line} imports {m}"
        for p in _modules(folder)
        for line, m in _imports(_tree(p))
        if _under(m, above)
    ]
    assert not bad, "\n".join(bad)


def test_only_cli_imports_click():
    bad = [
        f"{_rel(p)}:{line} imports {m}"
        for p in _modules()
        if "cli" not in p.relative_to(PACKAGE).parts
        for line, m in _imports(_tree(p))
        if _under(m, ("click",))
    ]
    assert not bad, "\n".join(bad)


def _writes(tree: ast.Module) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
        if name in ("write_text", "write_bytes", "savefig", "mkdir", "to_csv", "to_json"):
            out.append((node.lineno, name))
        elif name == "open":
            mode = node.args[1] if len(node.args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "mode":
                    mode = kw.value
            text = mode.value if isinstance(mode, ast.Constant) else "r"
            if not isinstance(text, str) or set(text) & set("wax+"):
                out.append((node.lineno, f"open(..., {ast.unparse(mode)})"))
    return out


def test_analyses_write_no_files():
    bad = [
        f"{_rel(p)}:{line} {what}" for p in _modules("analysis") for line, what in _writes(_tree(p))
    ]
    assert not bad, "\n".join(bad)


def test_the_library_never_prints():
    bad = [
        f"{_rel(p)}:{node.lineno} print(...)"
        for p in _modules()
        for node in ast.walk(_tree(p))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "print"
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    "source, rule",
    [
        ("from racesim.output import results\n", "engine"),
        ("import yaml\n", "engine"),
        ("def f():\n    from racesim import api\n", "engine"),
        ("open(p, 'w')\n", "analysis"),
        ("p.write_text('x')\n", "analysis"),
        ("open(p, mode='a')\n", "analysis"),
        ("print('hi')\n", "print"),
    ],
)
def test_the_rules_catch_a_breach(source, rule):
    tree = ast.parse(source)
    if rule == "engine":
        assert any(_under(m, ABOVE_ENGINE) or _under(m, NOT_IN_ENGINE) for _, m in _imports(tree))
    elif rule == "analysis":
        assert _writes(tree)
    else:
        assert any(
            isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
            for n in ast.walk(tree)
        )


def test_reading_a_file_is_not_writing():
    assert not _writes(ast.parse("open(p)\nopen(p, 'rb')\nopen(p, encoding='utf-8')\n"))
