"""``manage.py run_ingest_job upload|package ID``: one ingest job, in the confined child
process the job worker starts for it (layers/revisions/confined.py). Not for people: the
worker runs it, with the queue's job already claimed."""

from django.core.management.base import BaseCommand

from layers.revisions.confined import PACKAGE, UPLOAD, confine_this_process


class Command(BaseCommand):
    help = "Runs one upload or package job under the ingest limits (started by the job worker)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=[UPLOAD, PACKAGE])
        parser.add_argument("job_id", type=int)

    def handle(self, *args, kind, job_id, **options):
        confine_this_process()
        # Imported after the limits are set: every byte the job allocates is counted.
        from layers.tasks import run_ingest_job

        run_ingest_job(kind, job_id)
