"""Metrics: the counts an operator needs, in Prometheus text, with no user ids or text."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics, render

REQUESTS = "referral_bot_requests_total"
CHECKLISTS = "referral_bot_checklist_outcomes_total"


def samples(metrics: Metrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    body, _ = render(metrics)
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def value(metrics: Metrics, name: str, **labels: str) -> float:
    return samples(metrics).get((name, frozenset(labels.items())), 0.0)


def test_counts_requests_lookups_checklists_and_reloads() -> None:
    m = Metrics()
    m.request("command", "ok")
    m.request("command", "ok")
    m.request("event_app_mention", "rejected")
    m.lookup("found")
    m.lookup("ambiguous")
    m.lookup("not_found")
    m.lookup("found")
    m.checklist_outcome("report_now", "report")
    m.reload(True, loaded_at=1_764_000_000.0)
    m.reload(False)
    m.reload(False)

    assert value(m, REQUESTS, kind="command", outcome="ok") == 2
    assert value(m, REQUESTS, kind="event_app_mention", outcome="rejected") == 1
    assert value(m, "referral_bot_lookups_total", status="found") == 2
    assert value(m, "referral_bot_lookups_total", status="not_found") == 1
    assert value(m, CHECKLISTS, outcome="report_now", kind="report") == 1
    assert value(m, "referral_bot_reloads_total", result="success") == 1
    assert value(m, "referral_bot_reloads_total", result="failure") == 2
    assert value(m, "referral_bot_catalog_loaded_timestamp_seconds") == 1_764_000_000.0


def test_zero_series_exist_before_anything_happens() -> None:
    """Dashboards and alerts see 0, not 'no data', for a status that has not occurred yet."""
    s = samples(Metrics())
    assert s[("referral_bot_lookups_total", frozenset({("status", "ambiguous")}))] == 0
    assert s[("referral_bot_reloads_total", frozenset({("result", "failure")}))] == 0


def test_ack_latency_histogram() -> None:
    m = Metrics()
    m.ack("command", 0.004)
    m.ack("command", 0.2)
    with m.time_ack("block_actions"):
        pass

    assert value(m, "referral_bot_ack_seconds_count", kind="command") == 2
    assert value(m, "referral_bot_ack_seconds_bucket", kind="command", le="0.005") == 1
    assert value(m, "referral_bot_ack_seconds_bucket", kind="command", le="0.25") == 2
    assert value(m, "referral_bot_ack_seconds_count", kind="block_actions") == 1


def test_user_ids_and_text_never_become_labels() -> None:
    m = Metrics()
    m.request("U0123ABCD", "ok")
    m.request("command", "vem är kontakt för Ekbackeskolan?")
    m.checklist_outcome("Anna Andersson 19850709-1234", "report")

    body, _ = render(m)
    assert b"U0123ABCD" not in body
    assert b"kontakt" not in body
    assert b"Andersson" not in body
    assert value(m, REQUESTS, kind="other", outcome="ok") == 1
    assert value(m, CHECKLISTS, outcome="other", kind="report") == 1


def test_observe_callback_of_the_service_and_transport() -> None:
    m = Metrics()
    m.observe("lookup", "not_found")
    m.observe("outcome", "report_now/report")
    m.observe("outcome", "consult_first")
    m.observe("slack_request", "command_contact")
    m.observe("slack_duplicate", "event")
    m.observe("slack_rejected", "401")
    m.observe("privacy", "blocked")
    m.observe("checklist", "started")

    assert value(m, "referral_bot_lookups_total", status="not_found") == 1
    assert value(m, CHECKLISTS, outcome="report_now", kind="report") == 1
    assert value(m, CHECKLISTS, outcome="consult_first", kind="unknown") == 1
    assert value(m, REQUESTS, kind="command_contact", outcome="handled") == 1
    assert value(m, REQUESTS, kind="event", outcome="duplicate") == 1
    assert value(m, REQUESTS, kind="unknown", outcome="rejected_401") == 1
    assert value(m, "referral_bot_events_total", event="privacy", detail="blocked") == 1
    assert value(m, "referral_bot_events_total", event="checklist", detail="started") == 1


def test_unknown_lookup_status_is_a_bug() -> None:
    with pytest.raises(ValueError):
        Metrics().lookup("maybe")  # type: ignore[arg-type]


def test_two_instances_do_not_collide() -> None:
    a, b = Metrics(), Metrics()
    a.lookup("found")

    assert value(a, "referral_bot_lookups_total", status="found") == 1
    assert value(b, "referral_bot_lookups_total", status="found") == 0


def test_classic_text_format_unless_the_scraper_asks_for_openmetrics() -> None:
    m = Metrics()
    _, plain = render(m)
    body, openmetrics = render(m, "application/openmetrics-text; version=1.0.0")

    assert plain.startswith("text/plain; version=0.0.4")
    assert openmetrics.startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")
