"""``manage.py load_demo_plan``: loads the regions of 孝义市 (the county with its outline, its
乡镇 and the villages of 阳泉曲镇, from fixtures/data) and the 阳泉曲镇 demonstration plan
from fixtures/: its text and indicators, its map layers (where the plan folder has a layer
catalogue) and one consultation, open for 30 days from the first load."""

from pathlib import Path

from django.conf import settings

from consultation.demo import ensure_demo_consultation
from consultation.periods import lawful_period
from layers import geopackage
from layers.demo import load_layers
from planportal.audit import RecordedCommand
from planportal.importing.saving import keep_original
from planportal.loader import load_plan
from planportal.region_loader import load_xiaoyi_regions

DEMO_PLAN = Path(settings.BASE_DIR) / "fixtures" / "yangquanqu" / "plan-meta.json"


class Command(RecordedCommand):
    help = "Loads (or refreshes) the demonstration plan; running it again duplicates nothing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--meta", type=Path, default=DEMO_PLAN, help="the plan's plan-meta.json"
        )

    def handle(self, *args, meta: Path, **options):
        regions = load_xiaoyi_regions()
        self.stdout.write(f"regions: {regions.total} of 孝义市, {regions.created} new")
        result = load_plan(meta)
        verb = "created" if result.created else "updated"
        self.stdout.write(
            f"{verb} plan {result.plan.slug}: {result.chapters} chapters, "
            f"{result.sections} sections, {result.indicators} indicators"
        )
        # The draft as published, for the public to download beside the page (the page's text
        # itself comes from the audited fixture, plan.json).
        if keep_original(result.plan, meta.parent / "plan-draft.txt"):
            self.stdout.write("original document kept: plan-draft.txt")
        catalogue = meta.parent / "layers.json"
        if catalogue.exists():
            loads = load_layers(result.plan, catalogue)
            changed = [load for load in loads if load.created]
            self.stdout.write(
                f"layers: {len(loads)} in the catalogue, {len(changed)} new revisions published"
            )
            for load in changed:
                self.stdout.write(
                    f"  {load.collection_id} r{load.revision}: {load.feature_count} features"
                )
            download = geopackage.build(result.plan.pk)
            if download:
                self.stdout.write(f"public layers GeoPackage: {download}")
        consultation, created = ensure_demo_consultation(result.plan)
        state = "created" if created else "kept"
        self.stdout.write(f"consultation {consultation.pk} {state}: {consultation.period_text}")
        if created:
            for warning in lawful_period(consultation.opens_at).warnings:
                self.stderr.write(f"warning: {warning}")
