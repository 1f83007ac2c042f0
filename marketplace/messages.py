"""Messages a person reads, kept translatable without tying the domain to Flask.

Services and validation say what went wrong in English, as a `Phrase`: a plain string (so logs, the
CLI and the JSON API read it as is) that also remembers its template and values, so the web layer
can show it in the reader's language (`marketplace.web.i18n.localise`). Templates use %(name)s
placeholders; `scripts/translations.sh` extracts every `Phrase(...)` template into the catalogue.
"""
from __future__ import annotations

from typing import Any


class Phrase(str):
    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> "Phrase":
        message = super().__new__(cls, template % values if values else template)
        message.template, message.values = template, values
        return message
