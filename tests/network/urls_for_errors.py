"""A URLconf for tests that need views which fail on purpose."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from network.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


@login_not_required
def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


@login_not_required
def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [*urlpatterns, path("broken/", broken), path("forbidden/", forbidden)]
