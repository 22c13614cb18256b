"""Where the metrics run: live on PostgreSQL, or over a research extract on DuckDB or Spark.

A metric is an ibis expression over the unbound analysis tables of ``schema``. Each engine names
those tables as it holds them, compiles the expression to its own SQL dialect with ibis and runs
the SQL itself. PostgreSQL runs it on Django's own connection, so the live figures see exactly
what the platform's pages see (and a test's data inside its transaction). DuckDB and Spark read
an extract directory: one Parquet file (or a folder of them) per table, checked against the
schema before anything runs, so a missing or malformed column is a clear message and not a
failure half-way through a query.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

from alongside.insights.schema import TABLES

Row = dict[str, Any]

#: The file an extract's writer leaves beside the tables: site, date, schema version, counts.
MANIFEST = "manifest.json"


class ExtractError(Exception):
    """An extract that cannot be used, with every problem found."""

    def __init__(self, directory: Path, problems: list[str]) -> None:
        self.directory = directory
        self.problems = problems
        listed = "; ".join(problems)
        super().__init__(f"The extract in {directory} cannot be used: {listed}")


class Engine(Protocol):
    name: str

    def tables(self) -> dict[str, ir.Table]: ...

    def run(self, expr: ir.Table) -> list[Row]: ...

    def reference_date(self) -> dt.date: ...


def _plain(value: Any) -> Any:
    """A value as Python compares it on every engine: Decimal and NaN made plain."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _rows(columns: list[str], records: list[tuple]) -> list[Row]:
    return [{c: _plain(v) for c, v in zip(columns, record, strict=True)} for record in records]


def _named(prefix: str) -> dict[str, ir.Table]:
    return {name: ibis.table(t.schema, name=f"{prefix}{name}") for name, t in TABLES.items()}


class PostgresEngine:
    """The live data, through the platform's own database connection: the analysis tables'
    materialised copies (``snapshots``), refreshed first when they are older than the maximum
    age."""

    name = "postgres"

    def __init__(self, using: str = "default") -> None:
        self.using = using
        self.as_at: dt.datetime | None = None

    def tables(self) -> dict[str, ir.Table]:
        return _named("insights_snap_")

    def fresh(self) -> None:
        """Refresh the copies if they are too old (once per engine)."""
        if self.as_at is None:
            from alongside.insights import snapshots

            current = snapshots.ensure_fresh()
            self.as_at = current.refreshed_at if current else None

    def sql(self, expr: ir.Table) -> str:
        return str(ibis.to_sql(expr, dialect="postgres", pretty=False))

    def run(self, expr: ir.Table) -> list[Row]:
        from django.db import connections

        self.fresh()
        with connections[self.using].cursor() as cursor:
            # The metrics join whole tables to window-function results, which the planner
            # under-estimates and would rescan in nested loops; hash joins suit them throughout.
            connection = connections[self.using]
            cursor.execute("SET enable_nestloop = off")
            try:
                cursor.execute(self.sql(expr))
                columns = [d.name for d in cursor.description]
                rows = _rows(columns, cursor.fetchall())
            except Exception:
                # Inside a transaction, its rollback undoes the SET; outside one, undo it here.
                if not connection.in_atomic_block:
                    cursor.execute("RESET enable_nestloop")
                raise
            cursor.execute("RESET enable_nestloop")
            return rows

    def reference_date(self) -> dt.date:
        from django.utils import timezone

        return timezone.localdate()


def table_path(directory: Path, name: str) -> Path | None:
    """Where a table's Parquet lives in an extract: ``name.parquet`` or a ``name/`` folder."""
    single = directory / f"{name}.parquet"
    if single.is_file():
        return single
    folder = directory / name
    if folder.is_dir() and any(folder.glob("*.parquet")):
        return folder
    return None


def _parquet_files(path: Path) -> list[Path]:
    return [path] if path.is_file() else sorted(path.glob("*.parquet"))


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / MANIFEST).read_text())
    except FileNotFoundError:
        raise ExtractError(directory, [f"{MANIFEST} is missing"]) from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ExtractError(directory, [f"{MANIFEST} is not valid JSON"]) from None


