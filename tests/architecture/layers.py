"""The import rules of the code base, read from the source with `ast` (nothing is imported).

Layers of `app/`, bottom to top; a module may import its own package and any lower layer:
  core -> observability -> catalog -> ranking -> domains (llm, workspaces, auth, audit, ingest, leads,
  icps, lists, drafts) -> api -> main, cli
A domain's `routes.py` belongs to the HTTP edge (the api layer: it reads `app.api.deps`); the rest of
a domain never imports `app.api`. Among domains only the edges in DOMAIN_EDGES are allowed.
Besides: no cycle between packages of `app/`; `app/` imports neither `tools`, `dev` nor `scripts`;
`tests/` and `tools/` never import `scripts` (entry points only).
The search flow (app/leads/flow.py) calls its stages in SEARCH_STAGES order; a stage module may
import an earlier stage (for its typed output), never a later one nor the flow.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

LAYERS: dict[str, int] = {
    "core": 0,
    "observability": 1,
    "catalog": 2,
    "ranking": 3,
    "llm": 4,
    "auth": 4,
    "ingest": 4,
    "leads": 4,
    "workspaces": 4,
    "audit": 4,
    "icps": 4,
    "lists": 4,
    "drafts": 4,
    "console": 4,
    "contacts": 4,
    "jobs": 4,
    "api": 5,
    "tables": 6,  # app/tables.py: every domain's tables in one metadata (alembic, tests)
    "main": 6,
    "cli": 6,
}
# Imports allowed between packages of the same layer.
# Tenancy and the audit trail sit under everything; search (leads) under ICPs; lists (enrich, score,
# export) on ICPs and search; drafts on lists. No edge may close a cycle (checked below).
DOMAIN_EDGES = {
    ("leads", "llm"),
    ("auth", "workspaces"),
    ("icps", "ingest"),
    ("icps", "leads"),
    ("lists", "audit"),
    ("lists", "icps"),
    ("lists", "ingest"),
    ("lists", "leads"),
    ("lists", "workspaces"),
    ("drafts", "audit"),
    ("drafts", "icps"),
    ("drafts", "leads"),
    ("drafts", "lists"),
    ("drafts", "llm"),
    ("console", "auth"),
    ("console", "drafts"),
    ("console", "icps"),
    ("console", "jobs"),
    ("console", "leads"),
    ("console", "lists"),
    ("contacts", "audit"),
    ("jobs", "audit"),
    ("jobs", "drafts"),
    ("jobs", "icps"),
    ("jobs", "leads"),
    ("jobs", "lists"),
    ("jobs", "workspaces"),
}
EDGE_MODULES = {"routes"}  # app.<domain>.routes: part of the api layer
# The stage modules of a search, in the order app.leads.flow calls them (the features stage is
# app.ranking.features, a lower layer; the hydration follows the rerank in the service).
SEARCH_FLOW = "app.leads.flow"
SEARCH_STAGES = ("app.leads.prepare", "app.leads.candidates", "app.leads.rerank", "app.leads.hydrate")


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # the importing module, dotted
    target: str  # the imported module, dotted
    line: int


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> Iterator[Import]:
    """Every import in `source` (module level, inside functions and under TYPE_CHECKING alike)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # `from app.api import health` imports the module app.api.health
                yield Import(module, f"{base}.{alias.name}" if alias.name != "*" else base, node.lineno)


def scan(root: Path, folders: Iterable[str]) -> list[Import]:
    found: list[Import] = []
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            found.extend(
                imports_of(path.read_text(), module_name(root, path), is_package=path.name == "__init__.py")
            )
    return found


def component(module: str) -> str | None:
    """The layer component of an `app` module: its package (or top-level module) under `app`."""
    parts = module.split(".")
    if parts[0] != "app" or len(parts) < 2:
        return None
    if len(parts) >= 3 and parts[2] == "__main__":
        return "main"  # a domain's own process entry point (python -m app.jobs) sits at the top
    if len(parts) >= 3 and parts[2] in EDGE_MODULES and LAYERS.get(parts[1]) == LAYERS["leads"]:
        return "api"
    return parts[1]


def layer_violations(found: Iterable[Import]) -> list[str]:
    out: list[str] = []
    for imp in found:
        src, dst = component(imp.source), component(imp.target)
        if src is None or dst is None or src == dst:
            continue
        if src not in LAYERS or dst not in LAYERS:
            out.append(f"{imp.source}:{imp.line} imports {imp.target}: package not in the layer map")
        elif LAYERS[dst] > LAYERS[src] or (LAYERS[dst] == LAYERS[src] and (src, dst) not in DOMAIN_EDGES):
            out.append(f"{imp.source}:{imp.line} imports {imp.target} ({src} may not import {dst})")
    return out


def package_cycles(found: Iterable[Import]) -> list[list[str]]:
    graph: dict[str, set[str]] = {}
    for imp in found:
        src, dst = component(imp.source), component(imp.target)
        if src is not None and dst is not None and src != dst:
            graph.setdefault(src, set()).add(dst)
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the stack, 2: done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return cycles


def forbidden_imports(found: Iterable[Import], *, banned: tuple[str, ...]) -> list[str]:
    return [
        f"{imp.source}:{imp.line} imports {imp.target}" for imp in found if imp.target.split(".")[0] in banned
    ]


def stage_violations(found: Iterable[Import]) -> list[str]:
    """Imports of a search stage module that reach the flow or a later stage."""
    out: list[str] = []
    for imp in found:
        if imp.source not in SEARCH_STAGES:
            continue
        later = SEARCH_STAGES[SEARCH_STAGES.index(imp.source) + 1 :]
        for target in (SEARCH_FLOW, *later):
            if imp.target == target or imp.target.startswith(target + "."):
                out.append(
                    f"{imp.source}:{imp.line} imports {imp.target} (a stage imports only earlier ones)"
                )
    return out
