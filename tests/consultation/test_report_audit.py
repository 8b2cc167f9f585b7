"""Reading the 意见采纳情况 report is audited: its page, its XLSX and each frozen version's
files, per round and across rounds; every event carries the keyed hash of the reader's
address, never the address."""

import pytest

from planportal.clients import client_key

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.7"


def read(client, url: str) -> int:
    return client.get(url, REMOTE_ADDR=ADDRESS).status_code


def test_the_report_page_and_its_downloads_are_audited(
    official_client, official, consultation, new_audit_events
):
    base = f"/consultations/{consultation.pk}/report"
    assert read(official_client, f"{base}/") == 200
    assert read(official_client, f"{base}.xlsx") == 200
    assert official_client.post(f"{base}/freeze/").status_code == 302
    assert read(official_client, f"{base}/frozen/1.xlsx") == 200
    assert read(official_client, f"{base}/frozen/1.html") == 200

    reads = new_audit_events().filter(action__in=["report.view", "report.download"])
    assert [(e.action, e.after) for e in reads.order_by("pk")] == [
        ("report.view", None),
        ("report.download", {"format": "xlsx", "frozen_version": None}),
        ("report.download", {"format": "xlsx", "frozen_version": 1}),
        ("report.download", {"format": "html", "frozen_version": 1}),
    ]
    for event in reads:
        assert (event.actor, event.object_type) == (official, "consultation.consultation")
        assert event.object_id == str(consultation.pk)
        assert event.client_key == client_key(ADDRESS)
        assert ADDRESS not in str(event.after) + event.summary


def test_the_report_across_rounds_is_audited(official_client, plan, consultation, new_audit_events):
    base = f"/staff/plans/{plan.slug}/report"
    assert read(official_client, f"{base}/") == 200
    assert read(official_client, f"{base}.xlsx") == 200
    reads = new_audit_events().filter(object_type="planportal.plan").order_by("pk")
    assert [e.action for e in reads] == ["report.view", "report.download"]
    assert {e.client_key for e in reads} == {client_key(ADDRESS)}


def test_a_refused_reader_leaves_no_reading_event(planner_client, consultation, new_audit_events):
    assert read(planner_client, f"/consultations/{consultation.pk}/report/") == 403
    assert not new_audit_events().filter(action="report.view").exists()
