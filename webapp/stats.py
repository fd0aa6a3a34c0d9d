"""Counts of published reports per area, kind and category, grouped in SQL.

One ``GROUP BY`` query answers every count a page needs (the choropleth, an area's
bar chart, the API's area counts); geo.aggregate shapes the result. Nothing here
loads individual reports.
"""

from __future__ import annotations

import pandas as pd
from flask import current_app
from sqlalchemy import func, select

from geo.aggregate import suppress

from .extensions import db
from .models import Report
from .queries import ReportFilters, apply_filters


def grouped_counts(filters: ReportFilters | None = None) -> pd.DataFrame:
    """Published reports counted by area × kind × category (columns area, kind, category, count).

    ``filters`` apply as on the map (kind, category, area, dates, q, bbox); its ``limit`` does not.
    """
    stmt = (select(Report.area, Report.kind, Report.category, func.count(Report.id))
            .where(Report.status == "published"))
    if filters:
        stmt = apply_filters(stmt, filters)
    stmt = stmt.group_by(Report.area, Report.kind, Report.category)
    rows = db.session.execute(stmt).all()
    return pd.DataFrame(rows, columns=["area", "kind", "category", "count"]).astype(
        {"count": "int64"})


def area_totals(frame: pd.DataFrame) -> dict[str, dict]:
    """Per area: ``{"challenge": n, "initiative": n, "by_category": {kind: {cat: n}}}``."""
    out: dict[str, dict] = {}
    for row in frame.itertuples(index=False):
        if row.area is None:
            continue
        entry = out.setdefault(row.area, {"challenge": 0, "initiative": 0,
                                          "by_category": {"challenge": {}, "initiative": {}}})
        entry[row.kind] += int(row.count)
        entry["by_category"][row.kind][row.category] = int(row.count)
    return out


def public_count(count: int) -> int | str:
    """A count as it may be published, after the ``MIN_PUBLIC_COUNT`` suppression setting."""
    return suppress(int(count), int(current_app.config.get("MIN_PUBLIC_COUNT", 1)))


def min_public_count() -> int:
    """The ``MIN_PUBLIC_COUNT`` setting: counts below it are published as ``"<k"`` (1 = off)."""
    return max(1, int(current_app.config.get("MIN_PUBLIC_COUNT", 1)))
