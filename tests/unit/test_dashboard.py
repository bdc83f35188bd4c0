"""The shipped Grafana dashboard shows what the scraper exports, one network (or a chosen few) at a time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_alert_rules import SCRAPER_METRICS, metric_names

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "aztec-butler-dashboard.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
NETWORK_QUERY = "label_values(aztec_butler_build_info, network)"

Json = dict[str, Any]


@pytest.fixture(scope="module")
def dashboard() -> Json:
    loaded: Json = json.loads(DASHBOARD.read_text())
    return loaded


def all_panels(dashboard: Json) -> Iterator[Json]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])  # a collapsed row holds its panels


def expressions(dashboard: Json) -> Iterator[tuple[str, str]]:
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def variable(dashboard: Json, name: str) -> Json:
    matches = [v for v in dashboard["templating"]["list"] if v["name"] == name]
    assert len(matches) == 1, f"dashboard variable {name!r}: {len(matches)} definitions"
    return matches[0]


def test_network_variable_lists_the_networks_scrapers_report(dashboard: Json) -> None:
    network = variable(dashboard, "network")
    assert network["type"] == "query"
    assert network["query"] == NETWORK_QUERY
    assert network["datasource"] == DATASOURCE
    assert variable(dashboard, "datasource")["query"] == "prometheus"


def test_panels_select_only_metrics_the_scraper_exports(dashboard: Json) -> None:
    variable_metric = re.fullmatch(
        r"label_values\((.+),\s*network\)", variable(dashboard, "network")["query"]
    )
    assert variable_metric and metric_names(variable_metric[1]) <= SCRAPER_METRICS
    seen = list(expressions(dashboard))
    assert seen, "no panel queries found"
    for title, expr in seen:
        names = metric_names(expr)
        assert names, f"panel {title!r} selects no metric: {expr}"
        assert names <= SCRAPER_METRICS, f"panel {title!r}: unknown metrics {sorted(names - SCRAPER_METRICS)}"


def test_every_exported_metric_is_on_the_dashboard(dashboard: Json) -> None:
    shown = {name for _, expr in expressions(dashboard) for name in metric_names(expr)}
    assert SCRAPER_METRICS - shown == set()


def test_every_selector_is_limited_to_the_chosen_networks(dashboard: Json) -> None:
    for title, expr in expressions(dashboard):
        for selector in re.finditer(r"(aztec_butler_\w+)(\{[^}]*\})?", expr):
            matchers = selector[2] or ""
            assert 'network=~"$network"' in matchers, f"panel {title!r}: {selector[1]} mixes all networks"


def test_panels_query_the_chosen_prometheus(dashboard: Json) -> None:
    for panel in all_panels(dashboard):
        if panel["type"] == "row":
            continue
        assert panel["datasource"] == DATASOURCE, panel["title"]
        for target in panel["targets"]:
            assert target["datasource"] == DATASOURCE, panel["title"]


def test_panel_ids_are_unique_and_panels_do_not_overlap(dashboard: Json) -> None:
    panels = list(all_panels(dashboard))
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids))
    cells: dict[tuple[int, int], str] = {}
    for panel in panels:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']!r} overlaps {cells[(x, y)]!r}"
                cells[(x, y)] = panel["title"]
