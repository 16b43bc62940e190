"""Messages the domain writes in English and a page says in its reader's language.

A Message is the English text itself (the API answers it word for word, as the contract does)
that also keeps its template and parameters, so that a page can look the template up in its
catalog and fill in the same parameters. Templates use named %(…)s parameters (a stage reads as
its code in English, and by its name on a page) and are found by the catalogs' extraction through
the `msg` keyword, so each is a whole sentence to translate."""

from collections.abc import Mapping
from typing import Any


class Message(str):
    template: str
    params: Mapping[str, Any]

    def __new__(cls, template: str, params: Mapping[str, Any]):
        message = super().__new__(cls, template % params if params else template)
        message.template = template
        message.params = params
        return message

    def __reduce__(self):
        """Copied and pickled with its template and parameters (a str's own way would lose them)."""
        return Message, (self.template, dict(self.params))


class Listed(tuple):
    """Several values as one parameter: joined with commas in English, as the page's language
    joins them on a page."""

    def __str__(self) -> str:
        return ", ".join(self)


def msg(template: str, /, **params: Any) -> Message:
    """The English message of template with params filled in; a page may translate it."""
    return Message(template, params)
