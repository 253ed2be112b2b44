from django.http import HttpRequest, HttpResponse


def shot_list(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


shot_new = shot_detail = shot_edit = shot_delete = bag = shot_list
