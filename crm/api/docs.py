"""The API's contract, served: the OpenAPI document for programs and a reference page for people,
both from crm.api.openapi so that they can never disagree."""

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, jsonify, render_template
from markupsafe import Markup, escape

from crm.api.openapi import openapi_document
from crm.platform.i18n import gettext
from crm.platform.i18n import gettext as _

bp = Blueprint("api_docs", __name__)
# The reference page lives at /api/docs, outside the /api/v1 prefix of the blueprint this one is
# nested in; registering it along with that blueprint keeps the whole contract in this package.
pages = Blueprint("api_reference", __name__)
bp.record_once(lambda state: state.app.register_blueprint(pages))

METHOD_ORDER = ("get", "post", "patch", "put", "delete")


def current_document() -> dict[str, Any]:
    return openapi_document(current_app.config["AUTH_COOKIE_NAME"])


@bp.get("/openapi.json")
def openapi_json():
    """Answer the OpenAPI 3.1 document of the API (no sign-in needed)."""
    return jsonify(current_document())


@pages.get("/api/docs")
def reference():
    """Show the API reference page, rendered from the OpenAPI document."""
    return render_template("api/reference.html", reference=Reference.of(current_document()))


# --- The page's view of the document ---------------------------------------------------------------


def prose(text: str | None) -> Markup:
    """Text with `backtick` spans shown as code; everything escaped first."""
    parts = (text or "").split("`")
    return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else escape(part)
                           for index, part in enumerate(parts))


def pretty(example: Any) -> str:
    return json.dumps(example, indent=2, ensure_ascii=False, default=str)


@dataclass
class Shape:
    """A schema as a reader wants it: its type in words, a link when it is a named schema, and its rules."""

    type: str
    link: str | None = None
    rules: list[Markup] = field(default_factory=list)

    @classmethod
    def of(cls, schema: dict[str, Any]) -> "Shape":
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            return cls(name, link=name)
        if schema.get("type") == "array":
            items = cls.of(schema.get("items", {}))
            return cls(f"array of {items.type}", link=items.link, rules=items.rules)
        types = schema.get("type", "any")
        words = " or ".join(types) if isinstance(types, list) else types
        return cls(words, rules=rules_of(schema))


def rules_of(schema: dict[str, Any]) -> list[Markup]:
    """The constraints a value must meet, in words, in a stable order."""
    rules = []
    if "const" in schema:
        rules.append(code(_("always"), json.dumps(schema["const"])))
    if "enum" in schema:
        rules.append(escape(_("one of:")) + Markup(" ") + Markup(", ").join(code("", value) for value in schema["enum"]))
    for low, high, length in (("minimum", "maximum", False), ("minLength", "maxLength", True)):
        if low in schema or high in schema:
            rules.append(escape(limit_words(schema.get(low), schema.get(high), length)))
    for key, words in (("multipleOf", _("a multiple of")), ("format", _("format")), ("pattern", _("matches")),
                       ("default", _("default"))):
        if key in schema:
            rules.append(code(words, schema[key]))
    return rules


def limit_words(low: int | None, high: int | None, length: bool) -> str:
    """A limit in words, a whole phrase for each case, so that each language orders it its way."""
    bounds = {"low": f"{low:,}" if low is not None else "", "high": f"{high:,}" if high is not None else ""}
    if length:
        if low is not None and high is not None:
            return gettext("%(low)s–%(high)s characters", **bounds)
        return gettext("at least %(low)s characters", **bounds) if low is not None else gettext(
            "at most %(high)s characters", **bounds)
    if low is not None and high is not None:
        return gettext("%(low)s–%(high)s", **bounds)
    return gettext("at least %(low)s", **bounds) if low is not None else gettext("at most %(high)s", **bounds)


def code(words: str, value: Any) -> Markup:
    """Words, then a value shown as code."""
    return Markup("{} <code>{}</code>").format(words, value).lstrip()


@dataclass
class Row:
    """One field, parameter or header."""

    name: str
    shape: Shape
    required: bool
    description: Markup
    where: str = ""

    @classmethod
    def field(cls, name: str, schema: dict[str, Any], required: bool) -> "Row":
        return cls(name, Shape.of(schema), required, prose(schema.get("description")))


