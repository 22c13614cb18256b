"""Logging filters: what reaches a log holds no names, NHS numbers or other identifying data."""

from __future__ import annotations

import logging
import re

_QUERY_STRING = re.compile(r"\?\S*")


class DropQueryStrings(logging.Filter):
    """Cuts the query string from request lines (``GET /people/?q=… HTTP/1.1``).

    Paths carry opaque ids only; a query string can carry what someone searched for.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _QUERY_STRING.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
