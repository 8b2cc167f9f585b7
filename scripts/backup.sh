#!/usr/bin/env bash
# The nightly backup (deploy/planportal-backup.timer): a pg_dump of the portal's database and a
# copy of MEDIA_ROOT (uploads, residents' photos, figures, reports), kept BACKUP_KEEP_DAYS days.
# Point-in-time recovery between two nights comes from the WAL archive (README, "Backups").
#   BACKUP_DIR      where backups go (default /srv/backup/planportal)
#   DATABASE_URL    the database (as in /etc/planportal/env); MEDIA_ROOT the media folder
set -euo pipefail
backup_dir=${BACKUP_DIR:-/srv/backup/planportal}
keep_days=${BACKUP_KEEP_DAYS:-14}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
url="${DATABASE_URL/#postgis:/postgresql:}"
mkdir -p "$backup_dir/dumps" "$backup_dir/media"
# Custom format: compressed, and pg_restore can bring back one table alone.
pg_dump --format=custom --file="$backup_dir/dumps/planportal-$stamp.dump.partial" "$url"
mv "$backup_dir/dumps/planportal-$stamp.dump.partial" "$backup_dir/dumps/planportal-$stamp.dump"
# Media: a full copy whose unchanged files are hard links to the previous night's.
previous=$(ls -1d "$backup_dir"/media/*/ 2>/dev/null | tail -n 1 || true)
if [ -n "$previous" ]; then
  cp -al "$previous" "$backup_dir/media/$stamp.partial"
fi
mkdir -p "$backup_dir/media/$stamp.partial"
cp -a --remove-destination "${MEDIA_ROOT:?MEDIA_ROOT is not set}/." "$backup_dir/media/$stamp.partial/"
mv "$backup_dir/media/$stamp.partial" "$backup_dir/media/$stamp"
find "$backup_dir/dumps" -name 'planportal-*.dump' -mtime +"$keep_days" -delete
find "$backup_dir/media" -mindepth 1 -maxdepth 1 -type d -mtime +"$keep_days" -exec rm -rf {} +
echo "backup $stamp: $(du -sh "$backup_dir/dumps/planportal-$stamp.dump" | cut -f1) dump, media copied"