def check_extract(directory: Path) -> dict[str, Path]:
    """Every table's path, after checking the extract has the schema's tables and columns with
    the right types; raises ``ExtractError`` naming every problem."""
    if not directory.is_dir():
        raise ExtractError(directory, ["there is no such directory"])
    problems: list[str] = []
    manifest = read_manifest(directory)
    if not isinstance(manifest.get("reference_date"), str):
        problems.append(f"{MANIFEST} has no reference_date")
    paths: dict[str, Path] = {}
    for name, table in TABLES.items():
        path = table_path(directory, name)
        if path is None:
            problems.append(f"the {name} table is missing ({name}.parquet)")
            continue
        paths[name] = path
        for file in _parquet_files(path):
            try:
                found = ibis.Schema.from_pyarrow(pq.read_schema(file))
            except Exception:
                problems.append(f"{file.name} is not a readable Parquet file")
                continue
            for column in table.columns:
                if column.name not in found:
                    problems.append(f"{name}: column {column.name} is missing")
                    continue
                expected = ibis.dtype(column.type)
                actual = found[column.name]
                if not _compatible(expected, actual):
                    problems.append(
                        f"{name}: column {column.name} is {actual}, expected {expected}"
                    )
            extra = sorted(set(found.names) - set(table.column_names))
            if extra:
                problems.append(f"{name}: columns not in the data dictionary: {', '.join(extra)}")
    if problems:
        raise ExtractError(directory, problems)
    return paths


def _compatible(expected: Any, actual: Any) -> bool:
    if expected.is_timestamp():
        return actual.is_timestamp() and actual.timezone is None
    if expected.is_integer():
        return actual.is_integer()
    if expected.is_floating():
        return actual.is_floating()
    return type(expected) is type(actual)


class DuckDBEngine:
    """A research extract on DuckDB (in-process, larger than memory when it has to be)."""

    name = "duckdb"

    def __init__(self, directory: Path, *, threads: int | None = None) -> None:
        import duckdb

        self.directory = Path(directory)
        paths = check_extract(self.directory)
        self.manifest = read_manifest(self.directory)
        self.connection = duckdb.connect()
        if threads:
            self.connection.execute(f"SET threads = {int(threads)}")
        for name, path in paths.items():
            files = [str(f) for f in _parquet_files(path)]
            # Table names come from the schema; the paths are this extract's own files.
            view = f'CREATE VIEW "{name}" AS SELECT * FROM read_parquet({files!r})'  # noqa: S608
            self.connection.execute(view)

    def tables(self) -> dict[str, ir.Table]:
        return _named("")

    def sql(self, expr: ir.Table) -> str:
        return str(ibis.to_sql(expr, dialect="duckdb", pretty=False))

    def run(self, expr: ir.Table) -> list[Row]:
        cursor = self.connection.execute(self.sql(expr))
        columns = [d[0] for d in cursor.description]
        return _rows(columns, cursor.fetchall())

    def reference_date(self) -> dt.date:
        return dt.date.fromisoformat(self.manifest["reference_date"])


@contextmanager
def spark_session(cores: int = 2) -> Iterator[Any]:
    """A local Spark session for running metrics over an extract (tests and the CLI)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - pyspark is a development dependency
        raise ExtractError(
            Path("."), ["Spark is not installed here (pip install pyspark)"]
        ) from None
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName("alongside-metrics")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


class SparkEngine:
    """A research extract on Apache Spark: the same SQL, for data that outgrows one machine."""

    name = "spark"

    def __init__(self, directory: Path, session: Any) -> None:
        from ibis.backends.pyspark import Backend

        Backend.register_options()  # the Spark SQL compiler reads the backend's options

        self.directory = Path(directory)
        paths = check_extract(self.directory)
        self.manifest = read_manifest(self.directory)
        self.session = session
        for name, path in paths.items():
            session.read.parquet(str(path)).createOrReplaceTempView(name)

    def tables(self) -> dict[str, ir.Table]:
        return _named("")

    def sql(self, expr: ir.Table) -> str:
        return str(ibis.to_sql(expr, dialect="pyspark", pretty=False))

    def run(self, expr: ir.Table) -> list[Row]:
        frame = self.session.sql(self.sql(expr))
        columns = list(frame.columns)
        return _rows(columns, [tuple(r) for r in frame.collect()])

    def reference_date(self) -> dt.date:
        return dt.date.fromisoformat(self.manifest["reference_date"])
