"""Shared instruments in uniquip, the equipment-sharing format UK universities publish for
equipment.data.ac.uk: CSV import and export.

Both the current JISC column set (type, institutionID, name, description, manufacturer, model,
commissionedDate, measuredVariables, subject, contactEmail, managingDepartment, ...) and the older one
(Description, Department, Contact Email, Site Location, Service Level, ...) are read: column titles match
whatever their case and spacing, older titles map to the current ones, and the columns we have no field
for are kept with the posting (`source_fields`) and written back on export. Real feeds come from Excel
in all sorts of encodings, so the encoding is detected (UTF-8 with or without a BOM, Windows-1252,
GB18030, ...). Rows are imported like catalogue rows: each bad row is reported with its line, the rest kept.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TextIO

from charset_normalizer import from_bytes
from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.messages import Phrase
from marketplace.models import Organisation, SharedInstrument, User
from marketplace.services.access import require_organisation
from marketplace.services.catalog import ImportReport, RowParseError, import_records
from marketplace.services.organisations import find_or_create_owner
from marketplace.validation import record_errors

KIND = "instrument"


@dataclass(frozen=True)
class Column:
    name: str  # the current JISC column title
    field: str | None = None  # the record field it fills; None: kept in source_fields
    aliases: tuple[str, ...] = ()  # older titles of the same column
    listed: bool = False  # 0-n values, separated by ; or |


COLUMNS = (
    Column("type"), Column("institutionID", "ref", ("ID", "Asset ID")), Column("doi"),
    Column("name", "title"), Column("description", "description"),
    Column("manufacturer", "manufacturer"), Column("manufacturerID"), Column("model", "model"), Column("modelID"),
    Column("commissionedDate"), Column("decommissionedDate"),
    Column("measuredVariables", "capabilities", listed=True),
    Column("subject", "keywords", ("Technique",), listed=True), Column("infraportalDiscipline"),
    Column("contactName"), Column("contactID"), Column("contactEmail"),
    Column("managingDepartment", aliases=("Department",)),
)
# Values that stand for a missing name in real feeds.
PLACEHOLDERS = {"", "unknown", "n/a", "na", "none", "tbc", "tbd", "-", "?", "null"}
LIST_SEPARATORS = re.compile(r"\s*[;|\n]\s*")
LATIN_CODEPAGES = {"cp1250", "cp1252", "cp1254", "cp1257", "latin_1", "iso8859_2", "iso8859_15", "mac_roman"}


def _key(title: str) -> str:
    return re.sub(r"[^0-9a-z]", "", title.lower())


BY_KEY = {_key(title): column for column in COLUMNS for title in (column.name, *column.aliases)}
FIELD_COLUMNS = {column.field: column.name for column in COLUMNS if column.field}


def detect_encoding(data: bytes) -> str:
    """UTF-8 (a BOM or not) when it decodes as such; else the detector's guess, reading a Western codepage
    as Windows-1252 (what Excel writes in the UK; a file with a few accents cannot tell them apart)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    guess = from_bytes(data).best()
    encoding = guess.encoding if guess else "cp1252"
    if encoding in LATIN_CODEPAGES:
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return encoding
    return encoding


def scoped_ref(organisation: Organisation, institution_id: str) -> str:
    """Ids are an institution's own: the ref carries the owner so two institutions' EQ-1 never meet (and
    an import never touches another organisation's instrument)."""
    prefix = f"uniquip-{organisation.id}-"
    if institution_id.startswith(prefix) and len(institution_id) <= 120:
        return institution_id  # exported by us, coming back
    if len(prefix + institution_id) > 120:
        institution_id = hashlib.sha256(institution_id.encode()).hexdigest()[:32]
    return prefix + institution_id


def _row_ref(organisation: Organisation, values: Mapping[str, str], seen: Counter) -> str:
    """A row without an id is known by its content (and how often the same content came before)."""
    digest = hashlib.sha256(repr(sorted(values.items())).encode()).hexdigest()[:16]
    seen[digest] += 1
    return scoped_ref(organisation, digest if seen[digest] == 1 else f"{digest}-{seen[digest]}")


