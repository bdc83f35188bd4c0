"""The shipped Prometheus alert rules pass their promtool unit tests and watch only what the scraper exports.

promtool comes from deploy/prometheus/find-promtool, the lookup `./dev test` uses (it exports $PROMTOOL,
so under `./dev test` no second lookup happens). The test skips only when that lookup reports promtool
cannot be obtained on this machine; `./dev test` itself fails in that case.
"""

from __future__ import annotations

import json
import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from butler.domain.funding import DEFAULT_THRESHOLD_WEI
from butler.domain.wei import WEI_PER_ETH

REPO_ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS_DIR / "aztec-butler-alerts.yml"
RULE_TESTS = PROMETHEUS_DIR / "aztec-butler-alerts.test.yml"
FIND_PROMTOOL = PROMETHEUS_DIR / "find-promtool"
SCRAPER_DOCS = REPO_ROOT / "docs" / "scraper.md"
PROMTOOL_UNAVAILABLE = 3

# Every series aztec-butler-scraper exports. A rename in the scraper must be followed here, which then
# fails until the alert rules and the dashboard follow too.
SCRAPER_METRICS = frozenset(
    "aztec_butler_" + name
    for name in (
        "publisher_balance_eth",
        "publisher_required_topup_eth",
        "attesters",
        "attesters_missing_coinbase",
        "attesters_missing_coinbase_urgent",
        "attester_missing_coinbase_info",
        "provider_queue_length",
        "entry_queue_length",
        "entry_queue_flush_size",
        "entry_queue_available_flushes",
        "entry_queue_next_flushable_epoch",
        "rollup_current_epoch",
        "attester_entry_queue_position",
        "attester_entry_queue_eta_timestamp_seconds",
        "next_missing_coinbase_eta_timestamp_seconds",
        "scrape_success",
        "scrape_duration_seconds",
        "last_successful_scrape_timestamp_seconds",
        "build_info",
    )
)
# Prometheus's own per-target series: the only way to notice the scraper being unreachable.
PROMETHEUS_METRICS = frozenset({"up"})

_PROMQL_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset"}
    | {"inf", "nan"}
)


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (function names, label names and numbers excluded)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', " ", expr)
    text = re.sub(r"\$\{[^}]*\}|\$\w+", " ", text)  # Grafana variables
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)  # label matchers, ranges and subqueries
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\boffset\s+-?\w+", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.:])[A-Za-z_:][\w:]*", text):
        is_call = text[match.end() :].lstrip().startswith("(")
        if not is_call and match[0].lower() not in _PROMQL_KEYWORDS:
            names.add(match[0])
    return names


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _scalar(value: str) -> str:
    if value.startswith("'"):
        assert value.endswith("'") and len(value) > 1, f"unterminated quoted expr: {value}"
        return value[1:-1].replace("''", "'")
    if value.startswith('"'):
        parsed: str = json.loads(value)
        return parsed
    return value


def alert_expressions(text: str) -> dict[str, str]:
    """Alert name -> expression, from the rules file's layout: `- alert: NAME`, then `expr:` inline or as a
    block scalar. Recording rules or an expr this reader cannot place fail the test instead of being skipped.
    """
    lines = text.splitlines()
    found: dict[str, str] = {}
    pending: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if alert := re.fullmatch(r"\s*- alert:\s*(\S+)\s*", line):
            assert pending is None, f"alert {pending} has no expr"
            assert alert[1] not in found, f"alert {alert[1]} is defined twice"
            pending = alert[1]
        elif expr := re.fullmatch(r"(\s*)(?:- )?expr:\s*(.*?)\s*", line):
            assert pending is not None, f"line {index + 1}: expr outside an alert rule"
            value = expr[2]
            if value in {"|", "|-", ">", ">-"}:
                body = []
                while index + 1 < len(lines) and (
                    not lines[index + 1].strip() or _indent(lines[index + 1]) > len(expr[1])
                ):
                    index += 1
                    body.append(lines[index].strip())
                value = " ".join(body)
            found[pending] = _scalar(value)
            pending = None
        index += 1
    assert pending is None, f"alert {pending} has no expr"
    return found


def alert_blocks(text: str) -> dict[str, str]:
    """Alert name -> the text of its rule (up to the next rule or group)."""
    parts = re.split(r"^\s*- (?:alert|name):\s*(\S+)\s*$", text, flags=re.MULTILINE)
    headers = re.findall(r"^\s*- (alert|name):", text, flags=re.MULTILINE)
    return {
        name: body
        for kind, name, body in zip(headers, parts[1::2], parts[2::2], strict=True)
        if kind == "alert"
    }


