"""The direction of dependencies (docs/architecture.md): views → operations and queries → models
and core, never back. The domain knows nothing of HTTP requests, sessions or templates, and never
imports the API or the pages; the core knows no feature."""

import ast
from pathlib import Path

import pytest

CRM = Path(__file__).resolve().parent.parent / "crm"
# The HTTP side: route modules, HTML form reading, how a request carries its credentials, and the
# app's plumbing. Every other module of crm/ is domain (core, models, the features' rules, queries
# and operations).
HTTP_SIDE_NAMES = {"api.py", "views.py", "forms.py", "credentials.py"}
HTTP_SIDE_PACKAGES = {"api", "web", "platform"}
HTTP_SIDE_MODULES = {"__init__.py", "routes.py", "cli.py", "gunicorn_config.py"}
# What a module may only use while it answers a request.
REQUEST_BOUND = {
    "flask": {"request", "session", "g", "render_template", "render_template_string", "make_response",
              "redirect", "url_for", "flash", "abort"},
    "flask_login": {"current_user", "login_required"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(CRM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_http_side(path: Path) -> bool:
    relative = path.relative_to(CRM)
    if len(relative.parts) == 1:
        return relative.name in HTTP_SIDE_MODULES
    return relative.parts[0] in HTTP_SIDE_PACKAGES or relative.name in HTTP_SIDE_NAMES


def is_http_module(name: str) -> bool:
    """Whether an imported crm module (or a name in one) is on the HTTP side."""
    parts = name.split(".")
    if len(parts) < 2 or parts[0] != "crm":
        return False
    if parts[1] in HTTP_SIDE_PACKAGES or parts[1] in {"routes", "cli"}:
        return True
    return any(f"{part}.py" in HTTP_SIDE_NAMES for part in parts[2:3])


def imports_of(path: Path) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every import of the module, nested ones too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name, node.lineno) for alias in node.names]
    return found


DOMAIN = sorted(path for path in CRM.rglob("*.py") if not is_http_side(path))
CORE = sorted((CRM / "core").rglob("*.py"))


def test_the_layout_has_a_domain_to_check():
    names = {module_name(path) for path in DOMAIN}
    assert {"crm.models", "crm.core.database", "crm.deals.operations", "crm.deals.rules", "crm.board.columns",
            "crm.accounts.sessions", "crm.directory.queries"} <= names
    assert not names & {"crm.deals.api", "crm.deals.views", "crm.deals.forms", "crm.board.views"}


@pytest.mark.parametrize("path", DOMAIN, ids=module_name)
def test_a_domain_module_uses_no_request_and_imports_no_view(path):
    problems = []
    for module, name, line in imports_of(path):
        if name in REQUEST_BOUND.get(module, ()) or module in {"flask.templating", "flask.globals"}:
            problems.append(f"line {line}: {module}.{name} belongs to a request")
        if is_http_module(module) or (name and is_http_module(f"{module}.{name}")):
            problems.append(f"line {line}: imports {module}{'.' + name if name else ''}, which is the HTTP side")

    assert problems == [], f"{module_name(path)}: " + "; ".join(problems)


@pytest.mark.parametrize("path", CORE, ids=module_name)
def test_the_core_imports_no_feature(path):
    outside = [
        f"line {line}: {module}" for module, _, line in imports_of(path)
        if module.split(".")[0] == "crm" and not module.startswith("crm.core")
    ]
    assert outside == [], f"{module_name(path)} imports beyond crm.core: " + "; ".join(outside)


def test_the_models_import_only_the_core():
    outside = [module for module, _, _ in imports_of(CRM / "models.py")
               if module.split(".")[0] == "crm" and not module.startswith("crm.core")]
    assert outside == []


def annotated_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """The names the function's parameters are annotated with (Params, "Params", listing.Params …)."""
    arguments = function.args
    names = set()
    for argument in arguments.posonlyargs + arguments.args + arguments.kwonlyargs + [arguments.vararg, arguments.kwarg]:
        annotation = argument and argument.annotation
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = ast.parse(annotation.value, mode="eval").body
        for node in ast.walk(annotation) if annotation else ():
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
    return names


@pytest.mark.parametrize("path", DOMAIN, ids=module_name)
def test_a_domain_function_takes_typed_arguments_not_query_parameters(path):
    """Query parameters (Params) are read into a typed query by its from_params constructor; every
    other domain function takes that query, so a page asks the domain without faking a URL."""
    taking_params = [
        f"line {node.lineno}: {node.name}"
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name != "from_params"
        and "Params" in annotated_names(node)
    ]
    assert taking_params == [], f"{module_name(path)} takes Params in: " + "; ".join(taking_params)


@pytest.mark.parametrize("path", sorted(CRM.rglob("*.py")), ids=module_name)
def test_no_module_makes_up_query_parameters(path):
    """Params stand for what a request sent; code that wants a list asks with a typed query instead."""
    made_up = [
        f"line {node.lineno}" for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Params"
        and node.args and isinstance(node.args[0], ast.Dict | ast.DictComp)
    ]
    assert made_up == [], f"{module_name(path)} builds Params from a literal at " + ", ".join(made_up)
