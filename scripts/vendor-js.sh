#!/usr/bin/env bash
# The browser libraries the portal ships as plain files: what is vendored, from which npm
# package and version, and how to refresh it. There is no JavaScript build step and node is
# not needed to run or test the portal: the files below are committed. Only this script
# needs npm (Debian: apt-get install nodejs npm), and only when a library is refreshed.
# (Leaflet and Leaflet.draw are not here: the django-leaflet Python package ships them.)
#
#   scripts/vendor-js.sh           fetch the pinned packages and copy their files into place
#   scripts/vendor-js.sh --check   fetch them and report whether the committed files match
#
# Every file is copied unmodified; each package's tarball is checked against the integrity
# recorded below before anything is copied.
#
# To upgrade a library: change its version and integrity below (npm view PACKAGE@VERSION
# dist.integrity), run this script, read the library's changelog, run the tests named at the
# library, update the notes in its folder (README.md or LICENSE header), commit.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=write
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *)
    echo "usage: $0 [--check]" >&2
    exit 2
    ;;
esac

command -v npm >/dev/null || {
  echo "npm is needed to fetch packages (apt-get install nodejs npm)" >&2
  exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differs=0

# vendor PACKAGE VERSION INTEGRITY DESTINATION FILE...
# FILE is a path inside the package, or SOURCE:TARGET to give it another name in DESTINATION.
vendor() {
  local package=$1 version=$2 integrity=$3 destination=$4
  shift 4
  local unpacked="$work/${package//\//_}" tarball actual
  mkdir -p "$unpacked"
  tarball=$(cd "$unpacked" && npm pack --silent "$package@$version")
  actual=$(node -e '
    const data = require("fs").readFileSync(process.argv[1]);
    console.log("sha512-" + require("crypto").createHash("sha512").update(data).digest("base64"));
  ' "$unpacked/$tarball")
  if [ "$actual" != "$integrity" ]; then
    echo "$package@$version: integrity $actual, expected $integrity" >&2
    exit 1
  fi
  tar -xzf "$unpacked/$tarball" -C "$unpacked"
  mkdir -p "$destination"
  local file source target
  for file in "$@"; do
    source=${file%%:*}
    target=${file#*:}
    if [ "$mode" = check ]; then
      if ! cmp -s "$unpacked/package/$source" "$destination/$target"; then
        echo "differs from $package@$version: $destination/$target" >&2
        differs=1
      fi
    else
      cp "$unpacked/package/$source" "$destination/$target"
    fi
  done
  echo "$package@$version -> $destination"
}

# @noble/hashes (MIT, https://github.com/paulmillr/noble-hashes): SHA-256 for the comment
# form's proof of work (static/js/pow.js). The ES module build of sha2.js and the modules it
# imports; Django's manifest storage rewrites their relative imports to hashed names.
# Tests: tests/browser/test_resident_comments.py, tests/planportal/test_static_files.py.
vendor @noble/hashes 2.4.0 \
  sha512-X5XaVWZIBCT7HHZGm5I7ZQXDwLG+bGXuSrMQAW+7Zvl87h1kmc1ZB1VSRJcpUfoUrGQp4Fkoxm5kZ+Ms+aW+eA== \
  static/vendor/noble-hashes \
  LICENSE sha2.js _md.js _u64.js utils.js

# Leaflet.VectorGrid (Beerware, https://github.com/IvanSanchez/Leaflet.VectorGrid): vector
# tiles on the plan map page (plan_map.html loads it). Its LICENSE file is written by hand
# (the package has none): VectorGrid's notice plus those of the libraries bundled into it.
# Tests: tests/browser/test_plan_map.py.
vendor leaflet.vectorgrid 1.3.0 \
  sha512-kWmj1pKM+MVdo/7Mg5zsB3YrGZvo/uIuiANV9MvWUFOG+Y2xAJzrteDhoIcCgTjHSSRJ36xdeGdIQVhuWjnCZw== \
  static/vendor/leaflet.vectorgrid \
  dist/Leaflet.VectorGrid.bundled.min.js:Leaflet.VectorGrid.bundled.min.js

# axe-core (MPL-2.0, https://github.com/dequelabs/axe-core): accessibility checks injected
# by the tests only, never served by the portal. Tests: tests/browser/test_accessibility.py.
vendor axe-core 4.14.1 \
  sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ== \
  tests/browser/vendor/axe-core \
  axe.min.js LICENSE LICENSE-3RD-PARTY.txt

if [ "$differs" -ne 0 ]; then
  echo "Some vendored files differ from their packages (run $0 to copy them in)." >&2
  exit 1
fi