def markdown_anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens."""
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


@pytest.fixture(scope="module")
def promtool() -> Path:
    result = subprocess.run(
        ["bash", str(FIND_PROMTOOL)], capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode == PROMTOOL_UNAVAILABLE:
        pytest.skip(f"promtool cannot be obtained on this machine: {result.stderr.strip()}")
    assert result.returncode == 0, f"find-promtool failed: {result.stderr.strip()}"
    return Path(result.stdout.strip())


def run_promtool(promtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), *args], capture_output=True, text=True, check=False, timeout=120, cwd=PROMETHEUS_DIR
    )


def test_rules_file_is_valid_for_prometheus(promtool: Path) -> None:
    result = run_promtool(promtool, "check", "rules", RULES.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_pass_their_promtool_unit_tests(promtool: Path) -> None:
    result = run_promtool(promtool, "test", "rules", RULE_TESTS.name)
    assert result.returncode == 0, result.stdout + result.stderr


def test_rules_select_only_metrics_the_scraper_exports() -> None:
    expressions = alert_expressions(RULES.read_text())
    assert expressions, "no alert rules found"
    for alert, expr in expressions.items():
        names = metric_names(expr)
        assert names, f"{alert}: selects no metric: {expr}"
        unknown = names - SCRAPER_METRICS - PROMETHEUS_METRICS
        assert not unknown, f"{alert}: unknown metrics {sorted(unknown)} in {expr}"


def test_the_alerts_issue_7_asks_for_are_all_there() -> None:
    selected = {name for expr in alert_expressions(RULES.read_text()).values() for name in metric_names(expr)}
    assert {
        "aztec_butler_attester_missing_coinbase_info",
        "aztec_butler_next_missing_coinbase_eta_timestamp_seconds",
        "aztec_butler_publisher_required_topup_eth",
        "aztec_butler_publisher_balance_eth",
        "aztec_butler_scrape_success",
        "aztec_butler_last_successful_scrape_timestamp_seconds",
        "up",
    } <= selected


def test_below_target_alerts_exactly_when_fund_publishers_would_top_up() -> None:
    expr = alert_expressions(RULES.read_text())["AztecButlerPublisherBelowTarget"]
    threshold = re.fullmatch(r"aztec_butler_publisher_required_topup_eth >= ([0-9.]+)", expr)
    assert threshold, expr
    assert Decimal(threshold[1]) == Decimal(DEFAULT_THRESHOLD_WEI) / WEI_PER_ETH


def test_every_alert_has_a_severity_annotations_and_a_runbook_that_exists() -> None:
    anchors = markdown_anchors(SCRAPER_DOCS.read_text())
    blocks = alert_blocks(RULES.read_text())
    assert set(blocks) == set(alert_expressions(RULES.read_text()))
    for alert, block in blocks.items():
        assert re.search(r"^\s+severity: (critical|warning)$", block, flags=re.MULTILINE), alert
        assert re.search(r"^\s+summary: ", block, flags=re.MULTILINE), alert
        assert re.search(r"^\s+description: ", block, flags=re.MULTILINE), alert
        runbook = re.search(r"^\s+runbook: docs/scraper\.md#([\w-]+)$", block, flags=re.MULTILINE)
        assert runbook, f"{alert}: no runbook annotation"
        assert runbook[1] in anchors, f"{alert}: docs/scraper.md has no heading for #{runbook[1]}"


def test_every_alert_is_tested_both_firing_and_silent() -> None:
    tests = RULE_TESTS.read_text()
    silent = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts: \[\]", tests))
    firing = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels:", tests))
    alerts = set(alert_expressions(RULES.read_text()))
    assert alerts - firing == set(), "alerts never tested firing"
    assert alerts - silent == set(), "alerts never tested silent"


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (state) (aztec_butler_attesters{network="x", state="ACTIVE"})', {"aztec_butler_attesters"}),
        ("time() - aztec_butler_build_info offset 5m > 1e3", {"aztec_butler_build_info"}),
        (
            'absent(up{job="a"}) or rate(foo:bar[5m]) * on (network) group_left (x) baz',
            {"up", "foo:bar", "baz"},
        ),
        (
            'count(aztec_butler_attesters{network=~"$network"} > 0x10) by (network)',
            {"aztec_butler_attesters"},
        ),
    ],
)
def test_metric_names_reads_promql(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names
