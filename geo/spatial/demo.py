"""Synthetic demo reports: random points inside area polygons and clearly labelled fields.

Pure functions (numpy, shapely; no Flask): ``webapp/store/demo.py`` stores what
:func:`demo_reports` returns through the normal report pipeline, so the area and
the public point of a demo report are derived exactly like a real one's.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import shapely

from geo.reference.fields import EARLIEST_DATE, Field

#: Every demo title starts with one of these, so nobody mistakes a demo report for a real one.
DEMO_PREFIX = {"ar": "[تجريبي]", "en": "[DEMO]"}
#: Mostly approximate, like real reports; some exact and some area-only to exercise every path.
PRECISION_WEIGHTS = {"exact": 0.2, "approximate": 0.6, "area": 0.2}
_MAX_ROUNDS = 60

_TEXT = {
    "challenge": {
        "ar": ("{cat} في {area}",
               "بيانات تجريبية للعرض فقط، وليست بلاغًا حقيقيًا. يصف هذا البلاغ المتخيَّل مشكلة من نوع "
               "«{cat}» يواجهها سكان {area}، مثل تأخر الخدمات وصعوبة الوصول إلى الجهات المسؤولة."),
        "en": ("{cat} in {area}",
               "Synthetic demo data, not a real report. This imaginary report describes a problem "
               "({cat_lower}) faced by residents of {area}, such as delayed services and officials "
               "who are hard to reach."),
    },
    "initiative": {
        "ar": ("مبادرة {cat} في {area}",
               "بيانات تجريبية للعرض فقط، وليست مبادرة حقيقية. مجموعة متخيَّلة من سكان {area} "
               "تنظّم نشاطًا في مجال «{cat}» وتدعو الجيران إلى المشاركة."),
        "en": ("Initiative in {area}: {cat}",
               "Synthetic demo data, not a real initiative. An imaginary group of residents of "
               "{area} organises activities ({cat_lower}) and invites neighbours to join."),
    },
}
_MORE = {
    "ar": " تكرر الأهالي الشكوى خلال الأشهر الماضية، وجُمعت شهادات وصور من عدة شوارع في الحي.",
    "en": " Residents have raised the issue repeatedly over the past months and collected "
          "statements and photos from several streets of the neighbourhood.",
}
_ORGS = ("جمعية تجريبية للتنمية المجتمعية", "Demo Residents' Committee", "مركز شبابي تجريبي", "")


def demo_title(kind: str, category_label: str, area_name: str, lang: str) -> str:
    """The title of a demo report of ``kind`` in ``lang``, prefix included (at most 120 characters).

    Demo titles are made from their kind, category and area only, so a page can show a demo
    report in its own language whatever language it was stored in (see ``localized_title``).
    """
    return f"{DEMO_PREFIX[lang]} {_TEXT[kind][lang][0].format(cat=category_label, area=area_name)}"[:120]


def demo_description(kind: str, category_label: str, category_label_en: str, area_name: str, lang: str,
                     stored: str = "") -> str:
    """The description of a demo report in ``lang``; with the longer ending if ``stored`` had it."""
    words = {"cat": category_label, "cat_lower": category_label_en.lower(), "area": area_name}
    more = any(m.strip() in (stored or "") for m in _MORE.values())
    return _TEXT[kind][lang][1].format(**words) + (_MORE[lang] if more else "")


def is_demo_title(title: str) -> bool:
    """Whether ``title`` is one :func:`demo_title` made (starts with a demo prefix)."""
    return any((title or "").startswith(p + " ") for p in DEMO_PREFIX.values())


def random_points_in_polygons(polygons, n: int, rng: np.random.Generator,
                              weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uniform random points, each inside a randomly chosen polygon.

    Rejection sampling in each polygon's bounding box, vectorised over all
    pending points at once (a round costs one ``contains_xy`` call).

    Parameters
    ----------
    polygons : array-like of shapely (Multi)Polygon
        Candidate polygons (EPSG:4326 or any planar CRS).
    n : int
        Number of points.
    rng : numpy.random.Generator
        Source of randomness (seed it for reproducible output).
    weights : array-like of float, optional
        Relative probability of each polygon; uniform when omitted, so small
        areas get points too.

    Returns
    -------
    lons, lats : ndarray of float
        Coordinates of the points.
    index : ndarray of int
        Index of the polygon each point lies in.
    """
    geoms = np.asarray(polygons, dtype=object)
    if n <= 0 or not len(geoms):
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    p = None
    if weights is not None:
        p = np.asarray(weights, dtype=float)
        p = p / p.sum()
    index = rng.choice(len(geoms), size=n, p=p)
    bounds = shapely.bounds(geoms)
    shapely.prepare(geoms)
    xs = np.full(n, np.nan)
    ys = np.full(n, np.nan)
    pending = np.arange(n)
    for _round in range(_MAX_ROUNDS):
        if not pending.size:
            break
        b = bounds[index[pending]]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(geoms[index[pending]], x, y)
        xs[pending[inside]] = x[inside]
        ys[pending[inside]] = y[inside]
        pending = pending[~inside]
    if pending.size:
        # Sliver polygons can defeat rejection sampling: fall back to a point surely inside.
        reps = shapely.point_on_surface(geoms[index[pending]])
        xs[pending] = shapely.get_x(reps)
        ys[pending] = shapely.get_y(reps)
    return xs, ys, index


