"""Static files storage for production (DEBUG off): WhiteNoise's compressed, hashed files.

The pages load ES modules by their hashed names, but a module's own ``import ... from
"./dom.js"`` would still name the unhashed file, which is cached for a short time only and
may belong to another release than the module importing it. Django rewrites those imports to
the hashed names too when asked (``support_js_module_import_aggregation``), so a release is
loaded as one consistent set of files, each cacheable forever.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
