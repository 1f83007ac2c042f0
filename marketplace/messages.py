"""Messages a person reads, kept translatable without tying the domain to Flask.

Services and validation say what went wrong in English, as a `Phrase`: a plain string (so logs, the
CLI and the JSON API read it as is) that also remembers its template and values, so it can be shown
in the reader's language (`translate`; the web layer's `marketplace.web.i18n.localise`). Templates use
%(name)s placeholders; `scripts/translations.sh` extracts every `Phrase(...)` template into the
catalogue. A value that is itself a Phrase ("withdraw this quote") is translated too; other values
(titles, names, numbers) are shown as they are.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from babel.support import Translations

CATALOGUES = Path(__file__).resolve().parents[1] / "translations"


class Phrase(str):
    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Phrase:
        message = super().__new__(cls, template % values if values else template)
        message.template, message.values = template, values
        return message


def translate(message: str, gettext: Callable[[str], str]) -> str:
    """The message in the language `gettext` translates to: its template translated, then filled."""
    template, values = getattr(message, "template", message), getattr(message, "values", {})
    translated = gettext(template)
    if not values:
        return translated
    return translated % {name: translate(value, gettext) if isinstance(value, Phrase) else value
                         for name, value in values.items()}


@cache
def catalogue(language: str) -> Translations:
    """The interface catalogue of one language, for text composed outside a request (e-mail)."""
    return Translations.load(str(CATALOGUES), [language])
