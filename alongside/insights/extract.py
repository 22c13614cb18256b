"""The pseudonymised research extract: ``alongside export research DIR``.

It writes the analysis tables (``schema.TABLES``) as Parquet, one file per table, read from the
live views, so an evaluator can run the same metrics on DuckDB or Spark and combine several
sites. What leaves the site:

* every key of a person, referral, episode, contact, response, member of staff, supervision
  agreement or session, co-production review or involvement is replaced by a keyed hash
  (HMAC-SHA-256 with the site's secret salt, cut to a non-negative 64-bit integer), so rows
  still join up, the same person has the same key in every extract from this site, and no key
  can be traced back without the salt, which is never exported;
* no names, dates of birth (age bands instead), NHS numbers, addresses or postcodes (LSOA, IMD
  decile and locality instead), phone numbers, email addresses or free text (not a goal's words,
  a rating's evidence nor what an involvement changed, only whether it was recorded), and nothing
  about who an expert by experience is: the tables have no such columns, and nothing but the
  columns listed in ``data_dictionary.csv`` is written;
* team and organisation keys and names are kept: they are not about a person, and an evaluator
  needs them to compare services.

The extract is written to a temporary folder beside ``DIR`` and moved into place only when every
table is complete, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.utils import timezone

from alongside.core import csv
from alongside.insights.engines import MANIFEST
from alongside.insights.schema import SCHEMA_VERSION, TABLES, Table

#: What each hashed column identifies: columns naming the same kind of thing share a hash space.
KEY_KINDS: dict[str, str] = {
    "person_key": "person",
    "referral_key": "referral",
    "onward_from_key": "referral",
    "episode_key": "episode",
    "contact_key": "contact",
    "response_key": "response",
    "practitioner_key": "staff",
    "key_worker_key": "staff",
    "supervisee_key": "staff",
    "supervisor_key": "staff",
    "agreement_key": "agreement",
    "session_key": "session",
    "review_key": "review",
    "involvement_key": "involvement",
}
DICTIONARY = "data_dictionary.csv"
CHUNK_ROWS = 50_000
_MASK = (1 << 63) - 1


class ExtractExists(Exception):
    pass


@dataclass
class ExtractResult:
    directory: Path
    reference_date: dt.date
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> list[str]:
        lines = [f"Research extract written to {self.directory} ({self.reference_date})."]
        lines += [f"  {name}: {count:,} rows" for name, count in self.rows.items()]
        return lines


def site_salt() -> bytes:
    """The site's secret salt: ``ALONGSIDE_RESEARCH_SALT`` if set, otherwise one made on first
    use and kept (readable by its owner only) in the data directory."""
    configured = getattr(settings, "ALONGSIDE_RESEARCH_SALT", "")
    if configured:
        return configured.encode()
    from alongside.core.embedded_db import default_data_dir

    path = default_data_dir(settings.BASE_DIR) / "research-salt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def pseudonym(salt: bytes, kind: str, value: int) -> int:
    """The keyed hash of one key, as a non-negative 64-bit integer."""
    digest = hmac.new(salt, f"{kind}:{value}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & _MASK


def _rows(table: Table) -> Iterable[list[tuple]]:
    columns = ", ".join(f'"{c}"' for c in table.column_names)
    order = table.column_names[0]
    # The view names and columns come from the schema, never from input.
    sql = f'SELECT {columns} FROM "{table.view}" ORDER BY "{order}"'  # noqa: S608
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK_ROWS):
            yield batch


def _write_table(table: Table, path: Path, salt: bytes) -> int:
    schema = table.schema.to_pyarrow()
    hashed = {i: KEY_KINDS[c] for i, c in enumerate(table.column_names) if c in table.hashed}
    written = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in _rows(table):
            columns = list(zip(*batch, strict=True))
            arrays = []
            for i, values in enumerate(columns):
                if i in hashed:
                    kind = hashed[i]
                    values = [None if v is None else pseudonym(salt, kind, v) for v in values]
                arrays.append(pa.array(values, type=schema.field(i).type))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            written += len(batch)
        if written == 0:
            writer.write_table(schema.empty_table())
    return written


def write_dictionary(directory: Path) -> None:
    """``data_dictionary.csv``: every table and column the extract holds, and nothing else."""
    with (directory / DICTIONARY).open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["table", "column", "type", "pseudonymised", "description"])
        for table in TABLES.values():
            writer.writerow([table.name, "", "", "", table.description])
            for column in table.columns:
                writer.writerow(
                    [
                        table.name,
                        column.name,
                        column.type,
                        "yes" if column.name in table.hashed else "no",
                        column.description,
                    ]
                )


def write_manifest(
    directory: Path, *, reference_date: dt.date, rows: dict[str, int], **extra: object
) -> None:
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "site": settings.PLACE_NAME,
        "reference_date": reference_date.isoformat(),
        "written_at": timezone.now().isoformat(timespec="seconds"),
        "rows": rows,
        "pseudonymised": "HMAC-SHA-256 with a salt kept at the site",
        **extra,
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def write_extract(
    directory: Path,
    *,
    force: bool = False,
    salt: bytes | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ExtractResult:
    """Write the research extract into ``directory`` (which must be empty or absent, unless
    ``force`` replaces what is there)."""
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()) and not force:
        raise ExtractExists(
            f"{directory} is not empty: choose an empty folder, or --force to replace it."
        )
    key = salt if salt is not None else site_salt()
    reference_date = timezone.localdate()
    directory.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        rows: dict[str, int] = {}
        for name, table in TABLES.items():
            rows[name] = _write_table(table, partial / f"{name}.parquet", key)
            if progress:
                progress(name, rows[name])
        write_dictionary(partial)
        write_manifest(partial, reference_date=reference_date, rows=rows)
        if directory.exists():
            shutil.rmtree(directory)
        partial.rename(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return ExtractResult(directory, reference_date, rows)
