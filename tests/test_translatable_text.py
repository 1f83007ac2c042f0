"""Everything a person reads goes through the translation mechanism: `Phrase` (or gettext) in Python,
`_()` / `{% trans %}` in templates. These scans find text that bypasses it.

Python: Chinese text outside a translation call (bilingual strings hard-coded side by side), and
text built by hand (literals, f-strings, concatenation, str()) passed where people read it: error
dicts, notifications, form errors, flashes and abort descriptions. Templates: words in text nodes
and in the attributes people read (placeholder, title, aria-label, alt), and Chinese in expressions.
"""
from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from jinja2 import Environment, nodes

ROOT = Path(__file__).resolve().parents[1]
DEMO_DATA = ROOT / "marketplace/services/demo.py"  # demo accounts are named in both languages on purpose
PYTHON = sorted({*ROOT.glob("marketplace/services/*.py"), *ROOT.glob("marketplace/web/*.py"),
                 ROOT / "marketplace/validation.py", ROOT / "marketplace/kinds.py",
                 ROOT / "marketplace/text_formats.py"} - {DEMO_DATA})
TEMPLATES = sorted(ROOT.glob("templates/**/*.html"))

CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
ENDONYMS = {"中文"}  # the language switch names each language in itself
TRANSLATORS = {"Phrase", "_", "_l", "gettext", "lazy_gettext", "ngettext", "localise", "lazy_localise"}
# Errors whose first argument is the English template of a Phrase (extracted by scripts/translations.sh).
TEMPLATED_ERRORS = {"ServiceError", "Forbidden", "NotFound", "Conflict"}
# Callable -> (positions, keywords) of the arguments a person reads.
MESSAGE_ARGUMENTS = {
    "notify_users": ({2}, {"message"}), "notify_organisation": ({2}, {"message"}),
    "ValidationError": ({0}, {"message"}), "TextFormatError": ({0}, {"message"}),
    "flash": ({0}, {"message"}), "abort": (set(), {"description"}),
}
ERROR_DICTS = {"ValidationFailed", "RowParseError"}  # field -> message


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _handmade_text(node: ast.AST) -> bool:
    """Text composed in place rather than taken from the translation mechanism."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, (ast.JoinedStr, ast.BinOp)):
        return True
    return isinstance(node, ast.Call) and (_name(node) in {"str", "format", "join"})


class _Scanner(ast.NodeVisitor):
    def __init__(self, where: str) -> None:
        self.where, self.found, self._translating = where, [], 0

    def _report(self, node: ast.AST, what: str) -> None:
        self.found.append(f"{self.where}:{node.lineno}: {what}")

    def visit_Expr(self, node: ast.Expr) -> None:
        if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):  # docstrings
            self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if (isinstance(node.value, str) and CHINESE.search(node.value) and not self._translating
                and node.value not in ENDONYMS):
            self._report(node, f"Chinese text outside Phrase/gettext: {node.value!r}")

    def visit_Call(self, node: ast.Call) -> None:
        name = _name(node)
        if name in TEMPLATED_ERRORS and node.args and not (
                isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            self._report(node, f"{name}() needs a constant English template, not text built in place")
        positions, keywords = MESSAGE_ARGUMENTS.get(name, (set(), set()))
        readable = [a for i, a in enumerate(node.args) if i in positions]
        readable += [k.value for k in node.keywords if k.arg in keywords]
        if name in ERROR_DICTS:
            readable += [v for a in node.args if isinstance(a, ast.Dict) for v in a.values]
        for argument in readable:
            if _handmade_text(argument):
                self._report(argument, f"text passed to {name}() without Phrase/gettext")
        self._translating += name in TRANSLATORS or name in TEMPLATED_ERRORS
        self.generic_visit(node)
        self._translating -= name in TRANSLATORS or name in TEMPLATED_ERRORS

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name)
                    and target.value.id == "errors" and _handmade_text(node.value)):
                self._report(node, "an error message without Phrase")
        self.generic_visit(node)


def python_offenders(source: str, where: str = "<source>") -> list[str]:
    scanner = _Scanner(where)
    scanner.visit(ast.parse(source))
    return scanner.found


READ_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
NOT_PROSE = {"script", "style", "code"}  # program text, shown as is
NAMES = {"PDF", "CSV"}  # file formats are called the same in every language
WORD = re.compile(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff]+")
JINJA = Environment(extensions=["jinja2.ext.i18n"])


def _without_translated_parts(source: str) -> str:
    """The template's literal text, every Jinja construct and {% trans %} block blanked out."""
    text, depth = [], 0
    for _line, token, value in JINJA.lex(source):
        if token == "name" and value in ("trans", "endtrans"):
            depth += 1 if value == "trans" else -1
        text.append(value if token == "data" and not depth else " ")
    return "".join(text)


