"""A URLconf whose language-prefixed patterns prefix the default language too (not the
portal's): test_submission_fast_path.py checks that the comment fast path then keeps
LocaleMiddleware, which may redirect such a path's 404."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import path

urlpatterns = i18n_patterns(path("page/", lambda request: HttpResponse()))
