"""Import layers of ``dse``: no upward import, no import cycle, no private name across units.

Every module of ``dse/`` is parsed (not imported) and each of its ``import`` statements read,
function-local ones included. A module belongs to a *unit*: a package (``dse.circuits``) or a
top-level module (``dse/design.py``); units sit in the tiers of :data:`TIERS`, lowest first. A unit
may import its own modules and those of units in lower tiers, nothing in its own tier or above.
The order is docs/architecture.md's "Layers".
"""
from __future__ import annotations

import ast
import collections
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PKG = ROOT / "dse"

#: lowest first; units of one tier are independent of each other
TIERS: list[tuple[str, ...]] = [
    ("dse.files",),                             # reading and writing files (no dse imports)
    # neutral helpers: pytrees, exact arithmetic, units, caches, status codes, metric and
    # network descriptions, quantizers, Pareto fronts
    ("dse.pytree", "dse.exact", "dse.units", "dse.cache", "dse.status", "dse.metrics",
     "dse.network", "dse.quant", "dse.pareto", "dse.adc_registry"),
    ("dse.design",),                            # the knob schema and encoding
    # technology; workload traces; files users write and read (results, sweep and study files)
    ("dse.tech", "dse.traces", "dse.dataset", "dse.spec_common"),
    ("dse.circuits",),
    ("dse.interconnect",),
    ("dse.array",),
    ("dse.chip",),
    ("dse.model", "dse.compile"),
    ("dse.executables",),                       # the engine: compiled stages,
    ("dse.plan",),                              # what a request needs (floorplans, keys, tables),
    ("dse.engine", "dse.accuracy"),             # dispatch and results; the accuracy model
    ("dse.analysis",),                          # sensitivities (on the plan and the model)
    ("dse",),                                   # the package's API (dse.evaluate)
    ("dse.sweep",),
    ("dse.search",),
    ("dse.cli",),
    ("dse.__main__",),
]

#: (importing module, imported module): known upward imports, each with the reason it is still
#: there. The test fails when one disappears, so that the entry goes with it.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}

#: module cycles known and allowed (sets of modules), each with its reason; stale entries fail
KNOWN_CYCLES: dict[frozenset, str] = {}


