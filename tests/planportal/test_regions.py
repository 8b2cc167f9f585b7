"""The region hierarchy: the 12-digit code arithmetic, the regions of 孝义市 as the demo loader
puts them in (from fixtures/data), and the rule a plan's region code follows."""

import csv

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from planportal.admin import PlanAdminForm
from planportal.models import Plan, Region, RegionLevel
from planportal.region_loader import DATA, load_xiaoyi_regions
from planportal.regions import (
    ancestor_codes,
    check_plan_region,
    level_of,
    parent_code,
    region_name_for,
)


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("140000000000", RegionLevel.PROVINCE, None),
        ("141100000000", RegionLevel.CITY, "140000000000"),
        ("141181000000", RegionLevel.COUNTY, "141100000000"),
        ("141181101000", RegionLevel.TOWNSHIP, "141181000000"),
        ("141181001000", RegionLevel.TOWNSHIP, "141181000000"),  # a 街道
        ("141181101200", RegionLevel.VILLAGE, "141181101000"),
        ("141181101001", RegionLevel.VILLAGE, "141181101000"),
    ],
)
def test_the_level_and_parent_come_from_the_significant_digits(code, level, parent):
    assert level_of(code) == level
    assert parent_code(code) == parent


def test_a_village_has_four_regions_above_it():
    assert ancestor_codes("141181101200") == [
        "141181101200",
        "141181101000",
        "141181000000",
        "141100000000",
        "140000000000",
    ]


def test_the_demo_loads_the_county_with_its_outline_its_townships_and_villages(db):
    county = Region.objects.get(code="141181000000")
    assert (county.name, county.level, county.parent.code) == ("孝义市", "county", "141100000000")
    assert county.parent.parent.name == "山西省"
    assert county.outline is not None and county.outline.valid
    assert "tianditu" in county.outline_source
    # The 阳泉曲镇 seat (places.csv, WGS84 derived) lies in the county outline.
    assert county.outline.contains(Point(111.552163, 37.07382, srid=4326))
    with (DATA / "raw" / "nbs2023_141181_towns_modood.csv").open(encoding="utf-8") as handle:
        towns = {row["code"] + "000": row["name"] for row in csv.DictReader(handle)}
    townships = {r.code: r.name for r in county.children.all()}
    assert townships == towns
    assert len(townships) == 16 and townships["141181102000"] == "下堡镇"
    villages = Region.objects.filter(parent__code="141181101000")
    assert villages.count() == 38
    village = villages.get(code="141181101200")
    assert (village.name, village.short_name, village.level) == (
        "阳泉曲村委会",
        "阳泉曲村",
        "village",
    )
    # A unit only in the 2016 list keeps its 2016 name.
    assert villages.get(code="141181101001").name == "铝矿居委会"


def test_loading_the_regions_again_changes_nothing(db):
    before = list(Region.objects.order_by("code").values_list("pk", "code", "name", "parent"))
    result = load_xiaoyi_regions()
    assert result.created == 0 and result.total == len(before)
    after = list(Region.objects.order_by("code").values_list("pk", "code", "name", "parent"))
    assert after == before


def test_a_known_region_is_a_plans_region(db):
    assert check_plan_region("141181101000").name == "阳泉曲镇"
    assert region_name_for("141181101000") == "山西省吕梁市孝义市阳泉曲镇"


def test_a_new_township_under_a_known_county_is_accepted_by_its_parent(db):
    assert check_plan_region("141181299000").code == "141181000000"


def test_a_code_neither_known_nor_under_a_known_region_is_refused_in_chinese(db):
    with pytest.raises(ValidationError) as refused:
        check_plan_region("141182101000")  # a township of a county the table does not hold
    message = refused.value.messages[0]
    assert "141182101000" in message
    assert "上级区划（141182000000）" in message
    assert "规划所属区划须已在区划表中" in message


def test_a_code_that_is_not_twelve_digits_is_refused(db):
    with pytest.raises(ValidationError, match="12"):
        check_plan_region("14118110100")


def test_the_admin_follows_the_same_region_rule(db):
    form_class = modelform_factory(Plan, form=PlanAdminForm, fields=["region_code"])
    refused = form_class(data={"region_code": "141182101000"})
    assert not refused.is_valid()
    assert "规划所属区划须已在区划表中" in refused.errors["region_code"][0]
    assert form_class(data={"region_code": "141181102000"}).is_valid()
