"""Static files as production collects them (DEBUG off: planportal.storage): hashed names
everywhere, also inside the ES modules' own imports (vendored ones included)."""

import posixpath
import re

from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.test import override_settings

RELATIVE_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*["'](\.{1,2}/[^"']+)["']""")
PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "planportal.storage.StaticFilesStorage"},
}


def test_modules_import_each_other_by_their_hashed_names(tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=PRODUCTION_STORAGES):
        call_command("collectstatic", interactive=False, verbosity=0)
        manifest, _ = staticfiles_storage.load_manifest()
        hashed_names = set(manifest.values())
        checked = 0
        for original, hashed in manifest.items():
            if not original.endswith(".js"):
                continue
            text = (tmp_path / hashed).read_text()
            for target in RELATIVE_IMPORT.findall(text):
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(hashed), target))
                assert resolved in hashed_names, f"{original} imports {target}"
                checked += 1
    assert checked >= 10  # the map's modules alone import each other more often
    assert "vendor/noble-hashes/sha2.js" in manifest  # pow.js imports it