def fields_of(schema: dict[str, Any]) -> list[Row]:
    required = set(schema.get("required", []))
    return [Row.field(name, prop, name in required) for name, prop in schema.get("properties", {}).items()]


@dataclass
class Body:
    """A request or response body: its schema's name (or its fields), and its example."""

    shape: Shape
    fields: list[Row]
    example: str | None

    @classmethod
    def of(cls, content: dict[str, Any] | None) -> "Body | None":
        media = (content or {}).get("application/json")
        if media is None:
            return None
        schema = media["schema"]
        fields = [] if "$ref" in schema else fields_of(schema)
        example = pretty(media["example"]) if "example" in media else None
        return cls(Shape.of(schema), fields, example)


@dataclass
class Answer:
    status: str
    description: Markup
    body: Body | None
    headers: list[Row]


@dataclass
class Operation:
    id: str
    tag: str
    method: str
    path: str
    summary: str
    description: Markup
    auth: str
    parameters: list[Row]
    body: Body | None
    answers: list[Answer]


@dataclass
class Section:
    name: str
    description: Markup
    operations: list[Operation]


@dataclass
class Reference:
    """Everything the reference page shows, resolved from the document's $refs."""

    title: str
    version: str
    description: Markup
    sections: list[Section]
    schemes: list[Row]
    schemas: list[tuple[str, Markup, list[Row]]]

    @classmethod
    def of(cls, document: dict[str, Any]) -> "Reference":
        resolve = Resolver(document)
        operations = [resolve.operation(path, method, op) for path, item in document["paths"].items()
                      for method, op in sorted(item.items(), key=lambda pair: METHOD_ORDER.index(pair[0]))]
        sections = [Section(tag["name"], prose(tag.get("description")),
                            [op for op in operations if op.tag == tag["name"]])
                    for tag in document["tags"]]
        components = document["components"]
        schemes = [Row(name, Shape(scheme_words(scheme)), False, prose(scheme.get("description")))
                   for name, scheme in components["securitySchemes"].items()]
        schemas = [(name, prose(schema.get("description")), fields_of(schema))
                   for name, schema in components["schemas"].items()]
        info = document["info"]
        return cls(info["title"], info["version"], prose(info.get("description")), sections, schemes, schemas)


def scheme_words(scheme: dict[str, Any]) -> str:
    if scheme["type"] == "http":
        return f"Authorization: {scheme['scheme'].capitalize()} <token>"
    return f"{scheme['in']} {scheme['name']}"


class Resolver:
    """Follows local $refs (#/components/...) so that the page shows what each one stands for."""

    def __init__(self, document: dict[str, Any]):
        self.document = document

    def __call__(self, item: dict[str, Any]) -> dict[str, Any]:
        if "$ref" not in item:
            return item
        node: Any = self.document
        for key in item["$ref"].removeprefix("#/").split("/"):
            node = node[key]
        return node

    def operation(self, path: str, method: str, op: dict[str, Any]) -> Operation:
        parameters = [self.parameter(self(parameter)) for parameter in op.get("parameters", [])]
        body = op.get("requestBody")
        answers = [self.answer(status, self(response)) for status, response in op["responses"].items()]
        return Operation(op["operationId"], op["tags"][0], method.upper(), path, op["summary"], prose(op.get("description")),
                         self.auth(op), parameters, Body.of(body["content"]) if body else None, answers)

    @staticmethod
    def parameter(parameter: dict[str, Any]) -> Row:
        row = Row(parameter["name"], Shape.of(parameter["schema"]), parameter.get("required", False),
                  prose(parameter.get("description")), where=parameter["in"])
        if "example" in parameter:
            row.shape.rules.append(code("example", parameter["example"]))
        return row

    @staticmethod
    def answer(status: str, response: dict[str, Any]) -> Answer:
        headers = [Row(name, Shape.of(header["schema"]), header.get("required", False),
                       prose(header.get("description")), where="header")
                   for name, header in response.get("headers", {}).items()]
        return Answer(status, prose(response["description"]), Body.of(response.get("content")), headers)

    def auth(self, op: dict[str, Any]) -> str:
        security = op.get("security", self.document["security"])
        if not security:
            return _("No sign-in needed.")
        if {} in security:
            return _("Sign-in optional: a Bearer token or the session cookie.")
        return _("Sign-in needed: a Bearer token or the session cookie.")
