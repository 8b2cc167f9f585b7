"""Static files for production (DEBUG off, also what `make run` serves): WhiteNoise's
compressed, hashed files, each cached by browsers for a year.

The pages load ES modules by their hashed names, but a module's own ``import ... from
"./dom.js"`` would still name the unhashed file, which is cached for a short time only and
may belong to another release than the module importing it. Django rewrites those imports to
the hashed names too when asked (``support_js_module_import_aggregation``), so a release is
loaded as one consistent set of files, each cacheable forever.
"""

import os

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

ONE_YEAR = 365 * 24 * 60 * 60


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True

    def compress_files(self, paths):
        """Compresses only the files whose gzip and Brotli copies are missing or stale:
        `make run` collects the static files each time it starts, and compressing all of them
        again (Brotli at its best, the admin's and the API docs' files included) took about
        14 s of the start-up. A hashed name's copies are never stale (the name is its
        content's hash; collectstatic writes the file again all the same); another file's are
        when they are older than it."""
        hashed = set(self.hashed_files.values())
        yield from super().compress_files(
            [path for path in paths if self._needs_compressing(path, path in hashed)]
        )

    def _needs_compressing(self, path: str, is_hashed: bool) -> bool:
        source = self.path(path)
        try:
            written = 0 if is_hashed else os.stat(source).st_mtime
            return any(os.stat(f"{source}{suffix}").st_mtime < written for suffix in (".gz", ".br"))
        except FileNotFoundError:
            return True


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, with hashed files cached for one year (``max-age=31536000, public,
    immutable``) rather than its ten: a year is the longest that caches are asked to honour
    (RFC 9111 5.3), and a new release has new names anyway. The gzip and Brotli copies that
    collectstatic wrote beside each file go to browsers that accept them."""

    FOREVER = ONE_YEAR
