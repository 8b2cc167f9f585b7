"""The demo loader (layers/demo.py) through the publish gate: a catalogue that states data
status and publication notes must state them for every layer; an older one that states neither
is loaded as schematic with the fallback note, and its layers are public."""

import json

import pytest

from layers.demo import FALLBACK_PUBLICATION_NOTE, load_layers
from layers.models import Layer
from tests.conftest import REPO

ZFZD = REPO / "fixtures" / "yangquanqu" / "layers" / "zfzd.geojson"


def entry(collection_id: str, **fields) -> dict:
    return {
        "collection_id": collection_id,
        "code": "ZFZD",
        "title": "镇政府驻地（测试）",
        "chapter": 1,
        "section": "1.1",
        "geometry_type": "Point",
        "file": str(ZFZD),
        "public_policy": "features",
        "is_demo": True,
        "source_note": "演示数据",
        **fields,
    }


def catalogue(tmp_path, *entries) -> object:
    path = tmp_path / "layers.json"
    path.write_text(json.dumps({"layers": list(entries)}, ensure_ascii=False), encoding="utf-8")
    return path


def test_an_older_catalogue_loads_schematic_layers_with_the_fallback_note(tmp_path, demo_plan):
    load_layers(demo_plan, catalogue(tmp_path, entry("test-demo-gate-old")))
    layer = Layer.objects.public().get(collection_id="test-demo-gate-old")
    assert (layer.data_status, layer.publication_note) == ("schematic", FALLBACK_PUBLICATION_NOTE)
    assert layer.section.number == "1.1"


def test_a_catalogue_that_states_the_gate_fields_must_state_them_for_every_layer(
    tmp_path, demo_plan
):
    stated = entry("test-demo-gate-a", data_status="示意", publication_note="草案公示演示")
    lacking = entry("test-demo-gate-b", data_status="示意")
    with pytest.raises(ValueError, match="test-demo-gate-b"):
        load_layers(demo_plan, catalogue(tmp_path, stated, lacking))
    assert not Layer.objects.filter(collection_id__startswith="test-demo-gate-").exists()

    load_layers(demo_plan, catalogue(tmp_path, stated))
    layer = Layer.objects.public().get(collection_id="test-demo-gate-a")
    assert (layer.data_status, layer.publication_note) == ("schematic", "草案公示演示")


def test_an_unknown_data_status_in_a_catalogue_is_refused(tmp_path, demo_plan):
    odd = entry("test-demo-gate-c", data_status="maybe", publication_note="演示")
    with pytest.raises(ValueError, match="data_status"):
        load_layers(demo_plan, catalogue(tmp_path, odd))
