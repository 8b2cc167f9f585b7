"""Consultations: comments only while open (enforced by the server), never a period under 30
days (no reason overrides it), the list API, and the state with a countdown on the plan page."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from consultation.embed import current_consultation, plan_page_context
from consultation.models import Comment, Consultation
from planportal.versions import with_text
from tests.consultation.submit_helpers import post_comment
from tests.factories import make_consultation, make_plan

pytestmark = pytest.mark.django_db


def test_a_period_under_30_days_is_refused_whatever_is_said_for_it(plan):
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        Consultation.objects.create(
            plan=plan, title="短", opens_at=now, closes_at=now + timedelta(days=20)
        )
    with pytest.raises(TypeError):  # the field for a reason is gone
        Consultation(plan=plan, title="短", short_period_reason="补充公示")


def test_comments_are_refused_before_the_consultation_opens_and_after_it_closes(client, plan):
    upcoming = make_consultation(plan, opens_days_ago=-2)
    closed = make_consultation(plan, opens_days_ago=40)
    for consultation in (upcoming, closed):
        response = post_comment(client, consultation)
        assert response.status_code == 403
        assert response.json()["detail"]
    assert not Comment.objects.filter(consultation__in=[upcoming, closed]).exists()


def test_a_consultation_of_an_unpublished_plan_does_not_exist_publicly(client):
    hidden = make_consultation(make_plan(slug="hidden-town", published=False))
    assert post_comment(client, hidden).status_code == 404
    assert client.get(f"/api/consultations/{hidden.pk}/form/").status_code == 404
    assert client.get("/api/consultations/?plan=hidden-town").json() == []


def test_the_list_gives_id_title_dates_and_whether_it_is_open(client, plan):
    open_now = make_consultation(plan, title="正在征求意见")
    make_consultation(plan, title="已结束", opens_days_ago=60)
    make_consultation(make_plan(slug="other-town"), title="别的规划")
    listed = client.get("/api/consultations/", {"plan": plan.slug}).json()
    assert [c["title"] for c in listed] == ["正在征求意见", "已结束"]
    first = listed[0]
    assert first["id"] == open_now.pk
    assert first["is_open"] is True and first["state"] == "open"
    assert first["opens_at"] and first["closes_at"]
    assert listed[1]["is_open"] is False and listed[1]["state"] == "closed"
    assert first["urls"]["comments"] == f"/api/consultations/{open_now.pk}/comments/"


def test_the_open_consultation_is_the_one_the_plan_page_shows(plan):
    make_consultation(plan, title="已结束", opens_days_ago=60)
    make_consultation(plan, title="下一轮", opens_days_ago=-10)
    assert current_consultation(plan).title == "下一轮"
    make_consultation(plan, title="正在进行")
    assert current_consultation(plan).title == "正在进行"


def render_state(consultation) -> str:
    request = RequestFactory().get("/")
    plan = consultation.plan
    context = plan_page_context(plan)
    return render_to_string("consultation/public/_state.html", context, request=request)


def test_the_state_shows_the_dates_and_a_countdown_to_the_close(plan):
    consultation = make_consultation(plan, opens_days_ago=1, days_open=30)
    html = render_state(consultation)
    assert consultation.title in html
    assert "data-countdown" in html
    deadline = timezone.localtime(consultation.closes_at).isoformat()
    assert f'data-deadline="{deadline}"' in html
    assert "consultation-open" in html
    assert 'id="comment-config"' in html
    assert f'/consultations/{consultation.pk}/comment/"' in html


def test_an_upcoming_consultation_counts_down_to_its_opening_and_offers_no_form(plan):
    consultation = make_consultation(plan, opens_days_ago=-3)
    html = render_state(consultation)
    assert "consultation-upcoming" in html
    assert timezone.localtime(consultation.opens_at).isoformat() in html
    assert "data-comment-open" not in html


def test_a_closed_consultation_shows_no_countdown_and_no_form(plan):
    html = render_state(make_consultation(plan, opens_days_ago=40))
    assert "consultation-closed" in html
    assert "data-countdown" not in html and "data-comment-open" not in html


def test_the_state_shows_the_period_to_24_00_of_the_last_day(plan):
    consultation = make_consultation(plan)
    html = render_state(consultation)
    assert consultation.period_text in html
    assert "24:00（共 30 天）" in html
    assert "理由" not in html


def test_the_plan_page_context_is_two_queries(plan, django_assert_num_queries):
    make_consultation(plan)
    plan = with_text(type(plan).objects.get(pk=plan.pk))
    with django_assert_num_queries(2):
        context = plan_page_context(plan)
    assert context["consultation"] is not None
    assert context["comment_config"]["urls"]["submit"].startswith("/api/consultations/")
    assert all(
        section.public_comments == []
        for chapter in plan.chapters.all()
        for section in chapter.sections.all()
    )
