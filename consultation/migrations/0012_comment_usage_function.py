"""The rate limits' counts as a PL/pgSQL function whose plans are made once per connection.

A comment's counting INSERT (consultation/abuse.py) counted the client's and the phone's recent
comments and looked up its form token inline. PostgreSQL parsed, analysed and planned that part
of the statement again for every comment, which cost it more than the counting itself
(bench/README.md, comments.py). ``consultation_usage`` keeps its statements and their plans
for the life of the connection.

A plan kept that long is made before the values are known and while the table may still be
small (a new site's first consultation, or any table whose statistics are those of an empty
one until it is analysed), so the function leaves the planner no wrong choice:

- each count's window is a range of row comparisons on the columns of its own index,
  ``(client_key, created_at)`` from ``(client, since)`` to ``(client, 'infinity')`` for
  comment_client_recent_idx and the same on ``(phone, created_at)`` for
  comment_phone_recent_idx, which no other index can use. Written as ``client_key = client
  AND created_at >= since``, a plan made at an empty table's statistics counted a client's
  comments through the index on (consultation_id, created_at), reading every comment of the
  window and filtering the client's. (With the equality beside one row comparison, the index
  is read from the client's first comment ever, the window's start only checked row by row.)
- the form token's look-up repeats the partial predicate of comment_form_token_used_once, so
  that the index applies to a parameter;
- sequential scans are off inside the function, so a table of a few rows cannot get a plan
  that reads it whole once it holds thousands; JIT is off with them, as the cost such a
  setting adds would otherwise start it.

The index on ``created_at`` alone goes: the consultation's lists read ``comment_arrival_idx``
(consultation, created_at), which also makes the index on ``consultation_id`` alone redundant.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FORWARD = """
CREATE FUNCTION consultation_usage(
    the_client text, client_since timestamptz, burst_since timestamptz,
    the_phone text, phone_since timestamptz, the_form text,
    OUT by_client bigint, OUT client_oldest timestamptz,
    OUT by_client_burst bigint, OUT burst_oldest timestamptz,
    OUT by_phone bigint, OUT phone_oldest timestamptz,
    OUT form_used boolean)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $$
BEGIN
    -- The client's comments in both its windows, read once from the start of the longer one.
    SELECT count(*) FILTER (WHERE c.created_at >= client_since),
           min(c.created_at) FILTER (WHERE c.created_at >= client_since),
           count(*) FILTER (WHERE c.created_at >= burst_since),
           min(c.created_at) FILTER (WHERE c.created_at >= burst_since)
      INTO by_client, client_oldest, by_client_burst, burst_oldest
      FROM consultation_comment c
     WHERE (c.client_key, c.created_at) >= (the_client, least(client_since, burst_since))
       AND (c.client_key, c.created_at) <= (the_client, 'infinity');
    by_phone := 0;
    IF the_phone <> '' THEN
        SELECT count(*), min(c.created_at) INTO by_phone, phone_oldest
          FROM consultation_comment c
         WHERE (c.phone, c.created_at) >= (the_phone, phone_since)
           AND (c.phone, c.created_at) <= (the_phone, 'infinity') AND c.phone <> '';
    END IF;
    form_used := EXISTS (
        SELECT 1 FROM consultation_comment c
         WHERE c.form_token_digest = the_form AND c.form_token_digest <> '');
END
$$;
"""

BACKWARD = """
DROP FUNCTION consultation_usage(text, timestamptz, timestamptz, text, timestamptz, text);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("consultation", "0011_consultation_touches_function"),
        ("layers", "0011_one_spatial_index"),
        ("planportal", "0012_audit_event_client_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="comment",
            name="consultation",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="comments",
                to="consultation.consultation",
            ),
        ),
        migrations.AlterField(
            model_name="comment",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="received"),
        ),
        migrations.AddIndex(
            model_name="comment",
            index=models.Index(fields=["consultation", "created_at"], name="comment_arrival_idx"),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