def _record(row: Mapping[str | None, Any], organisation: Organisation, seen: Counter) -> dict[str, Any]:
    mapped: dict[str, str] = {}
    kept: dict[str, str] = {}
    for title, raw in row.items():
        if title is None or raw is None:  # cells beyond the header
            continue
        value = str(raw).strip()
        column = BY_KEY.get(_key(title))
        if column and column.field:
            mapped[column.name] = value
        elif value:
            kept[column.name if column else title.strip()] = value
    name, description = mapped.get("name", ""), mapped.get("description", "")
    if name.lower() in PLACEHOLDERS:
        # Older feeds have a name or a description; a description alone is the name.
        name, description = (description, "") if description.lower() not in PLACEHOLDERS else ("", description)
    if not name:
        raise RowParseError({"name": Phrase("is missing: a row needs a name or a description (placeholders "
                                            "such as UNKNOWN do not count)")})
    institution_id = mapped.get("institutionID", "")
    if institution_id:
        ref = scoped_ref(organisation, institution_id)
        if ref != institution_id:  # the institution's own id, to give back on export
            kept["institutionID"] = institution_id
    else:
        ref = _row_ref(organisation, {**mapped, **kept}, seen)
    record: dict[str, Any] = {"kind": KIND, "ref": ref, "title": name, "description": description,
                              "owner": {"name": organisation.name}, "source_fields": kept}
    for column in COLUMNS:
        value = mapped.get(column.name)
        if column.field in ("ref", "title", "description") or not value:
            continue
        record[column.field] = [v for v in LIST_SEPARATORS.split(value) if v] if column.listed else value
    errors = record_errors(record)
    if errors:  # named as the feed names them
        raise RowParseError({FIELD_COLUMNS.get(field.split(".")[0], field): message
                             for field, message in errors.items()})
    return record


def parse_uniquip(stream: TextIO, organisation: Organisation) -> Iterator[tuple[int, Any]]:
    """(line, record or RowParseError) for each row of a uniquip CSV."""
    reader = csv.DictReader(stream)
    try:
        titles = reader.fieldnames or []
    except csv.Error as error:
        yield 1, RowParseError({"file": Phrase("is not CSV (%(reason)s)", reason=str(error))})
        return
    if not {"name", "description"} & {BY_KEY[_key(t)].name for t in titles if _key(t) in BY_KEY}:
        yield 1, RowParseError({"columns": Phrase("has no name or description column: is this a uniquip file?")})
        return
    seen: Counter = Counter()
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, RowParseError({"file": Phrase("is not CSV from here on (%(reason)s)",
                                                                  reason=str(error))})
            return
        try:
            yield reader.line_num, _record(row, organisation, seen)
        except RowParseError as error:
            yield reader.line_num, error


@dataclass
class UniquipReport:
    report: ImportReport
    encoding: str


def import_uniquip(session: Session, data: bytes, owner: Mapping[str, Any]) -> UniquipReport:
    """Import a uniquip CSV for the organisation `owner` names (created when new)."""
    encoding = detect_encoding(data)
    organisation = find_or_create_owner(session, owner, KIND, None)
    session.commit()
    text = data.decode(encoding, errors="replace")
    report = import_records(session, parse_uniquip(io.StringIO(text, newline=""), organisation))
    return UniquipReport(report, encoding)


def import_for_organisation(session: Session, actor: User, data: bytes) -> UniquipReport:
    """A member uploads their organisation's uniquip feed on the site."""
    organisation = session.get(Organisation, require_organisation(actor))
    return import_uniquip(session, data, {"name": organisation.name})


def _instruments(session: Session, organisation_id: int | None):
    query = select(SharedInstrument).where(SharedInstrument.is_live).order_by(SharedInstrument.id)
    if organisation_id is not None:
        query = query.where(SharedInstrument.organisation_id == organisation_id)
    return query


def _row(instrument: SharedInstrument) -> dict[str, str]:
    row = {**instrument.source_fields}
    row.setdefault("institutionID", instrument.ref)  # an instrument listed here, or a feed row without an id
    for column in COLUMNS:
        if column.field in (None, "ref"):
            continue
        value = getattr(instrument, column.field)
        row[column.name] = "; ".join(value) if column.listed else (value or "")
    return row


def export_uniquip(session: Session, stream: TextIO, organisation_id: int | None = None) -> int:
    """Live instruments as a uniquip CSV (UTF-8): the current columns, then the kept ones of older feeds."""
    kept = sorted({key for fields in session.scalars(_instruments(session, organisation_id)
                                                     .with_only_columns(SharedInstrument.source_fields))
                   for key in fields} - {column.name for column in COLUMNS})
    writer = csv.DictWriter(stream, fieldnames=[column.name for column in COLUMNS] + kept)
    writer.writeheader()
    count = 0
    for instrument in session.scalars(_instruments(session, organisation_id).execution_options(yield_per=500)):
        writer.writerow(_row(instrument))
        count += 1
    return count
