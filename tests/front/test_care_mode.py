"""The 关怀模式 switch through Django's test client (front/care.py, templates/base.html): the
cookie it sets and clears, where it sends people back to, and the page it makes."""

import pytest

from front import care

pytestmark = pytest.mark.django_db

PLAN_LIST = "/"


def test_switching_care_mode_on_sets_a_lasting_cookie_and_goes_back(client):
    response = client.get("/care/", {"mode": "on", "next": "/search/?q=柳湾"})
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=%E6%9F%B3%E6%B9%BE"  # 柳湾, as a URI
    cookie = response.cookies[care.COOKIE]
    assert cookie.value == care.ON
    assert int(cookie["max-age"]) == care.MAX_AGE
    assert cookie["samesite"] == "Lax"


def test_switching_care_mode_off_clears_the_cookie(client):
    client.cookies[care.COOKIE] = care.ON
    response = client.get("/care/", {"mode": "off", "next": PLAN_LIST})
    assert response.cookies[care.COOKIE].value == ""
    assert response.cookies[care.COOKIE]["max-age"] == 0


@pytest.mark.parametrize("mode", ["", "toggle", "ON"])
def test_an_unknown_mode_changes_nothing(client, mode):
    client.cookies[care.COOKIE] = care.ON
    response = client.get("/care/", {"mode": mode, "next": PLAN_LIST})
    assert response.status_code == 302
    assert care.COOKIE not in response.cookies


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "javascript:1"])
def test_the_switch_sends_no_one_to_another_site(client, target):
    response = client.get("/care/", {"mode": "on", "next": target})
    assert response["Location"] == "/"


def test_the_page_is_large_from_its_first_byte_in_care_mode(client):
    plain = client.get(PLAN_LIST).content.decode()
    assert '<html lang="zh-Hans">' in plain
    assert 'aria-pressed="false"' in plain and 'name="mode" value="on"' in plain
    assert "关怀模式" in plain

    client.cookies[care.COOKIE] = care.ON
    cared = client.get(PLAN_LIST).content.decode()
    assert '<html class="care" lang="zh-Hans">' in cared
    assert 'aria-pressed="true"' in cared and 'name="mode" value="off"' in cared


def test_the_switch_brings_people_back_to_the_page_they_were_on(client):
    page = client.get("/search/", {"q": "<柳湾>"}).content.decode()
    assert 'name="next" value="/search/?q=%3C%E6%9F%B3%E6%B9%BE%3E"' in page


def test_a_cookie_with_another_value_is_not_care_mode(client):
    client.cookies[care.COOKIE] = "yes"
    assert 'class="care"' not in client.get(PLAN_LIST).content.decode()


def test_the_english_pages_have_the_switch_too(client):
    response = client.get("/en/care/", {"mode": "on", "next": "/en/"})
    assert response["Location"] == "/en/"
    assert "Care mode" in client.get("/en/").content.decode()
