"""The diff between a revision and the published one: counts, areas in hectares in the
plan's Gauss-Krüger zone, and what changed in each changed feature; by key or by geometry."""

import shapely

from layers.ingest import diff_revisions, open_source, prepare_layer, write_revision
from layers.revisions.publishing import publish_revision
from tests.layers.ingest.samples import parcels, parcels_layer, zipped_shapefile


def revision_of(layer, frame, folder):
    with open_source(zipped_shapefile(frame, folder)) as source:
        return write_revision(layer, prepare_layer(layer, source))


def five_parcels():
    return parcels(5, BSM=[f"B{i}" for i in range(1, 6)], DLBM="0101", DLMC="水田")


def test_a_diff_by_key_counts_added_removed_changed_and_unchanged(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-diff-key")
    before = five_parcels()
    published = revision_of(layer, before, tmp_path / "1")
    publish_revision(layer, published)

    after = five_parcels()
    after.loc[1, "DLBM"] = "0103"  # B2: attribute changed
    after.loc[1, "DLMC"] = "旱地"
    after.loc[2, "geometry"] = shapely.affinity.scale(after.geometry[2], 2, 1)  # B3: bigger
    after = after.drop(index=4)  # B5 removed
    after.loc[5] = ["B6", "0101", "水田", 2500.0, after.geometry[0].buffer(-5)]  # B6 added
    revision = revision_of(layer, after, tmp_path / "2")

    diff = diff_revisions(layer, revision)
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 1, 2, 2)
    assert diff.against == published.number and diff.revision == revision.number
    by_key = {change.key: change for change in diff.changes}
    assert set(by_key) == {"B2", "B3"}
    assert by_key["B2"].attributes == {
        "DLBM": {"before": "0101", "after": "0103"},
        "DLMC": {"before": "水田", "after": "旱地"},
    }
    assert not by_key["B2"].geometry_changed
    assert by_key["B3"].geometry_changed and by_key["B3"].attributes == {}


def test_areas_are_hectares_in_the_plans_gauss_kruger_zone(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-diff-area")
    before = five_parcels()  # five 50 m squares in EPSG:4546: 1.25 ha
    publish_revision(layer, revision_of(layer, before, tmp_path / "1"))
    after = five_parcels().iloc[:2]
    diff = diff_revisions(layer, revision_of(layer, after, tmp_path / "2"))
    assert diff.area_srid == 4546
    assert diff.area_ha_before == round(before.area.sum() / 10_000, 4) == 1.25
    assert diff.area_ha_after == 0.5
    data = diff.as_dict()
    assert all(type(data[k]) is int for k in ("added", "removed", "changed", "unchanged"))


def test_without_a_published_revision_everything_is_added(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-diff-first")
    diff = diff_revisions(layer, revision_of(layer, five_parcels(), tmp_path))
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (5, 0, 0, 0)
    assert diff.against is None and diff.area_ha_before == 0


def test_without_a_key_features_are_matched_by_geometry(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-diff-geometry", key_field="", attribute_schema=[])
    before = five_parcels().drop(columns="BSM")
    publish_revision(layer, revision_of(layer, before, tmp_path / "1"))

    after = before.copy()
    # Same polygon, ring started elsewhere and turned round: not a change.
    after.loc[0, "geometry"] = shapely.Polygon(list(after.geometry[0].exterior.coords)[::-1])
    after.loc[1, "DLMC"] = "水浇地"  # same geometry, other attribute: changed
    after.loc[2, "geometry"] = shapely.affinity.translate(after.geometry[2], 1, 0)  # 2% moved
    after.loc[3, "geometry"] = shapely.affinity.translate(after.geometry[3], 0, 500)  # elsewhere
    diff = diff_revisions(
        layer, revision_of(layer, after, tmp_path / "2"), with_ids=True, detail_limit=10
    )
    assert (diff.added, diff.removed, diff.changed, diff.unchanged) == (1, 1, 2, 2)
    changes = sorted(diff.changes, key=lambda c: c.after_id)
    assert [c.geometry_changed for c in changes] == [False, True]
    assert changes[0].attributes == {"DLMC": {"before": "水田", "after": "水浇地"}}
    assert len(diff.added_ids) == 1 and len(diff.removed_ids) == 1
    assert len(diff.changed_ids) == 2


def test_the_list_of_changes_is_limited_but_the_count_is_not(tmp_path, demo_plan):
    layer = parcels_layer(demo_plan, "ingest-diff-limit")
    publish_revision(layer, revision_of(layer, five_parcels(), tmp_path / "1"))
    after = five_parcels()
    after["DLMC"] = "旱地"
    diff = diff_revisions(layer, revision_of(layer, after, tmp_path / "2"), detail_limit=2)
    assert diff.changed == 5 and len(diff.changes) == 2 and diff.changes_truncated
