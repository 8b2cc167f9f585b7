"""Forms that help (issue 13, item 6): the opinion's length is said before the limit and a longer
text is refused with the text kept, never cut; every refusal names its field in Chinese, with
and without JavaScript; a 咨询 (question) stance; officials correct the automatic village tag."""

import csv
import io
import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from consultation.models import Comment, Stance
from consultation.stats import consultation_stats
from planportal.models import AuditEvent
from tests.consultation.staff_helpers import ensure_villages
from tests.consultation.submit_helpers import form_token, payload, post_comment
from tests.factories import make_comment, make_planner, token_header

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser_client():
    return Client(enforce_csrf_checks=True, REMOTE_ADDR="203.0.113.30")


def page_form(browser_client, consultation) -> tuple[str, dict]:
    response = browser_client.get(f"/consultations/{consultation.pk}/comment/")
    assert response.status_code == 200
    html = response.content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    hidden["form_token"] = form_token(consultation)  # as if filled in for a minute
    return html, hidden


def post_form(browser_client, consultation, hidden, **fields):
    data = {**hidden, "stance": "suggest", "consent_privacy": "true", **fields}
    data = {key: value for key, value in data.items() if value is not None}
    return browser_client.post(f"/consultations/{consultation.pk}/comment/", data)


def field_error(html: str, field: str) -> str:
    found = re.search(rf'data-error-for="{field}">([^<]*)</p>', html)
    return found.group(1).strip() if found else ""


# -- (a) the character counter and no silent cut ---------------------------------------------


def test_the_form_says_the_limit_and_has_no_maxlength_to_cut_a_pasted_text(
    browser_client, consultation, settings
):
    settings.COMMENT_MAX_CHARS = 1500
    html, _hidden = page_form(browser_client, consultation)
    textarea = re.search(r"<textarea[^>]*name=\"body\"[^>]*>", html).group(0)
    assert "maxlength" not in textarea
    assert 'data-max-chars="1500"' in textarea
    assert "最多可写 1500 字。" in html  # said before anything is typed, also without JavaScript
    assert re.search(r'<p class="comment-count-spoken" aria-live="polite"', html)
    counter_id = re.search(r'id="([\w-]+-body-count)"', html).group(1)
    assert counter_id in re.search(r'aria-describedby="([^"]*)"', textarea).group(1)


def test_a_too_long_opinion_without_javascript_is_refused_and_kept_whole(
    browser_client, consultation, settings
):
    settings.COMMENT_MAX_CHARS = 20
    _html, hidden = page_form(browser_client, consultation)
    text = "村口的路太窄了，拖拉机和校车经常会车困难，建议拓宽到六米！"  # 29 characters
    assert len(text) == 29
    response = post_form(browser_client, consultation, hidden, body=text)
    assert response.status_code == 400
    html = response.content.decode()
    assert text in html  # the whole text, not the first 20 characters
    assert field_error(html, "body") == (
        "“意见内容”最多 20 字，您写了 29 字，超出 9 字。请删减后再提交，您写的内容仍保留在框里。"
    )
    assert "您的意见还没有提交" in html  # said at the top, where the page starts
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_line_breaks_from_a_browser_count_once(browser_client, consultation, settings):
    settings.COMMENT_MAX_CHARS = 10
    _html, hidden = page_form(browser_client, consultation)
    # 9 characters and one line break, which the browser posts as CR LF.
    response = post_form(browser_client, consultation, hidden, body="一二三四五\r\n六七八九")
    assert response.status_code == 302, response.content.decode()[:500]
    assert Comment.objects.get(consultation=consultation).body == "一二三四五\n六七八九"


def test_a_too_long_opinion_by_the_api_is_refused_not_cut(client, consultation, settings):
    settings.COMMENT_MAX_CHARS = 5
    response = post_comment(client, consultation, payload(consultation, body="一二三四五六"))
    assert response.status_code == 400
    assert response.json()["body"] == [
        "“意见内容”最多 5 字，您写了 6 字，超出 1 字。请删减后再提交，您写的内容仍保留在框里。"
    ]
    assert not Comment.objects.filter(consultation=consultation).exists()
    exactly = post_comment(client, consultation, payload(consultation, body="一二三四五"))
    assert exactly.status_code == 201
    assert Comment.objects.get(consultation=consultation).body == "一二三四五"


def test_the_counter_strings_reach_the_script(client, consultation):
    html = client.get(f"/consultations/{consultation.pk}/comment/").content.decode()
    config = re.search(r'<script id="comment-config" type="application/json">(.*?)</script>', html)
    strings = json.loads(config.group(1))["strings"]
    assert strings["chars_left"] == "还可输入 {n} 字"
    assert "{n}" in strings["chars_near"] and "{n}" in strings["chars_over"]