def _modules() -> dict[str, pathlib.Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def unit_of(module: str) -> str:
    """The unit of ``module``: its package below ``dse``, or the top-level module itself."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _package(module: str) -> str:
    return module if MODULES.get(module, pathlib.Path()).name == "__init__.py" else module.rpartition(".")[0]


def _resolve(module: str, name: str | None) -> str:
    """The module an ``import`` names: ``from module import name`` imports the submodule
    ``module.name`` when there is one, else (an attribute of) ``module``."""
    if name and f"{module}.{name}" in MODULES:
        return f"{module}.{name}"
    return module


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


Import = collections.namedtuple("Import", "source target name line")


def imports_of(module: str, tree: ast.AST) -> list[Import]:
    """Every import of a ``dse`` module in ``module`` (function-local ones too): ``name`` is the
    name a ``from`` import takes from ``target`` (None for a submodule or a plain ``import``)."""
    # ``import dse`` to read ``dse.__version__`` only: the package runs before any of its modules
    # anyway, so that adds no dependency
    root_attrs = {n.attr for n in ast.walk(tree)
                  if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "dse"}
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "dse" and a.asname is None and root_attrs <= {"__version__"}:
                    continue
                if a.name == "dse" or a.name.startswith("dse."):
                    out.append(Import(module, a.name, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                pkg = _package(module).split(".")
                pkg = pkg[:len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([node.module] if node.module else []))
            if base == "dse" or base.startswith("dse."):
                for a in node.names:
                    target = _resolve(base, a.name)
                    out.append(Import(module, target, None if target != base else a.name, node.lineno))
    return out


def _tier(unit: str) -> int:
    for i, units in enumerate(TIERS):
        if unit in units:
            return i
    raise KeyError(f"{unit} is in no tier of TIERS")


def upward_imports(imports: list[Import]) -> list[str]:
    """The imports of a unit of the same or a higher tier (not :data:`KNOWN_UPWARD`)."""
    bad = []
    for imp in imports:
        src, dst = unit_of(imp.source), unit_of(imp.target)
        if src == dst or (imp.source, imp.target) in KNOWN_UPWARD:
            continue
        if _tier(dst) >= _tier(src):
            bad.append(f"{imp.source}:{imp.line} imports {imp.target} ({dst} is not below {src})")
    return bad


def private_uses(module: str, tree: ast.AST, imports: list[Import]) -> list[str]:
    """Private names (``_x``) ``module`` imports from a module of another unit, or reads off one
    (``from dse.sweep import spec`` ... ``spec._x``)."""
    bad = [f"{module}:{imp.line} imports {imp.name} from {imp.target}" for imp in imports
           if imp.name and _private(imp.name) and unit_of(imp.target) != unit_of(module)]
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("dse"):
            for a in node.names:
                if f"{node.module}.{a.name}" in MODULES:
                    aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname and a.name.startswith("dse."):
                    aliases[a.asname] = a.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                and _private(node.attr) and unit_of(aliases[node.value.id]) != unit_of(module)):
            bad.append(f"{module}:{node.lineno} reads {node.attr} of {aliases[node.value.id]}")
    return bad


def violations(module: str, text: str) -> tuple[list[str], list[str]]:
    """(upward imports, private names across units) of ``module`` with source ``text``."""
    tree = ast.parse(text, module)
    imps = imports_of(module, tree)
    return upward_imports(imps), private_uses(module, tree, imps)


def cycles(edges: dict[str, set[str]]) -> list[frozenset]:
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(frozenset(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


TREES = {m: ast.parse(p.read_text(), str(p)) for m, p in MODULES.items()}
ALL_IMPORTS = [imp for m, tree in TREES.items() for imp in imports_of(m, tree)]


def test_every_module_has_a_tier():
    units = {unit_of(m) for m in MODULES}
    placed = {u for tier in TIERS for u in tier}
    assert not units - placed, f"units in no tier of TIERS (add them where they belong): {sorted(units - placed)}"


def test_no_upward_import():
    bad = upward_imports(ALL_IMPORTS)
    assert not bad, "imports from the same or a higher layer:\n" + "\n".join(bad)


def test_known_upward_imports_are_still_there():
    seen = {(imp.source, imp.target) for imp in ALL_IMPORTS}
    stale = [k for k in KNOWN_UPWARD if k not in seen]
    assert not stale, f"remove these from KNOWN_UPWARD, they are gone: {stale}"


def test_no_import_cycle():
    mod_edges: dict[str, set[str]] = collections.defaultdict(set)
    unit_edges: dict[str, set[str]] = collections.defaultdict(set)
    for imp in ALL_IMPORTS:
        if imp.target in MODULES and imp.target != imp.source:
            mod_edges[imp.source].add(imp.target)
        src, dst = unit_of(imp.source), unit_of(imp.target)
        if src != dst and (imp.source, imp.target) not in KNOWN_UPWARD:
            unit_edges[src].add(dst)
    found = set(cycles(mod_edges))
    new = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not new, f"import cycles between modules: {new}"
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"remove these from KNOWN_CYCLES, they are gone: {gone}"
    assert not cycles(unit_edges), f"import cycles between packages: {[sorted(c) for c in cycles(unit_edges)]}"


def test_no_private_name_across_units():
    bad = [b for m, tree in TREES.items() for b in private_uses(m, tree, imports_of(m, tree))]
    assert not bad, "private names used across packages (make them public or move them):\n" + "\n".join(bad)


@pytest.mark.parametrize("module, added, problem", [
    ("dse.circuits.adder", "from dse.chip import chip", "upward"),
    ("dse.circuits.adder", "from dse.chip.tile import tile", "upward"),
    ("dse.circuits.adder", "import dse.interconnect.bus", "upward"),
    ("dse.tech.layout", "def f():\n    from dse.circuits import formula", "upward"),   # function-local
    ("dse.interconnect.bus", "import dse.array.subarray as S", "upward"),
    ("dse.design", "import dse\nx = dse.evaluate", "upward"),
    ("dse.sweep.report", "from dse.search.results import study_dataset", "upward"),
    ("dse.tech", "from dse.traces import reader", "upward"),                           # same tier
    ("dse.search.spec", "from dse.sweep.spec import _value_list", "private"),
    ("dse.search.spec", "from dse.sweep import spec as S\nS._value_list", "private"),
    ("dse.circuits.adder", "from dse.circuits.adc import _select", None),             # same package
    ("dse.circuits.adder", "from dse.tech.layout import INV", None),
    ("dse.engine", "import dse\nv = dse.__version__", None),
])
def test_the_rules_catch_a_violation(module, added, problem):
    """An import added where it does not belong is flagged (and one where it does is not)."""
    text = MODULES[module].read_text()
    up0, priv0 = violations(module, text)
    up, priv = violations(module, text + "\n\n" + added + "\n")
    up, priv = [u for u in up if u not in up0], [p for p in priv if p not in priv0]
    assert (bool(up), bool(priv)) == (problem == "upward", problem == "private"), (up, priv)
