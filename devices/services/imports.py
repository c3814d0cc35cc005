"""Registering many devices from CSV rows: validate everything first, then insert in one transaction.

The import is all or nothing. A first pass checks every row (values, products,
uids repeated in the file or already registered) and reports each bad row by
line; if any is bad nothing is written. A second pass inserts the devices in
batches with ``bulk_create`` inside a single transaction, handing each new
token to ``token_sink`` (the command writes them to a file it publishes only
after the commit). Both passes hold one batch in memory, so a million-row file
imports in constant memory.

Columns (header row required): ``uid`` (required), ``product`` (or a default
product for the whole file), ``name``, ``agent_version``, ``tags`` (separated
by ``;``), ``module:NAME`` (the installed version of module NAME) and
``attr:KEY`` (attribute KEY; empty cells are left out).
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from catalog.models import Product
from devices import tokens
from devices.models import Device, DeviceEvent
from devices.services.registry import build_device
from otaportal import audit_context

MODULE_PREFIX, ATTRIBUTE_PREFIX = "module:", "attr:"
PLAIN_COLUMNS = {"uid", "product", "name", "agent_version", "tags"}
TAG_SEPARATOR = ";"
DEFAULT_BATCH_SIZE = 1000


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self):
        return f"line {self.line}: {self.message}" if self.line else self.message


class ImportRefused(Exception):
    """Bad rows (or a bad header): nothing was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} bad row(s); nothing was imported.")
        self.errors = errors


@dataclass
class _Products:
    """Products by key, each looked up once."""

    default_key: str | None
    known: dict[str, Product | None] = field(default_factory=dict)

    def get(self, key: str) -> Product:
        key = key or self.default_key or ""
        if not key:
            raise ValidationError({"product": "No product: add a product column or give a default product."})
        if key not in self.known:
            self.known[key] = Product.objects.filter(key=key).first()
        if self.known[key] is None:
            raise ValidationError({"product": f"Unknown product {key!r}."})
        return self.known[key]


def read_rows(handle) -> Iterator[tuple[int, dict]]:
    """(line number, row) for each data row of a CSV file; the header is checked first."""
    reader = csv.DictReader(handle)
    check_header(reader.fieldnames or [])
    for row in reader:
        yield reader.line_num, row


def check_header(columns: list[str]) -> None:
    errors = []
    if "uid" not in columns:
        errors.append(RowError(1, "the header has no uid column"))
    for column in columns:
        if column not in PLAIN_COLUMNS and not column.startswith((MODULE_PREFIX, ATTRIBUTE_PREFIX)):
            errors.append(RowError(1, f"unknown column {column!r} (use {', '.join(sorted(PLAIN_COLUMNS))}, "
                                      f"{MODULE_PREFIX}NAME or {ATTRIBUTE_PREFIX}KEY)"))
    if len(columns) != len(set(columns)):
        errors.append(RowError(1, "a column is named twice"))
    if errors:
        raise ImportRefused(errors)


def _cell(row: dict, column: str) -> str:
    value = row.get(column)
    return value.strip() if isinstance(value, str) else ""


def device_from_row(row: dict, products: _Products) -> Device:
    """An unsaved, validated device; ValidationError names the bad column."""
    if None in row:
        raise ValidationError("the row has more cells than the header")
    installed = {column[len(MODULE_PREFIX):]: _cell(row, column) for column in row
                 if column.startswith(MODULE_PREFIX) and _cell(row, column)}
    attributes = {column[len(ATTRIBUTE_PREFIX):]: _cell(row, column) for column in row
                  if column.startswith(ATTRIBUTE_PREFIX) and _cell(row, column)}
    tags = [tag.strip() for tag in _cell(row, "tags").split(TAG_SEPARATOR) if tag.strip()]
    return build_device(
        products.get(_cell(row, "product")), _cell(row, "uid"), name=_cell(row, "name"),
        agent_version=_cell(row, "agent_version"), attributes=attributes, tags=tags,
        installed_versions=installed,
    )


def _describe(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items())
    return " ".join(error.messages)


def _batches(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def validate_rows(rows: Iterable[tuple[int, dict]], *, default_product: str | None = None,
                  batch_size: int = DEFAULT_BATCH_SIZE, progress: Callable[[int], None] = lambda n: None
                  ) -> list[RowError]:
    """Every problem of every row, in line order (an empty list: the rows can be imported)."""
    products, errors, first_line_of = _Products(default_product), [], {}
    for batch in _batches(rows, batch_size):
        fresh = {}
        for line, row in batch:
            try:
                device = device_from_row(row, products)
            except ValidationError as error:
                errors.append(RowError(line, _describe(error)))
                continue
            if device.uid in first_line_of:
                first = first_line_of[device.uid]
                errors.append(RowError(line, f"uid {device.uid!r} is repeated (first on line {first})"))
                continue
            first_line_of[device.uid] = fresh[device.uid] = line
        for uid in Device.objects.filter(uid__in=list(fresh)).values_list("uid", flat=True):
            errors.append(RowError(fresh[uid], f"uid {uid!r} is already registered"))
        progress(len(batch))
    return sorted(errors, key=lambda error: error.line)


def import_rows(rows: Iterable[tuple[int, dict]], token_sink: Callable[[Device, str], None], *,
                default_product: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE, actor=None,
                progress: Callable[[int], None] = lambda n: None,
                before_commit: Callable[[], None] = lambda: None) -> int:
    """Insert already validated rows in one transaction; returns how many devices were registered.

    ``before_commit`` runs last inside the transaction (the command makes the
    token file durable there): if it fails, nothing is registered. Raises
    ImportRefused if a row turns out bad after all (a uid registered
    meanwhile): the transaction rolls back and nothing stays.
    """
    products, count = _Products(default_product), 0
    event_data = {"by": str(actor)} if actor is not None else {}
    try:
        with transaction.atomic():
            for batch in _batches(rows, batch_size):
                devices = [device_from_row(row, products) for _, row in batch]
                plaintexts = [tokens.issue_token(device) for device in devices]
                Device.objects.bulk_create(devices)
                audit_context.rows_created.send(sender=Device, instances=devices)
                DeviceEvent.objects.bulk_create(
                    DeviceEvent(device=device, kind=DeviceEvent.Kind.REGISTERED,
                                message="Registered by import.", data=event_data)
                    for device in devices
                )
                for device, plaintext in zip(devices, plaintexts):
                    token_sink(device, plaintext)
                count += len(devices)
                progress(len(batch))
            before_commit()
    except ValidationError as error:
        raise ImportRefused([RowError(0, f"a row changed while importing: {_describe(error)}")]) from error
    except IntegrityError as error:
        message = f"a uid was registered while importing ({error}); run it again"
        raise ImportRefused([RowError(0, message)]) from error
    return count