# -- (b) every refusal names its field --------------------------------------------------------


REFUSALS = [
    ({"body": ""}, "body", "请在“意见内容”栏里写下您的意见。"),
    ({"body": "   "}, "body", "请在“意见内容”栏里写下您的意见。"),
    ({"stance": None}, "stance", "请在“您的态度”中选一项：支持、反对、建议、咨询。"),
    ({"stance": "maybe"}, "stance", "请在“您的态度”中选一项：支持、反对、建议、咨询。"),
    ({"name": "张" * 101}, "name", "“姓名”最多 100 个字，请删减。"),
    ({"phone": "123"}, "phone", "带区号的固定电话"),
    ({"phone": "1" * 31}, "phone", "带区号的固定电话"),
    ({"email": "zhang@"}, "email", "“电子邮箱”格式不对"),
    ({"consent_privacy": False}, "consent_privacy", "个人信息保护告知"),
    (
        {"under_14": True, "guardian_consent": False},
        "guardian_consent",
        "监护人",
    ),
    (
        {"guardian_name": "王" * 101, "under_14": True, "guardian_consent": True},
        "guardian_name",
        "“监护人姓名”最多 100 个字",
    ),
]


@pytest.mark.parametrize(("fields", "field", "message"), REFUSALS)
def test_each_refusal_by_the_api_names_the_field_in_chinese(
    client, consultation, fields, field, message
):
    data = payload(consultation, **fields)
    if fields.get("stance", "") is None:
        data.pop("stance", None)
    response = post_comment(client, consultation, data)
    assert response.status_code == 400
    assert message in " ".join(response.json()[field]), response.json()


@pytest.mark.parametrize(("fields", "field", "message"), REFUSALS)
def test_each_refusal_without_javascript_names_the_field_and_keeps_the_form(
    browser_client, consultation, fields, field, message
):
    _html, hidden = page_form(browser_client, consultation)
    as_posted = {
        key: ("true" if value is True else None if value is False else value)
        for key, value in fields.items()
    }
    as_posted.setdefault("body", "我的意见：希望修一条路。")
    response = post_form(browser_client, consultation, hidden, **as_posted)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in field_error(html, field), field_error(html, field)
    assert "您的意见还没有提交" in html
    if as_posted["body"].strip():
        assert as_posted["body"] in html
    assert not Comment.objects.filter(consultation=consultation).exists()


def test_an_expired_form_is_renewed_with_the_text_kept(browser_client, consultation):
    from tests.consultation.submit_helpers import expired_form_token

    _html, hidden = page_form(browser_client, consultation)
    hidden["form_token"] = expired_form_token(consultation)
    response = post_form(browser_client, consultation, hidden, body="请修村口的桥。")
    assert response.status_code == 400
    html = response.content.decode()
    assert "意见表已过期，已为您换了一份新表，您写的内容都还在" in html
    assert "请修村口的桥。" in html
    renewed = re.search(r'name="form_token" value="([^"]*)"', html).group(1)
    assert renewed != hidden["form_token"]


# -- (c) the 咨询 stance ----------------------------------------------------------------------


def test_a_question_is_a_stance_in_the_form_the_api_and_the_officials_outputs(
    client, official_client, consultation
):
    html = client.get(f"/consultations/{consultation.pk}/comment/").content.decode()
    assert re.search(r'value="question"[^>]*> <span>咨询</span>', html)
    form_api = client.get(f"/api/consultations/{consultation.pk}/form/").json()
    assert {"code": "question", "label": "咨询"} in form_api["stances"]

    asked = "规划里的村民活动中心什么时候开工？"
    response = post_comment(
        client, consultation, payload(consultation, body=asked, stance="question")
    )
    assert response.status_code == 201, response.content
    comment = Comment.objects.get(consultation=consultation)
    assert comment.stance == Stance.QUESTION
    make_comment(consultation, stance=Stance.SUPPORT)

    by_stance = dict(consultation_stats(consultation).by_stance)
    assert by_stance == {"支持": 1, "反对": 0, "建议": 0, "咨询": 1}
    stats = official_client.get(reverse("staff-stats", args=[consultation.pk])).content.decode()
    assert "咨询" in stats

    exported = official_client.get(reverse("staff-export-csv", args=[consultation.pk]))
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    stance_column = rows[0].index("立场") if "立场" in rows[0] else rows[0].index("态度")
    assert sorted(row[stance_column] for row in rows[1:]) == ["咨询", "支持"]

    report = official_client.get(reverse("consultation-report", args=[consultation.pk]))
    page = report.content.decode()
    stance_table = re.search(r'id="count-by-stance">(.*?)</table>', page, re.S).group(1)
    assert "咨询" in stance_table and "<td>1</td>" in stance_table
    # the opinion rows keep their columns: the question is one row with its text
    assert asked in page
    workbook = official_client.get(reverse("consultation-report-xlsx", args=[consultation.pk]))
    assert workbook.status_code == 200

    queue = official_client.get(
        reverse("staff-queue"), {"consultation": consultation.pk, "stance": "question"}
    ).content.decode()
    assert comment.receipt_code in queue