class _TextNodes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)
        self.words += [w for name, value in attrs if name in READ_ATTRIBUTES for w in WORD.findall(value or "")]

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data: str) -> None:
        if not NOT_PROSE & set(self._open):
            self.words += WORD.findall(data)


def _chinese_constants(node: nodes.Node, translating: bool = False) -> list[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str) and CHINESE.search(node.value):
        return [] if translating else [node.value]
    translating = translating or (isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name)
                                  and node.node.name in TRANSLATORS)
    return [found for child in node.iter_child_nodes() for found in _chinese_constants(child, translating)]


def template_offenders(source: str) -> list[str]:
    parser = _TextNodes()
    parser.feed(_without_translated_parts(source))
    parser.close()
    return [w for w in parser.words if w not in NAMES] + _chinese_constants(JINJA.parse(source))


@pytest.mark.parametrize("path", PYTHON, ids=lambda p: str(p.relative_to(ROOT)))
def test_services_forms_and_handlers_say_everything_through_phrase_or_gettext(path):
    assert python_offenders(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))) == []


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_templates_have_no_text_outside_gettext(path):
    assert template_offenders(path.read_text(encoding="utf-8")) == []


def test_the_python_scan_finds_hand_made_text_of_every_kind():
    # The shapes of text that bypassed translation before the scan existed.
    source = '''
match.reasons.append("matched 匹配词: " + ", ".join(terms))
HINTS = (("model", 2, "Add the model 填写型号"),)
notify_organisation(session, org, f"Booking request for {title}", link)
notify_users(session, users, "New message", link)
raise ValidationError(f"line {number}: write `name: value`")
raise RowParseError({column: "must be a number"})
raise ValidationFailed({"specs": str(error)})
raise Conflict(f"Booking {booking.id} was already taken")
abort(400, description="year must be between 2000 and 2100")
errors["hours"] = "must be from 0 to 8784"
'''
    assert len(python_offenders(source)) == 10


def test_the_python_scan_accepts_phrases_and_their_values():
    source = '''
"""Docstrings may say 仪器."""
match.reasons.append(Phrase("certified: %(codes)s", codes=", ".join(codes)))
errors["region"] = Phrase("must start with a province, e.g. 湖北省/武汉市")
raise Forbidden("Only members of the organisation concerned can %(action)s.", action=Phrase(action))
raise ValidationFailed({"specs": error.message, "note": Phrase("is too long")})
notify_organisation(session, org, Phrase("New quote: ¥%(price)s", price=f"{price:,.0f}"), f"/inquiries/{id}")
abort(422, description=_("The rating must be from 1 to 5."))
ref = f"{kind}-{token}"
'''
    assert python_offenders(source) == []


def test_the_template_scan_finds_bare_words_in_text_attributes_and_expressions():
    source = ('<p>{{ total }} in total 共 {{ total }} 条</p><input placeholder="min">'
              "<td>{{ lag if lag else 'none 无' }}</td><a>← Previous</a>")
    assert template_offenders(source) == ["in", "total", "共", "条", "min", "Previous", "none 无"]


def test_the_template_scan_accepts_gettext_trans_blocks_and_program_text():
    source = ("<p>{{ _('Search') }} · ¥{{ price }} (5)</p>{% trans %}Hello{% endtrans %}"
              "<code>flask --app app indexer status</code><style>body { font-size: 10pt }</style>"
              "<a href='x.pdf'>PDF</a><th>{{ _('须知 %(n)s', n=1) }}</th>")
    assert template_offenders(source) == []
