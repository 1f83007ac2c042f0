"""Catalogue import and export in the shared contract format (JSON Lines, or CSV with the same columns).

Each row is validated and written in its own savepoint: a bad row is reported with its line number and
rolled back alone, good rows are kept, and no row is ever half-written. Rows are committed in batches
that hold the write lock from their start (another process, the indexer, writes the same database);
a batch that loses a lock race anyway is rolled back and imported again.
"""
from __future__ import annotations

import csv
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from marketplace.db import begin_write, is_lock_conflict
from marketplace.kinds import FieldType, catalogue_fields
from marketplace.messages import Phrase
from marketplace.models import MODEL_BY_KIND, Posting
from marketplace.services.errors import ValidationFailed
from marketplace.services.organisations import find_or_create_owner, find_owner
from marketplace.services.records import apply_record, to_record
from marketplace.text_formats import neutralise_formula, restore_formula
from marketplace.validation import record_errors

# One column per field name, the owner's right after the description, as the shared contract lays them out.
FIELDS = {field.name: field for field in catalogue_fields()}
OWNER_COLUMNS = ("owner.name", "owner.kind", "owner.credit_code")
CSV_COLUMNS = ("kind", "ref", "title", "description", *OWNER_COLUMNS,
               *(name for name in FIELDS if name not in ("title", "description")))
JSON_TYPES = {FieldType.FEES, FieldType.SPECS}
SEMICOLON_LISTS = {FieldType.TEXT_LIST, FieldType.CHOICE_LIST}
TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}
# Rows per transaction: small enough that the indexer never waits long for SQLite's write lock.
COMMIT_EVERY = 100
LOCK_ATTEMPTS = 4
log = logging.getLogger(__name__)


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


# Files are read with errors="surrogateescape": a byte that is not UTF-8 becomes one of these
# characters, so the row that holds it is reported instead of the whole import stopping.
UNDECODABLE = re.compile("[\udc80-\udcff]")
NOT_UTF8 = Phrase("is not valid UTF-8 text; save the file as UTF-8")
# The contract's records nest three levels deep (a fee inside the fee list inside the record).
MAX_NESTING = 8
TOO_DEEP = Phrase("is nested too deeply (at most %(limit)d levels)", limit=MAX_NESTING)


def _nesting(value: Any) -> int:
    """How deep lists and objects nest in a parsed JSON value (counted without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def parse_json_line(line: str) -> Any:
    if UNDECODABLE.search(line):
        return RowParseError({"record": NOT_UTF8})
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return RowParseError({"record": Phrase("is not valid JSON (%(reason)s at column %(column)d)",
                                               reason=error.msg, column=error.colno)})
    except RecursionError:  # thousands of brackets: deeper than the parser goes
        return RowParseError({"record": TOO_DEEP})
    return RowParseError({"record": TOO_DEEP}) if _nesting(record) > MAX_NESTING else record


def parse_jsonl(stream: TextIO) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(stream, start=1):
        if line.strip():
            yield number, parse_json_line(line)


def _csv_value(column: str, raw: str) -> Any:
    """A CSV cell as its record value: lists as `a; b` (or JSON), fees and specs as JSON."""
    raw = restore_formula(raw).strip()
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
        if not math.isfinite(number):  # "nan", "inf", "1e400"
            raise RowParseError({column: Phrase("must be a finite number")})
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
        if UNDECODABLE.search(raw):
            errors[column] = NOT_UTF8
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
    stream = path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")
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
    owner = record.get("owner") or default_owner
    if owner and find_owner(session, owner) is not posting.organisation:
        # Refs are the owner's own ids: a row naming another owner must not take the listing over.
        raise ValidationFailed({"ref": Phrase("is already used by a listing of another organisation")})
    apply_record(posting, record)
    if not session.is_modified(posting):
        return "unchanged"
    session.flush()
    return "updated"


def import_records(session: Session, rows: Iterable[tuple[int, Any]],
                   default_owner: Mapping[str, Any] | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """`progress` hears the running count of rows read after every batch (COMMIT_EVERY rows) and at the
    end, so a long import can say how far it is."""
    report = ImportReport()
    iterator, read = iter(rows), 0
    while batch := list(islice(iterator, COMMIT_EVERY)):
        _merge(report, _import_batch(session, batch, default_owner))
        read += len(batch)
        if progress:
            progress(read)
    return report


def _import_batch(session: Session, batch: list[tuple[int, Any]],
                  default_owner: Mapping[str, Any] | None) -> ImportReport:
    """One transaction for the batch, retried from its start when it loses a race for a lock."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        try:
            begin_write(session)
            report = ImportReport()
            for line, record in batch:
                _import_line(session, line, record, default_owner, report)
            session.commit()
            return report
        except OperationalError as error:
            session.rollback()
            if not is_lock_conflict(error):
                raise
            log.warning("import batch from line %d lost a lock race (attempt %d): %s", batch[0][0], attempt, error.orig)
            time.sleep(0.5 * attempt)
    busy = Phrase("not imported: the database stayed busy; import the file again")
    return ImportReport(errors=[RowError(line, _ref(record), {"record": busy}) for line, record in batch])


def _ref(record: Any) -> str | None:
    ref = record.get("ref") if isinstance(record, Mapping) else None
    return ref if isinstance(ref, str) else None


def _import_line(session: Session, line: int, record: Any, default_owner: Mapping[str, Any] | None,
                 report: ImportReport) -> None:
    if isinstance(record, RowParseError):
        report.errors.append(RowError(line, None, record.errors))
        return
    savepoint = session.begin_nested()
    try:
        outcome = _import_row(session, record, default_owner)
    except ValidationFailed as error:
        savepoint.rollback()
        report.errors.append(RowError(line, _ref(record), error.errors))
        return
    savepoint.commit()
    setattr(report, outcome, getattr(report, outcome) + 1)


def _merge(total: ImportReport, batch: ImportReport) -> None:
    total.created += batch.created
    total.updated += batch.updated
    total.unchanged += batch.unchanged
    total.errors += batch.errors


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
        row[column] = neutralise_formula(row[column])
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

