"""Catalogue import and export in the shared contract format (JSON Lines, or CSV with the same columns).

Each row is validated and written in its own savepoint: a bad row is reported with its line number and
rolled back alone, good rows are kept, and no row is ever half-written.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from marketplace.kinds import FieldType, catalogue_fields
from marketplace.messages import Phrase
from marketplace.models import MODEL_BY_KIND, Posting
from marketplace.services.errors import ValidationFailed
from marketplace.services.organisations import find_or_create_owner
from marketplace.services.records import apply_record, to_record
from marketplace.validation import record_errors

# One column per field name, the owner's right after the description, as the shared contract lays them out.
FIELDS = {field.name: field for field in catalogue_fields()}
OWNER_COLUMNS = ("owner.name", "owner.kind", "owner.credit_code")
CSV_COLUMNS = ("kind", "ref", "title", "description", *OWNER_COLUMNS,
               *(name for name in FIELDS if name not in ("title", "description")))
JSON_TYPES = {FieldType.FEES, FieldType.SPECS}
SEMICOLON_LISTS = {FieldType.TEXT_LIST, FieldType.CHOICE_LIST}
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
COMMIT_EVERY = 500


@dataclass
class RowError:
    line: int
    ref: str | None
    errors: dict[str, str]

    def __str__(self) -> str:
        where = f"line {self.line}" + (f" (ref {self.ref})" if self.ref else "")
        return f"{where}: " + "; ".join(f"{k}: {v}" for k, v in self.errors.items())


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class RowParseError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def parse_jsonl(stream: TextIO) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as error:
            yield number, RowParseError({"record": Phrase("is not valid JSON (%(reason)s at column %(column)d)",
                                                          reason=error.msg, column=error.colno)})


def _csv_value(column: str, raw: str) -> Any:
    """A CSV cell as its record value: lists as `a; b` (or JSON), fees and specs as JSON."""
    raw = raw.strip()
    if raw == "":
        return None
    field = FIELDS.get(column)
    if field is None:  # kind, ref and the owner's columns
        return raw
    if field.type in JSON_TYPES or (field.type in SEMICOLON_LISTS and raw.startswith("[")):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            raise RowParseError({column: Phrase('must be JSON, e.g. ["a", "b"] or {"key": "value"}')}) from None
    if field.type in SEMICOLON_LISTS:
        return [part.strip() for part in raw.split(";") if part.strip()]
    if field.type in (FieldType.MONEY, FieldType.INTEGER):
        try:
            number = float(raw.replace(",", ""))
        except ValueError:
            raise RowParseError({column: Phrase("must be a number")}) from None
        if field.type is FieldType.INTEGER:
            if not number.is_integer():
                raise RowParseError({column: Phrase("must be a whole number")})
            return int(number)
        return number
    if field.type is FieldType.BOOLEAN:
        if raw.lower() not in TRUE | FALSE:
            raise RowParseError({column: Phrase("must be true or false")})
        return raw.lower() in TRUE
    return raw


def csv_row_to_record(row: Mapping[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    owner: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for column, raw in row.items():
        if column is None or raw is None:
            continue
        try:
            value = _csv_value(column, raw)
        except RowParseError as error:
            errors.update(error.errors)
            continue
        if value is None:
            continue
        if column.startswith("owner."):
            owner[column.removeprefix("owner.")] = value
        else:
            record[column] = value
    if errors:
        raise RowParseError(errors)
    if owner:
        record["owner"] = owner
    return record


def parse_csv(stream: TextIO) -> Iterator[tuple[int, Any]]:
    reader = csv.DictReader(stream)
    unknown = set(reader.fieldnames or ()) - set(CSV_COLUMNS)
    for row in reader:
        line = reader.line_num
        if unknown:
            yield line, RowParseError({"columns": Phrase("unknown column(s): %(columns)s",
                                                         columns=", ".join(sorted(unknown)))})
            continue
        try:
            yield line, csv_row_to_record(row)
        except RowParseError as error:
            yield line, error


def parse_catalogue(path: Path, fmt: str | None = None) -> Iterator[tuple[int, Any]]:
    """The rows of a catalogue file, JSON Lines or CSV (`fmt`, else from the file name)."""
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    stream = path.open(encoding="utf-8-sig", newline="")
    with stream:
        rows = parse_csv(stream) if fmt == "csv" else parse_jsonl(stream)
        yield from rows


def _import_row(session: Session, record: Mapping[str, Any], default_owner: Mapping[str, Any] | None) -> str:
    errors = record_errors(record)
    if errors:
        raise ValidationFailed(errors)
    model = MODEL_BY_KIND[record["kind"]]
    # kind first: the unique (kind, ref) index answers this; ref alone would scan every posting.
    posting = session.scalar(select(model).where(model.kind == record["kind"], model.ref == record["ref"]))
    if posting is None:
        owner = find_or_create_owner(session, record.get("owner") or default_owner, record["kind"],
                                     record.get("region"))
        posting = model(ref=record["ref"], organisation=owner)
        apply_record(posting, record)
        session.add(posting)
        session.flush()
        return "created"
    apply_record(posting, record)
    if not session.is_modified(posting):
        return "unchanged"
    session.flush()
    return "updated"


def import_records(session: Session, rows: Iterable[tuple[int, Any]],
                   default_owner: Mapping[str, Any] | None = None) -> ImportReport:
    report = ImportReport()
    for count, (line, record) in enumerate(rows, start=1):
        ref = record.get("ref") if isinstance(record, Mapping) else None
        if isinstance(record, RowParseError):
            report.errors.append(RowError(line, None, record.errors))
            continue
        savepoint = session.begin_nested()
        try:
            outcome = _import_row(session, record, default_owner)
        except ValidationFailed as error:
            savepoint.rollback()
            report.errors.append(RowError(line, ref if isinstance(ref, str) else None, error.errors))
            continue
        savepoint.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
        if count % COMMIT_EVERY == 0:
            session.commit()
    session.commit()
    return report


def export_records(session: Session, kinds: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    query = select(Posting).where(Posting.is_live).order_by(Posting.kind, Posting.id)
    if kinds:
        query = query.where(Posting.kind.in_(list(kinds)))
    for posting in session.scalars(query.execution_options(yield_per=500)):
        yield to_record(posting)


def record_to_csv_row(record: Mapping[str, Any]) -> dict[str, str]:
    row: dict[str, str] = {}
    for column in CSV_COLUMNS:
        if column.startswith("owner."):
            value = (record.get("owner") or {}).get(column.removeprefix("owner."))
        else:
            value = record.get(column)
        field_type = FIELDS[column].type if column in FIELDS else None
        if value is None:
            row[column] = ""
        elif field_type in JSON_TYPES:
            row[column] = json.dumps(value, ensure_ascii=False)
        elif field_type in SEMICOLON_LISTS:
            row[column] = json.dumps(value, ensure_ascii=False) if any(";" in v for v in value) else "; ".join(value)
        elif isinstance(value, bool):
            row[column] = "true" if value else "false"
        else:
            row[column] = str(value)
    return row


def write_catalogue(records: Iterable[Mapping[str, Any]], stream: TextIO, fmt: str) -> int:
    count = 0
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS) if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for record in records:
        if writer:
            writer.writerow(record_to_csv_row(record))
        else:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count

