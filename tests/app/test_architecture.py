"""The layering rules of docs/architecture.md, checked on every module of the package.

Each layer imports only from the layers below it; the domain is pure; the read side
(queries) writes nothing. A forbidden import fails here with the module and the line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "tracker"
ROOT_MODULES = {
    "extensions",
    "database",
    "settings",
    "errors",
    "security",
    "auth",
    "mail",
    "scheduler",
}

# What each layer may import from the package, besides itself.
ALLOWED = {
    "domain": set(),
    "models": {"domain", "extensions"},
    "settings": {"domain"},
    "queries": {"domain", "models", "extensions", "settings"},
    "services": {"domain", "models", "queries", "extensions", "settings", "mail"},
    "mail": {"domain", "models", "extensions", "settings"},
    "web": {
        "domain",
        "models",
        "queries",
        "services",
        "extensions",
        "settings",
        "mail",
        "auth",
        "errors",
    },
    "cli": {
        "domain",
        "models",
        "queries",
        "services",
        "extensions",
        "settings",
        "mail",
        "scheduler",
    },
    "scheduler": {"domain", "models", "queries", "services", "extensions", "settings", "mail"},
}
THIRD_PARTY_FORBIDDEN_IN_DOMAIN = ("flask", "flask_login", "flask_wtf", "sqlalchemy", "werkzeug")
SESSION_WRITES = {"commit", "flush", "add", "add_all", "delete", "merge", "bulk_save_objects"}
SQL_WRITES = {"insert", "update", "delete"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _layer_of(path: Path, package: Path) -> str:
    return path.relative_to(package).with_suffix("").parts[0]


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _tracker_layer(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "tracker" or len(parts) < 2:
        return None
    return parts[1]


def _is_layer(package: Path, name: str) -> bool:
    return (package / name).is_dir() or (package / f"{name}.py").is_file()


def _violations(path: Path, package: Path = PACKAGE) -> list[str]:
    layer = _layer_of(path, package)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    allowed = ALLOWED.get(layer)
    problems = []
    for line, module in _imports(tree):
        where = f"{path.relative_to(package.parent)}:{line}"
        if layer == "domain" and module.split(".")[0] in THIRD_PARTY_FORBIDDEN_IN_DOMAIN:
            problems.append(f"{where}: the domain imports {module}")
        target = _tracker_layer(module)
        if allowed is None or target is None or target == layer:
            continue
        if target not in allowed and _is_layer(package, target):
            problems.append(f"{where}: {layer} imports {module}")
    return problems


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_each_module_imports_only_from_the_layers_below_it(path):
    assert _violations(path) == []


def _writes_in(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            problems += [
                f"line {node.lineno}: imports {alias.name}"
                for alias in node.names
                if alias.name in SQL_WRITES
            ]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = (
                owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            )
            if owner_name == "session" and node.func.attr in SESSION_WRITES:
                problems.append(f"line {node.lineno}: session.{node.func.attr}()")
    return problems


@pytest.mark.parametrize(
    "path",
    sorted((PACKAGE / "queries").rglob("*.py")),
    ids=lambda path: str(path.relative_to(PACKAGE)),
)
def test_queries_write_nothing(path):
    assert _writes_in(path) == []


def test_the_rules_catch_what_they_forbid(tmp_path):
    """The checks above would fail on the imports and writes they exist to stop."""
    package = tmp_path / "tracker"
    for layer in ("domain", "models", "services", "web"):
        (package / layer).mkdir(parents=True)
    domain = package / "domain" / "bad.py"
    domain.write_text("from flask import current_app\nfrom tracker.models import Letter\n")
    service = package / "services" / "bad.py"
    service.write_text("def view():\n    from tracker.web.letters import bp\n")
    assert _violations(domain, package) == [
        "tracker/domain/bad.py:1: the domain imports flask",
        "tracker/domain/bad.py:1: the domain imports flask.current_app",
        "tracker/domain/bad.py:2: domain imports tracker.models",
        "tracker/domain/bad.py:2: domain imports tracker.models.Letter",
    ]
    assert (
        _violations(service, package)[0]
        == "tracker/services/bad.py:2: services imports tracker.web.letters"
    )
    query = tmp_path / "tracker" / "queries" / "bad.py"
    query.parent.mkdir(parents=True)
    query.write_text("from sqlalchemy import update\ndb.session.commit()\n")
    assert _writes_in(query) == ["line 1: imports update", "line 2: session.commit()"]


# Background work that commits or rolls back by hand, item by item, on purpose (each
# module's docstring says why); every staff action goes through `transaction()` instead.
HAND_COMMITS = {
    "services/transaction.py",  # the one helper
    "services/reminders/sweep.py",  # a claim per reminder on its own Core connection
    "services/mailbox/sending.py",  # the scheduler's send with a lease (not queue/preview)
    "services/mailbox/fetch.py",  # one transaction per fetched message
    "services/mailbox/intake.py",  # the message's insert opens its transaction
    "services/audit_chain.py",  # the nightly seal
    "services/backup/__init__.py",  # no transaction stays open during the copy
    "web/health.py",  # ends the failed probe's transaction; writes nothing
}


def _hand_commits(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [
        f"line {node.lineno}: session.{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in {"commit", "rollback"}
        and getattr(node.func.value, "attr", getattr(node.func.value, "id", "")) == "session"
    ]


def _action_modules() -> list[Path]:
    paths = [*(PACKAGE / "services").rglob("*.py"), *(PACKAGE / "web").rglob("*.py")]
    return sorted(p for p in paths if p.relative_to(PACKAGE).as_posix() not in HAND_COMMITS)


@pytest.mark.parametrize("path", _action_modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_staff_actions_commit_only_through_the_transaction_helper(path):
    assert _hand_commits(path) == []


def test_the_hand_commit_check_sees_commits_and_rollbacks(tmp_path):
    for allowed in HAND_COMMITS:  # each exception still exists and still needs to be one
        assert _hand_commits(PACKAGE / allowed), allowed
    view = tmp_path / "view.py"
    view.write_text("db.session.commit()\nsession.rollback()\ndb.session.flush()\n")
    assert _hand_commits(view) == ["line 1: session.commit()", "line 2: session.rollback()"]


def test_the_package_root_holds_only_the_factory_and_cross_cutting_modules():
    loose = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert loose <= ROOT_MODULES, sorted(loose - ROOT_MODULES)
