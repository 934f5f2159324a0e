"""The house keeps its shape (../shared/STYLE.md "Where things live"): the import contract
holds and is not vacuous, every module of the layered packages sits in a layer, no module
imports itself round a circle, and no source module grows past ~400 lines."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def lint_imports(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=where,
        env={**os.environ, "PYTHONPATH": str(where)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contract_holds():
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def copy_of_the_house(tmp_path: Path) -> Path:
    copy = tmp_path / "house"
    for package in ("certificates", "demo", "teams"):
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=shutil.ignore_patterns("__pycache__", "migrations"),
        )
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def test_the_contract_notices_a_pure_helper_that_imports_a_model(tmp_path):
    copy = copy_of_the_house(tmp_path)
    with (copy / "certificates" / "choices.py").open("a") as choices:
        choices.write("\nfrom certificates.models import Certificate  # a hole\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "Pure helpers import no Django models BROKEN" in done.stdout
    assert "Layers: entry points, follow-ups, services, models, pure helpers BROKEN" in done.stdout


def test_the_contract_notices_the_core_importing_the_demo(tmp_path):
    copy = copy_of_the_house(tmp_path)
    with (copy / "certificates" / "tasks.py").open("a") as tasks:
        tasks.write("\nfrom demo import traffic  # the core knowing the demo\n")
    done = lint_imports(copy)
    assert done.returncode != 0
    assert "The core imports nothing of the demo BROKEN" in done.stdout


def layered(pyproject: Path) -> set[str]:
    """Every module a layers contract names, in full (a container's layers under it)."""
    config = tomllib.loads(pyproject.read_text())["tool"]["importlinter"]
    named = set()
    for contract in config["contracts"]:
        if contract["type"] != "layers":
            continue
        containers = contract.get("containers") or [""]
        for layer in contract["layers"]:
            for name in re.split(r"[:|]", layer):  # siblings: a : b (independent), a | b
                name = name.strip().strip("()")  # (optional) layers
                named |= {f"{container}.{name}".lstrip(".") for container in containers}
    return named


def unlayered(house: Path) -> list[str]:
    """The top-level modules and packages of the root packages that no layer names: a module
    there that escaped the layers. Migrations are Django's history, in no layer."""
    named = layered(house / "pyproject.toml")
    roots = tomllib.loads((house / "pyproject.toml").read_text())["tool"]["importlinter"]
    missing = []
    for root in roots["root_packages"]:
        for path in sorted((house / root).iterdir()):
            if path.name in ("__init__.py", "migrations"):
                continue
            if path.suffix == ".py":
                module = f"{root}.{path.stem}"
            elif (path / "__init__.py").exists():
                module = f"{root}.{path.name}"
            else:
                continue  # templates, static files
            if module not in named:
                missing.append(module)
    return missing


def test_every_module_sits_in_a_layer():
    assert unlayered(ROOT) == []


def test_a_loose_module_is_noticed(tmp_path):
    copy = copy_of_the_house(tmp_path)
    (copy / "certificates" / "loose.py").write_text('"""A module no layer names."""\n')
    (copy / "teams" / "loose").mkdir()
    (copy / "teams" / "loose" / "__init__.py").write_text("")
    assert unlayered(copy) == ["certificates.loose", "teams.loose"]


def import_circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The modules that import each other round a circle (strongly connected components of
    more than one module, or a module importing itself), by Tarjan's algorithm."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                circles.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return circles


def test_no_module_imports_itself_round_a_circle():
    graph = grimp.build_graph("certificates", "demo", "teams")
    assert import_circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.b")
    graph.add_import(importer="a.d", imported="a.b")
    assert import_circles(graph) == [["a.b", "a.c"]]


def test_no_source_module_is_over_400_lines():
    sources = [
        path
        for folder in ("certificates", "demo", "teams", "scm_console", "tests", "bench", "scripts")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    ]
    long = {
        str(path.relative_to(ROOT)): count
        for path in sources
        if (count := len(path.read_text().splitlines())) > 400
    }
    assert not long, long
