"""Reading rendered pages in tests: tables by caption, as a person (or screen reader) reads them."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self._hidden_depth = 0
        self._stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        hidden = attributes.get("aria-hidden") == "true"
        if tag == "span":
            self._stack.append(hidden)
            self._hidden_depth += hidden
        if tag == "table":
            self._rows, self._caption = [], []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in {"td", "th"} and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._stack:
            self._hidden_depth -= self._stack.pop()
        if tag in {"td", "th"} and self._cell is not None and self._rows:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            caption = " ".join("".join(self._caption or []).split())
            self.tables[caption] = [row for row in self._rows if row]
            self._rows = None

    def handle_data(self, data: str) -> None:
        if self._hidden_depth:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._rows is not None and self._caption is not None:
            self._caption.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    """Every table on a page: caption → rows (header row first), each a list of cell texts."""
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def table_as_dict(html: str, caption: str) -> dict[str, str]:
    """A two-column table (label, figure) as a dictionary, header row left out."""
    found = [rows for name, rows in tables(html).items() if name.startswith(caption)]
    assert found, f"no table captioned {caption!r}"
    return {row[0]: row[1] for row in found[0][1:]}
