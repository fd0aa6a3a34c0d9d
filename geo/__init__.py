"""Pure geodata logic for Ahya, grouped by role.

- ``geo.reference``: the shipped layers (built, loaded, validated), imported overlays, the
  category taxonomy, place names and search;
- ``geo.formats``: files in and out (a user's layer file, zip archives, tables, exports);
- ``geo.spatial``: points and areas (area assignment, public points, counts, distances, demo data);
- ``geo.drawing``: what people see (the web map, the offline map, posters, share cards, excerpts).

Nothing in this package imports Flask, the database or ``webapp``; functions take and return
GeoDataFrames, dicts or paths so they can be tested directly.
"""
