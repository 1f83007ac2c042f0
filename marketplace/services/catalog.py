"""Catalogue import and export in the shared contract format (JSON Lines, or CSV with the same columns).

Rows are validated one by one and written in batches (one savepoint and one flush per batch): a bad
row is reported with its line number and left out, good rows are kept, and no row is ever half-written.
When the database refuses a batch, it is redone row by row in savepoints to find the row. Each batch is
its own transaction and holds the write lock from its start (another process, the indexer, writes the
same database); a batch that loses a lock race anyway is rolled back and imported again.
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
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from marketplace.db import begin_write, is_lock_conflict
from marketplace.kinds import FieldType, catalogue_fields
from marketplace.messages import Phrase
from marketplace.models import MODEL_BY_KIND, Organisation, Posting
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
# Rows per batch and transaction: one flush per row held the import near 500 rows/s at 100k listings
# (bench/results/search.md). Written in one flush, a batch holds SQLite's write lock for well under the
# busy timeout the indexer waits (marketplace/db.py).
BATCH_SIZE = 500
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


# Refs are the owner's own ids: a row naming another owner must not take the listing over.
REF_OF_ANOTHER_OWNER = Phrase("is already used by a listing of another organisation")


@dataclass
class _Batch:
    """Rows written together: one savepoint, one lookup of existing postings per kind, one flush (so
    one outbox insert). Owners are remembered across batches by the owner fields as written, and
    forgotten when a transaction rolls back (it may have created them)."""

    session: Session
    default_owner: Mapping[str, Any] | None
    owners: dict[tuple[Any, Any], Organisation] = field(default_factory=dict)

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
        except DBAPIError as error:
            savepoint.rollback()
            self.owners.clear()  # some may have been created in the rolled-back savepoint
            if isinstance(error, OperationalError) and is_lock_conflict(error):
                raise  # the whole transaction is retried (_import_batch)
            # A constraint the validation cannot see: redo the batch one row at a time, so the report
            # names the row and the batch's good rows are kept.
            self._write_one_by_one(rows, report)
            return
        savepoint.commit()
        report.errors.extend(errors)
        for outcome in outcomes:
            setattr(report, outcome, getattr(report, outcome) + 1)

    def _write_one_by_one(self, rows: list[tuple[int, Any]], report: ImportReport) -> None:
        """Row by row, each in its own savepoint: the slow path that tells which row the database refused."""
        for line, record in rows:
            errors: list[RowError] = []
            if not self._valid([(line, record)], errors):
                report.errors.extend(errors)
                continue
            savepoint = self.session.begin_nested()
            try:
                outcome = self._apply(record, self._existing([record]))
                self.session.flush()
            except ValidationFailed as error:
                savepoint.rollback()
                report.errors.append(RowError(line, _ref(record), error.errors))
                continue
            except DBAPIError as error:
                savepoint.rollback()
                self.owners.clear()
                if isinstance(error, OperationalError) and is_lock_conflict(error):
                    raise
                report.errors.append(RowError(line, _ref(record), {"record": Phrase(
                    "the database refused it (%(reason)s)", reason=str(error.orig))}))
                continue
            savepoint.commit()
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
                errors.append(RowError(line, _ref(record), problems))
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
        named = record.get("owner") or self.default_owner
        if named and self._existing_owner(named) is not posting.organisation:
            raise ValidationFailed({"ref": REF_OF_ANOTHER_OWNER})
        if posting in self.session.new:
            self.session.flush()  # the same ref twice in a batch: compare with what the first row wrote
        apply_record(posting, record)
        return "updated" if self.session.is_modified(posting) else "unchanged"

    @staticmethod
    def _key(owner: Mapping[str, Any]) -> tuple[Any, Any]:
        return owner.get("credit_code"), owner.get("name")

    def _owner(self, record: Mapping[str, Any]) -> Organisation:
        owner = record.get("owner") or self.default_owner or {}
        key = self._key(owner)
        if key not in self.owners:
            self.owners[key] = find_or_create_owner(self.session, owner, record["kind"], record.get("region"))
        return self.owners[key]

    def _existing_owner(self, owner: Mapping[str, Any]) -> Organisation | None:
        key = self._key(owner)
        if key not in self.owners and (found := find_owner(self.session, owner)) is not None:
            self.owners[key] = found
        return self.owners.get(key)


def import_records(session: Session, rows: Iterable[tuple[int, Any]],
                   default_owner: Mapping[str, Any] | None = None,
                   progress: Callable[[int], None] | None = None) -> ImportReport:
    """Import in batches of BATCH_SIZE rows, each committed. `progress` hears the running count of rows
    read after every batch, so a long import can say how far it is."""
    report = ImportReport()
    batch = _Batch(session, default_owner)
    iterator, read = iter(rows), 0
    while rows_of_batch := list(islice(iterator, BATCH_SIZE)):
        _import_batch(batch, rows_of_batch, report)
        read += len(rows_of_batch)
        if progress:
            progress(read)
    report.errors.sort(key=lambda error: error.line)
    return report


def _import_batch(batch: _Batch, rows: list[tuple[int, Any]], report: ImportReport) -> None:
    """One transaction for the batch, retried from its start when it loses a race for a lock."""
    session = batch.session
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        attempted = ImportReport()
        try:
            begin_write(session)
            batch.write(rows, attempted)
            session.commit()
        except OperationalError as error:
            session.rollback()
            batch.owners.clear()  # the rolled-back transaction may have created some
            if not is_lock_conflict(error):
                raise
            log.warning("import batch from line %d lost a lock race (attempt %d): %s", rows[0][0], attempt, error.orig)
            time.sleep(0.5 * attempt)
            continue
        _merge(report, attempted)
        return
    busy = Phrase("not imported: the database stayed busy; import the file again")
    report.errors += [RowError(line, _ref(record), {"record": busy}) for line, record in rows]


def _ref(record: Any) -> str | None:
    ref = record.get("ref") if isinstance(record, Mapping) else None
    return ref if isinstance(ref, str) else None


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