# -- (d) officials correct the village tag ---------------------------------------------------


@pytest.fixture
def plan(demo_plan):
    """The demo plan, with its villages."""
    return demo_plan


def test_an_official_corrects_the_villages_of_a_comment_and_it_is_audited(
    official_client, official, consultation, new_audit_events
):
    villages = ensure_villages(consultation.plan)
    comment = make_comment(consultation, villages=[villages[0]])
    page = official_client.get(reverse("staff-comment", args=[comment.pk])).content.decode()
    form = re.search(r'<form[^>]*class="staff-form villages-form".*?</form>', page, re.S).group(0)
    for name in villages:
        assert f'value="{name}"' in form
    assert re.search(rf'value="{villages[0]}"[^>]*checked', form)

    response = official_client.post(
        reverse("staff-villages", args=[comment.pk]), {"villages": [villages[1], villages[2]]}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.villages == [villages[1], villages[2]]
    event = new_audit_events().get(action="comment.set_villages")
    assert event.actor == official and event.object_id == str(comment.pk)
    assert event.before == {"villages": [villages[0]]}
    assert event.after == {"villages": [villages[1], villages[2]]}
    assert dict(consultation_stats(consultation).by_village)[villages[1]] == 1

    # Saving the same again records nothing; none at all is a choice too.
    official_client.post(
        reverse("staff-villages", args=[comment.pk]), {"villages": [villages[1], villages[2]]}
    )
    assert new_audit_events().filter(action="comment.set_villages").count() == 1
    official_client.post(reverse("staff-villages", args=[comment.pk]), {})
    comment.refresh_from_db()
    assert comment.villages == []


def test_a_name_that_is_not_a_village_of_the_plan_is_refused(
    official_client, consultation, new_audit_events
):
    villages = ensure_villages(consultation.plan)
    comment = make_comment(consultation, villages=[villages[0]])
    response = official_client.post(
        reverse("staff-villages", args=[comment.pk]), {"villages": ["月球村"]}
    )
    assert response.status_code == 400
    assert "“月球村”不是本规划的村庄，请从列表中勾选。" in response.content.decode()
    comment.refresh_from_db()
    assert comment.villages == [villages[0]]
    assert not new_audit_events().filter(action="comment.set_villages").exists()


def test_a_planner_may_not_correct_the_villages(client, consultation):
    villages = ensure_villages(consultation.plan)
    comment = make_comment(consultation, villages=[villages[0]])
    client.force_login(make_planner())
    response = client.post(reverse("staff-villages", args=[comment.pk]), {"villages": []})
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.villages == [villages[0]]


def test_the_officials_api_corrects_the_villages(client, official, consultation, new_audit_events):
    villages = ensure_villages(consultation.plan)
    comment = make_comment(consultation)
    url = reverse("api-comment-villages", args=[comment.pk])
    response = client.post(
        url, {"villages": [villages[2]]}, content_type="application/json", **token_header(official)
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": comment.pk,
        "receipt_code": comment.receipt_code,
        "villages": [villages[2]],
    }
    comment.refresh_from_db()
    assert comment.villages == [villages[2]]
    event = new_audit_events().get(action="comment.set_villages")
    assert (event.before, event.after) == ({"villages": []}, {"villages": [villages[2]]})

    refused = client.post(
        url, {"villages": ["月球村"]}, content_type="application/json", **token_header(official)
    )
    assert refused.status_code == 400
    assert refused.json()["villages"] == ["不是本规划的村庄：月球村"]
    anonymous = Client().post(url, {"villages": []}, content_type="application/json")
    assert anonymous.status_code in (401, 403)
    comment.refresh_from_db()
    assert comment.villages == [villages[2]]
    assert AuditEvent.objects.filter(action="comment.set_villages").count() >= 1
