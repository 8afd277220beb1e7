"""Lists as data: what a register page shows, with its filters, as CSV or JSON. One
writer for every such download; CSV cells never run as formulas (members.csv_cell)."""

import csv
import io
import json
from collections.abc import Iterable, Sequence

from flask import Response

from decisions.clock import oslo
from decisions.members.services import csv_cell
from decisions.register.models import Decision

# A download is the filtered list whole, not a page of it, up to this many rows.
MAX_ROWS = 10_000
FORMATS = "any(csv, json)"


def download(columns: Sequence[str], rows: Sequence[dict], fmt: str, name: str) -> Response:
    """`rows` (dicts with the keys `columns`, values str, int or None) as `name`.csv or
    `name`.json."""
    if fmt == "json":
        body, mimetype = json.dumps({"data": list(rows)}, ensure_ascii=False, indent=1), \
            "application/json"
    else:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([csv_cell(v) if isinstance(v, str) else ("" if v is None else v)
                             for v in (row[c] for c in columns)])
        body, mimetype = "\ufeff" + out.getvalue(), "text/csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


DECISION_COLUMNS = ("reference", "adopted", "title", "procedure", "resolution", "url")


def decision_rows(decisions: Iterable[Decision], url_of) -> list[dict]:
    """A decision as data: reference, date adopted, title, procedure, resolution, page."""
    return [{"reference": d.ref, "adopted": oslo(d.adopted_at).date().isoformat(),
             "title": d.title, "procedure": d.procedure.value,
             "resolution": d.resolution, "url": url_of(d)} for d in decisions]
