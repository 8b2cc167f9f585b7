"""Standard field names map to the layer's schema by themselves, in any letter case or by
their Chinese names; other fields by an explicit mapping. The originals are always kept."""

import pyogrio
import pytest

from layers.ingest import map_fields, open_source, prepare_layer
from tests.layers.ingest.samples import parcels, parcels_layer

SCHEMA = [
    {"name": "BSM", "required": True},
    {"name": "YDYHFLDM", "required": True},
    {"name": "GHFQDM", "required": False},
    {"name": "name", "required": False},
]


def test_standard_names_map_in_any_letter_case_and_by_their_chinese_names():
    mapping = map_fields(["bsm", "用地用海分类代码", "Ghfqdm", "备注", "OTHER"], SCHEMA)
    assert mapping.mapping == {
        "bsm": "BSM",
        "用地用海分类代码": "YDYHFLDM",
        "Ghfqdm": "GHFQDM",
        "备注": "BZ",
    }
    assert mapping.unmapped == ["OTHER"]


def test_an_exact_name_wins_over_another_letter_case():
    mapping = map_fields(["bsm", "BSM"], SCHEMA)
    assert mapping.mapping == {"BSM": "BSM"}
    assert mapping.unmapped == ["bsm"]


def test_an_explicit_mapping_wins_and_an_unknown_source_field_is_an_error():
    mapping = map_fields(["CODE", "YDYHFLDM", "MC"], SCHEMA, {"CODE": "YDYHFLDM", "NOPE": "BSM"})
    assert mapping.mapping["CODE"] == "YDYHFLDM"
    assert "YDYHFLDM" in mapping.unmapped
    assert [(p.code, p.field) for p in mapping.problems] == [("mapping_unknown_field", "NOPE")]


def test_schema_fields_that_are_not_standard_map_by_letter_case():
    assert map_fields(["NAME"], SCHEMA).mapping == {"NAME": "name"}


@pytest.mark.django_db
def test_properties_keep_the_original_fields_and_add_the_mapped_names(tmp_path, demo_plan):
    frame = parcels(2).rename(columns={"BSM": "bsm", "DLBM": "地类编码"})
    frame["村名"] = ["碾头村", "老营坪村"]
    path = tmp_path / "mixed.gpkg"
    pyogrio.write_dataframe(frame, path)
    layer = parcels_layer(demo_plan, "ingest-fields", attribute_schema=SCHEMA)
    with open_source(path) as source:
        prepared = prepare_layer(layer, source, field_mapping={"村名": "name"})
    first = prepared.frame.drop(columns="geometry").iloc[0].to_dict()
    assert first["bsm"] == first["BSM"] == "1411811010000001"
    assert first["地类编码"] == first["DLBM"] == "0101"
    assert first["村名"] == first["name"] == "碾头村"
    assert prepared.field_mapping.targets["BSM"] == "bsm"
