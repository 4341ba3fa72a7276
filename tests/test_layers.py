"""The import graph of rag/: layers point one way and nothing imports in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

RAG = Path(__file__).resolve().parent.parent / "rag"

# lower number = lower layer; a module may import its own layer or lower ones only
LAYERS = {
    "rag.types": 0,
    "rag.errors": 0,
    "rag.config": 0,
    "rag.text": 1,
    "rag.ingest": 1,
    "rag.clean": 1,
    "rag.meta": 1,
    "rag.chunk": 1,
    "rag.embed": 1,
    "rag.redact": 1,
    "rag.progress": 1,
    "rag.query": 2,
    "rag.answer": 2,
    "rag.store": 2,
    "rag.bm25": 2,
    "rag.retrieve": 2,
    "rag.store_milvus": 2,
    "rag.indexing": 3,
    "rag.pipeline": 3,
    "rag.serialize": 4,
    "rag.langchain_adapter": 4,
    "rag.cli": 4,
    "rag": 4,
}
ENTRY_LAYER = 4


def _module(path: Path) -> str:
    parts = list(path.relative_to(RAG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _layer(module: str) -> int:
    name = module
    while name:
        if name in LAYERS:
            return LAYERS[name]
        name = name.rpartition(".")[0]
    raise AssertionError(f"{module} has no layer: add it to LAYERS in tests/test_layers.py")


def _is_module(name: str) -> bool:
    path = RAG.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(imported rag module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text("utf-8"))
    top = {id(n) for n in tree.body}
    out = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from rag import bm25" imports the submodule rag.bm25, not the package API
            names = [
                f"{node.module}.{a.name}" if _is_module(f"{node.module}.{a.name}") else node.module
                for a in node.names
            ]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name == "rag" or name.startswith("rag."):
                guarded = isinstance(node, ast.ImportFrom) and _in_type_checking(tree, node)
                if not guarded:
                    out.append((name, id(node) in top))
    return out


def _in_type_checking(tree: ast.Module, target: ast.AST) -> bool:
    return any(
        isinstance(node, ast.If)
        and "TYPE_CHECKING" in ast.unparse(node.test)
        and any(child is target for child in ast.walk(node))
        for node in tree.body
    )


def _graph() -> dict[str, list[tuple[str, bool]]]:
    return {_module(p): _imports(p) for p in sorted(RAG.rglob("*.py")) if "_data" not in p.parts}


def test_no_module_imports_a_higher_layer() -> None:
    upward = [
        f"{mod} (layer {_layer(mod)}) imports {dep} (layer {_layer(dep)})"
        for mod, deps in _graph().items()
        for dep, _ in deps
        if _layer(dep) > _layer(mod)
    ]
    assert upward == []


def test_only_entry_points_import_the_pipeline() -> None:
    users = sorted(
        mod
        for mod, deps in _graph().items()
        for dep, _ in deps
        if dep == "rag.pipeline" and _layer(mod) < ENTRY_LAYER and mod != "rag.pipeline"
    )
    assert users == []


def test_no_import_cycles() -> None:
    graph = _graph()
    edges = {m: {d for d, _ in deps if d in graph and d != m} for m, deps in graph.items()}

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for nxt in edges.get(node, ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    # a package importing its own submodules (rag.answer -> rag.answer.x) is not a cycle
    cycles = sorted(
        f"{a} <-> {b}"
        for a in edges
        for b in edges[a]
        if reaches(b, a) and not (b.startswith(a + ".") or a.startswith(b + "."))
    )
    assert cycles == []


def test_the_checker_sees_an_upward_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from rag.pipeline import Engine\n", "utf-8")
    assert _imports(bad) == [("rag.pipeline", True)]
    assert _layer("rag.pipeline") > _layer("rag.text.lang")