def _spread(ids: list[str], n: int, rng: np.random.Generator) -> list[str]:
    """``n`` category ids covering every id once before any repeats (when ``n`` allows)."""
    out: list[str] = []
    while len(out) < n:
        out.extend(rng.permutation(ids).tolist())
    return out[:n]


#: Share of a demo report's structured fields that are filled in (real reports miss some).
FIELD_FILL = 0.85
#: Choice weights for demo values: the common case first (most demolitions are carried out by the
#: authorities; self-demolition under order is frequent in Jerusalem).
_CHOICE_WEIGHTS = {"demolished_by": {"authorities": 0.7, "self_demolition": 0.25, "unknown": 0.05},
                   "stage": {"demolished": 0.6, "order_issued": 0.3, "order_frozen": 0.1},
                   "obstacle": {"checkpoint": 0.35, "wall": 0.2, "gate": 0.15, "road_closure": 0.25,
                                "other": 0.05}}


def _count(rng: np.random.Generator, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1))


def demo_field_values(fields: tuple[Field, ...], observed_on: dt.date, rng: np.random.Generator) -> dict:
    """Plausible structured values for a demo report (typed as ``clean_values`` returns them).

    The shipped fields get numbers of the right size and consistent with each other (housing
    units from structures, people from units, children about half of them, students from
    classrooms, an order date before the observation); any other field a value of its type.
    Private fields stay empty: demo data has no case numbers.
    """
    out: dict = {}
    for f in fields:
        if not f.public or rng.random() > FIELD_FILL:
            continue
        if f.id in _CHOICE_WEIGHTS and f.type == "choice":
            weights = _CHOICE_WEIGHTS[f.id]
            ids = [c.id for c in f.choices if c.id in weights]
            p = np.array([weights[i] for i in ids])
            out[f.id] = str(rng.choice(ids, p=p / p.sum()))
        elif f.type == "integer":
            out[f.id] = _count(rng, 1, 20)
        elif f.type == "decimal":
            out[f.id] = round(float(rng.uniform(0.5, 40)), 1)
        elif f.type == "date":
            day = observed_on - dt.timedelta(days=_count(rng, 30, 900))
            out[f.id] = max(EARLIEST_DATE, day).isoformat()
        elif f.type == "choice":
            out[f.id] = str(rng.choice([c.id for c in f.choices]))
        elif f.type == "multi":
            k = _count(rng, 1, min(2, len(f.choices)))
            chosen = set(rng.choice([c.id for c in f.choices], size=k, replace=False).tolist())
            out[f.id] = [c.id for c in f.choices if c.id in chosen]
        elif f.type == "yesno":
            out[f.id] = bool(rng.random() < 0.4)
    # The shipped counts, sized like real reports and consistent with each other.
    structures = _count(rng, 1, 3) if rng.random() < 0.8 else _count(rng, 4, 12)
    units = structures + _count(rng, 0, structures)
    people = units * _count(rng, 3, 8)
    plausible = {"structures": structures, "housing_units": units, "people_displaced": people,
                 "children_displaced": int(round(people * rng.uniform(0.35, 0.6))),
                 "classrooms_missing": _count(rng, 1, 12), "households_affected": _count(rng, 5, 400),
                 "days_without_water": _count(rng, 1, 30),
                 "land_dunums": round(float(rng.uniform(0.5, 60)), 1)}
    plausible["students_affected"] = plausible["classrooms_missing"] * _count(rng, 20, 35)
    for fid, value in plausible.items():
        if fid in out:
            out[fid] = value
    return out


