"""Errors Django answers itself, around the views, answer JSON on API paths in the surface's shape."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("path", "body"), [
    ("/api/v1/devices", {"detail": "The Host header names a host this server does not serve."}),
    ("/otao/api/v1/applications/kettle/software",
     {"message": "The Host header names a host this server does not serve."}),
])
def test_an_unknown_host_answers_400_in_json(path, body):
    response = APIClient().get(path, HTTP_HOST="attacker.example")

    assert response.status_code == 400
    assert response.json() == body


def test_a_json_body_over_the_upload_limit_answers_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api.post("/api/v1/devices", data={"uid": "a" * 2000}, format="json")

    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is larger than this server accepts."}


def test_a_json_body_over_the_upload_limit_answers_413_in_kaa_shape(api, settings, product):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = api.post(f"/otao/api/v1/applications/{product.key}/software/9.9.9",
                        data={"metadata": "a" * 2000}, format="json")

    assert response.status_code == 413
    assert response.json() == {"message": "The request body is larger than this server accepts."}


def test_a_form_body_is_refused_where_json_is_expected(api):
    response = api.post("/api/v1/devices", data="uid=a", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415


def test_more_query_fields_than_allowed_answer_400_in_json(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10

    response = api.get("/api/v1/devices?" + "&".join(f"tag{number}=x" for number in range(11)))

    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request has more form or query fields than this server accepts."}


def test_a_method_the_schema_view_does_not_allow_answers_405_in_json():
    response = APIClient().delete("/api/schema/")

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed."}
    assert "GET" in response["Allow"]


def test_a_nul_outside_the_apis_answers_djangos_own_400_page(admin_client):
    response = admin_client.get("/admin/catalog/release/?q=%00")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
