"""geo.drawing.trends: the column chart's SVG, read back as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - parses only the SVG this test just drew

from geo.drawing.trends import MAX_LABELLED, Column, column_chart_svg

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _columns(n: int) -> list[Column]:
    return [Column(key=f"{2000 + i}", label=f"{2000 + i}", value=float(i + 1), text=str(i + 1))
            for i in range(n)]


def test_accessible_and_every_number_in_the_description():
    cols = [*_columns(3), Column(key="2003", label="2003", value=0.5, text="<3", approximate=True)]
    root = parse(column_chart_svg(cols, chart_id="c1", title="Reports <per> year"))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find("svg:title", NS).text == "Reports <per> year"  # escaped, read back intact
    assert root.find("svg:desc", NS).text == "2000: 1; 2001: 2; 2002: 3; 2003: <3"
    bars = root.findall(".//svg:rect", NS)
    assert [b.get("data-period") for b in bars] == ["2000", "2001", "2002", "2003"]
    assert "trend-bar-approximate" in bars[3].get("class")
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] < heights[1] < heights[2]


def test_right_to_left_puts_the_oldest_period_at_the_right():
    ltr = parse(column_chart_svg(_columns(3), chart_id="a", title="t"))
    rtl = parse(column_chart_svg(_columns(3), chart_id="b", title="t", rtl=True))
    x = lambda root: [float(r.get("x")) for r in root.findall(".//svg:rect", NS)]  # noqa: E731
    assert x(ltr) == sorted(x(ltr)) and x(rtl) == sorted(x(rtl), reverse=True)


def test_many_periods_are_labelled_sparsely_without_values_on_bars():
    root = parse(column_chart_svg(_columns(48), chart_id="m", title="t"))
    assert len(root.findall(".//svg:rect", NS)) == 48
    labels = root.findall(".//svg:text[@class='trend-label']", NS)
    assert 1 < len(labels) <= MAX_LABELLED
    assert not root.findall(".//svg:text[@class='trend-value']", NS)


def test_sum_map_classes_hidden_areas_and_escaping():
    import geopandas as gpd
    from shapely.geometry import box

    from geo.drawing.trends import HIDDEN_FILL, sum_map_svg

    areas = gpd.GeoDataFrame({"slug": ["a", "b", "c", "d"]}, crs="EPSG:4326", geometry=[
        box(35.20, 31.70, 35.21, 31.71), box(35.21, 31.70, 35.22, 31.71),
        box(35.20, 31.71, 35.21, 31.72), box(35.21, 31.71, 35.22, 31.72)])
    svg, legend = sum_map_svg(areas, {"a": 40, "b": 3, "c": 7}, {"c"}, {"a": "<A>", "b": "B"},
                              chart_id="s", title="People displaced", hidden_text="fewer than 3")
    root = parse(svg)
    paths = {p.get("data-slug"): p for p in root.findall(".//svg:path", NS)}
    assert paths["c"].get("fill") == HIDDEN_FILL and paths["c"].get("data-value") == "fewer than 3"
    assert paths["a"].find("svg:title", NS).text == "<A>: 40"
    assert paths["a"].get("fill") != paths["b"].get("fill") != paths["d"].get("fill")
    assert root.find("svg:desc", NS).text == "<A>: 40; B: 3; c: fewer than 3"
    assert [e.label for e in legend][0] == "0" and legend[-1].colour == HIDDEN_FILL