def demo_reports(areas: gpd.GeoDataFrame, categories: dict[str, list[dict]], n: int, seed: int = 0,
                 today: dt.date | None = None,
                 fields: dict[tuple[str, str], tuple[Field, ...]] | None = None) -> list[dict]:
    """Field dicts for ``n`` synthetic reports spread over the areas.

    Parameters
    ----------
    areas : GeoDataFrame
        Area polygons in EPSG:4326 with ``slug``, ``name_ar`` and ``name_en``.
    categories : dict
        ``{"challenge": [...], "initiative": [...]}`` as in ``Taxonomy.as_dict()``
        (each entry has ``id``, ``label_ar``, ``label_en``).
    n : int
        Number of reports (about 60 % challenges).
    seed : int
        Seed of the random generator: the same seed gives the same reports.
    today : datetime.date, optional
        Latest observation date (defaults to today).
    fields : dict, optional
        Structured fields per ``(kind, category id)`` (``Taxonomy.fields``): each report then
        carries ``fields``, plausible values from :func:`demo_field_values`.

    Returns
    -------
    list of dict
        Challenges first, then initiatives. Each has the fields of
        ``reporting.create_report`` plus ``area_hint`` (slug of the polygon the
        point was drawn in); initiatives may carry ``addresses_idx`` (indices of
        challenges in the list) and ``addressed_categories``.
    """
    rng = np.random.default_rng(seed)
    today = today or dt.date.today()
    n_chal = int(round(n * 0.6)) if n > 1 else n
    kinds = ["challenge"] * n_chal + ["initiative"] * (n - n_chal)
    lons, lats, idx = random_points_in_polygons(areas.geometry.values, n, rng)
    rows = areas.drop(columns=areas.geometry.name).to_dict("records")
    cats = {k: _spread([c["id"] for c in categories[k]], kinds.count(k), rng) for k in categories}
    by_id = {k: {c["id"]: c for c in categories[k]} for k in categories}
    precisions = rng.choice(list(PRECISION_WEIGHTS), size=n, p=list(PRECISION_WEIGHTS.values()))
    out: list[dict] = []
    counters = {"challenge": 0, "initiative": 0}
    for i, kind in enumerate(kinds):
        cat = by_id[kind][cats[kind][counters[kind]]]
        counters[kind] += 1
        area = rows[idx[i]]
        lang = "ar" if rng.random() < 0.7 else "en"
        desc_t = _TEXT[kind][lang][1]
        words = {"cat": cat[f"label_{lang}"], "cat_lower": cat["label_en"].lower(),
                 "area": area[f"name_{lang}"]}
        description = desc_t.format(**words) + (_MORE[lang] if rng.random() < 0.5 else "")
        out.append({
            "kind": kind, "category": cat["id"],
            "title": demo_title(kind, words["cat"], words["area"], lang),
            "description": description,
            "lon": round(float(lons[i]), 6), "lat": round(float(lats[i]), 6),
            "precision": str(precisions[i]),
            "observed_on": today - dt.timedelta(days=int(rng.integers(0, 730))),
            "organization": _ORGS[int(rng.integers(0, len(_ORGS)))] if kind == "initiative" else "",
            "link": f"https://example.org/demo/{seed}/{i}" if rng.random() < 0.4 else "",
            "contact": "", "is_demo": True, "area_hint": area["slug"],
        })
    _link_initiatives(out, categories, rng)
    if fields:
        # Their own generator: adding fields leaves every other demo value as it was.
        field_rng = np.random.default_rng([seed, 20])
        for report in out:
            declared = fields.get((report["kind"], report["category"]), ())
            if declared:
                report["fields"] = demo_field_values(declared, report["observed_on"], field_rng)
    return out


def _link_initiatives(reports: list[dict], categories: dict[str, list[dict]],
                      rng: np.random.Generator) -> None:
    """Let about half the initiatives address challenges and some a whole challenge category."""
    challenges = [i for i, r in enumerate(reports) if r["kind"] == "challenge"]
    challenge_cats = [c["id"] for c in categories["challenge"]]
    for report in reports:
        if report["kind"] != "initiative":
            continue
        if challenges and rng.random() < 0.5:
            k = int(rng.integers(1, min(3, len(challenges)) + 1))
            report["addresses_idx"] = sorted(rng.choice(challenges, size=k, replace=False).tolist())
        if rng.random() < 0.3:
            report["addressed_categories"] = [str(rng.choice(challenge_cats))]
