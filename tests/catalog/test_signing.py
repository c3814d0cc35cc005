"""catalog.signing rebuilds the canonical request exactly as huaweicloudsdkcore's signer builds it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.http.request import HttpHeaders
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from catalog import signing

NOW = datetime(2026, 1, 15, 8, 0, 0, tzinfo=UTC)
SKEW = timedelta(minutes=15)


def sdk_request(path="/v5/iot/p/ota-upgrades/packages", query=(), headers=None, body=b""):
    return SdkRequest(method="GET", schema="https", host="ota.example.com", resource_path=path,
                      query_params=list(query), header_params={"X-Sdk-Date": NOW.strftime(signing.DATE_FORMAT),
                                                               **(headers or {})}, body=body)


def received(request: SdkRequest, query_string: str, body=b"") -> signing.ReceivedRequest:
    """What a WSGI server would hand over for the request the SDK sent."""
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.header_params.items()}
    return signing.ReceivedRequest(method=request.method, path=request.resource_path, query_string=query_string,
                                   headers=HttpHeaders(meta), body=body)


@pytest.mark.parametrize("path", ["/v5/iot/p/ota-upgrades/packages", "/v5/iot/p/ota-upgrades/packages/",
                                  "/v5/iot/a%20b/x~y", "/v5/iot/%C3%A9t%C3%A9/packages"])
def test_canonical_uri_matches_the_sdk(path):
    sdk = Signer(BasicCredentials("ak", "sk"))._process_canonical_uri(sdk_request(path=path))

    assert signing.canonical_uri(path) == sdk


@pytest.mark.parametrize("query", [
    [("limit", 10), ("app_id", "space")],
    [("product_id", "a b/é~+=&")],
    [("k", "2"), ("k", "1"), ("a", "")],
    [("flag", True)],
])
def test_canonical_query_string_matches_the_sdk(query):
    request = sdk_request(query=query)
    sdk = Signer.process_canonical_query_string(request)

    assert signing.canonical_query_string(sdk) == sdk


def test_a_request_signed_by_the_sdk_verifies():
    request = sdk_request(query=[("limit", 5)], headers={"Instance-Id": "plant-é"})
    Signer(BasicCredentials("AKID", "the secret")).sign(request)

    key = signing.verify(received(request, "limit=5"), {"AKID": "the secret"}.get, now=NOW, max_skew=SKEW)

    assert key == "AKID"


def test_another_secret_does_not_verify():
    request = sdk_request()
    Signer(BasicCredentials("AKID", "the secret")).sign(request)

    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(received(request, ""), {"AKID": "another"}.get, now=NOW, max_skew=SKEW)


def test_a_date_past_the_skew_does_not_verify_whatever_the_signature():
    request = sdk_request()
    Signer(BasicCredentials("AKID", "the secret")).sign(request)

    with pytest.raises(signing.SignatureError, match="15 minutes"):
        signing.verify(received(request, ""), {"AKID": "the secret"}.get, now=NOW + timedelta(minutes=15, seconds=1),
                       max_skew=SKEW)


def test_unsigned_payload_is_refused_for_json():
    request = signing.ReceivedRequest("POST", "/", "", HttpHeaders({
        "CONTENT_TYPE": "application/json", "HTTP_X_SDK_CONTENT_SHA256": "UNSIGNED-PAYLOAD"}), b"{}")

    with pytest.raises(signing.SignatureError, match="UNSIGNED-PAYLOAD"):
        signing.payload_hash(request)


def test_declared_body_hash_must_match_the_body():
    request = signing.ReceivedRequest("POST", "/", "", HttpHeaders({
        "CONTENT_TYPE": "application/json", "HTTP_X_SDK_CONTENT_SHA256": "0" * 64}), b"{}")

    with pytest.raises(signing.SignatureError, match="does not match the body"):
        signing.payload_hash(request)
