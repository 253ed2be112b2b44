from django.http import HttpRequest, HttpResponse


def signup(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def account_settings(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError
