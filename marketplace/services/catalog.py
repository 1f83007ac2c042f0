"""Catalogue import and export in the shared contract format (JSON Lines, or CSV with the same columns).

Rows are validated one by one and written in batches (one savepoint and one flush per batch): a bad
row is reported with its line number and left out, good rows are kept, and no row is ever half-written.
When the database refuses a batch, it is redone row by row in savepoints to find the row.
"""
from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from marketplace.kinds import FieldType, catalogue_fields
from marketplace.messages import Phrase
from marketplace.models import MODEL_BY_KIND, Organisation, Posting
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
BATCH_SIZE = 500


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


@dataclass
class _Batch:
    """Rows written together: one savepoint, one lookup of existing postings per kind, one flush (so
    one outbox insert). Owners are remembered across batches by the owner fields as written."""

    session: Session
    default_owner: Mapping[str, Any] | None
    owners: dict[tuple[Any, Any], Organisation]

    def write(self, rows: list[tuple[int, Any]], report: ImportReport) -> None:
        outcomes: list[str] = []
        errors: list[RowError] = []
        savepoint = self.session.begin_nested()
        try:
            with self.session.no_autoflush:
                valid = self._valid(rows, errors)
                existing = self._existing(record for _, record in valid)
                for line, record in valid:
                    try:
                        outcomes.append(self._apply(record, existing))
                    except ValidationFailed as error:
                        errors.append(RowError(line, record["ref"], error.errors))
            self.session.flush()
        except DBAPIError:
            # A constraint the validation cannot see: redo the batch one row at a time, so the report
            # names the row and the batch's good rows are kept.
            savepoint.rollback()
            self.owners.clear()  # some may have been created in the rolled-back savepoint
            _import_rows(self.session, rows, self.default_owner, report)
            return
        savepoint.commit()
        report.errors.extend(errors)
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)

    @staticmethod
    def _valid(rows: list[tuple[int, Any]], errors: list[RowError]) -> list[tuple[int, Mapping[str, Any]]]:
        valid = []
        for line, record in rows:
            if isinstance(record, RowParseError):
                errors.append(RowError(line, None, record.errors))
                continue
            problems = record_errors(record)
            if problems:
                ref = record.get("ref") if isinstance(record, Mapping) else None
                errors.append(RowError(line, ref if isinstance(ref, str) else None, problems))
                continue
            valid.append((line, record))
        return valid

    def _existing(self, records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Posting]:
        refs: dict[str, set[str]] = {}
        for record in records:
            refs.setdefault(record["kind"], set()).add(record["ref"])
        existing: dict[tuple[str, str], Posting] = {}
        for kind, kind_refs in refs.items():
            model = MODEL_BY_KIND[kind]
            for posting in self.session.scalars(select(model).where(model.kind == kind, model.ref.in_(kind_refs))):
                existing[(kind, posting.ref)] = posting
        return existing

    def _apply(self, record: Mapping[str, Any], existing: dict[tuple[str, str], Posting]) -> str:
        key = (record["kind"], record["ref"])
        posting = existing.get(key)
        if posting is None:
            posting = MODEL_BY_KIND[record["kind"]](ref=record["ref"], organisation=self._owner(record))
            apply_record(posting, record)
            self.session.add(posting)
            existing[key] = posting  # a later row of the batch with the same ref updates it
            return "created"
        if posting in self.session.new:
            self.session.flush()  # the same ref twice in a batch: compare with what the first row wrote
        apply_record(posting, record)
        return "updated" if self.session.is_modified(posting) else "unchanged"

    def _owner(self, record: Mapping[str, Any]) -> Organisation:
        owner = record.get("owner") or self.default_owner or {}
        key = (owner.get("credit_code"), owner.get("name"))
        if key not in self.owners:
            self.owners[key] = find_or_create_owner(self.session, owner, record["kind"], record.get("region"))
        return self.owners[key]


def _import_rows(session: Session, rows: list[tuple[int, Any]], default_owner: Mapping[str, Any] | None,
                 report: ImportReport) -> None:
    """Row by row, each in its own savepoint: the slow path that tells which row the database refused."""
    for line, record in rows:
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
        except DBAPIError as error:
            savepoint.rollback()
            report.errors.append(RowError(line, ref if isinstance(ref, str) else None,
                                          {"record": Phrase("the database refused it (%(reason)s)",
                                                            reason=str(error.orig))}))
            continue
        savepoint.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)


def import_records(session: Session, rows: Iterable[tuple[int, Any]],
                   default_owner: Mapping[str, Any] | None = None) -> ImportReport:
    """Import in batches of BATCH_SIZE rows, each committed: one flush per row held the import near
    500 rows/s at 100k listings (bench/results/search.md)."""
    report = ImportReport()
    batch = _Batch(session, default_owner, owners={})
    rows_of_batch: list[tuple[int, Any]] = []
    for line, record in rows:
        rows_of_batch.append((line, record))
        if len(rows_of_batch) == BATCH_SIZE:
            batch.write(rows_of_batch, report)
            session.commit()
            rows_of_batch = []
    if rows_of_batch:
        batch.write(rows_of_batch, report)
    session.commit()
    report.errors.sort(key=lambda error: error.line)
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

