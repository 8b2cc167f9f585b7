#!/usr/bin/env bash
# Installs the Debian 12 packages the portal needs, and only those that are missing, so that
# a machine that is already set up pays a single dpkg query.
#   scripts/install-system.sh            runtime packages (database, GDAL, gettext)
#   scripts/install-system.sh --test     also the browser for browser tests, and nginx
#   scripts/install-system.sh --bench    also wrk, the HTTP load generator of bench/tiles.py
#   scripts/install-system.sh --drill    also nginx, which the drills put in front of gunicorn,
#                                        and pgbouncer, the pooler of drills/multinode.py
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# No -dev packages: every pin in requirements.txt is a wheel, and GeoDjango loads the GDAL
# that the pyogrio wheel bundles (planportal/gdal_runtime.py). libgdal-dev and python3-dev
# pulled in ~110 packages (Boost, MariaDB, HDF5 headers...), and with them, by chance, libatomic1.
packages=(
  postgresql-15 postgresql-15-postgis-3 postgresql-client-15
  gdal-bin libgeos-c1v5 libproj25
  gettext python3-venv
  # WeasyPrint (printable sheets and posters as PDF) lays text out with Pango; the PDFs need
  # a font with Chinese glyphs on every machine that serves them, not only on test machines.
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk
)
case "${1:-}" in
  # libatomic1: the Node.js that the playwright wheel runs its driver with links against it.
  # nginx: tests/planportal/test_nginx_rules.py loads the shipped rules.
  # python3-gdal: GDAL's OAPIF driver reads a filtered collection in
  # tests/layers/ogc/test_filters_with_gdal_and_owslib.py (the venv has no GDAL bindings).
  --test) packages+=(chromium libatomic1 nginx python3-gdal) ;;
  --bench) packages+=(wrk) ;;
  # nginx for the drills, which test the shipped rules (deploy/nginx-planportal-server.conf);
  # pgbouncer, the connection pooler between the web nodes and PostgreSQL (drills/multinode.py).
  --drill) packages+=(nginx pgbouncer) ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

say "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
