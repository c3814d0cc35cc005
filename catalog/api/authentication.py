from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from catalog import signing
from catalog.models import AccessKey, ApiToken
from catalog.models.credentials import ways_to_grant
from otaportal import audit_context
from otaportal.ratelimit import admitted_address, refuse_bad_credentials


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` with a token made by ``create_api_token`` or the admin."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        return self.authenticate_token(request, credentials.strip())

    @staticmethod
    def authenticate_token(request, plaintext):
        address = admitted_address(request)
        token = ApiToken.authenticate(plaintext) if plaintext else None
        if token is None:
            refuse_bad_credentials(address, "Invalid, expired or revoked token.")
        audit_context.identify_api_caller(token.user, f"token {token.prefix}")
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class AuthTokenHeaderAuthentication(BearerTokenAuthentication):
    """``X-Auth-Token: <token>``: the header IoTDA clients send their token in; same tokens as Bearer."""

    def authenticate(self, request):
        plaintext = request.META.get("HTTP_X_AUTH_TOKEN", "").strip()
        if not plaintext:
            return None
        return self.authenticate_token(request, plaintext)


class SignedRequestAuthentication(authentication.BaseAuthentication):
    """``Authorization: SDK-HMAC-SHA256 ...`` signed by a Huawei Cloud SDK with an access key pair.

    ``request.auth`` is the AccessKey. The date must be within OTA_SIGNATURE_MAX_SKEW
    of the server's clock, which bounds how long a captured request can be replayed.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not signing.is_signed(header):
            return None
        address = admitted_address(request)
        key = None

        def secret_for(access_key_id):
            nonlocal key
            key = AccessKey.objects.usable().select_related("user").filter(access_key_id=access_key_id).first()
            return key.secret if key else None

        try:
            body = request.body
        except RequestDataTooBig:
            raise exceptions.ParseError("The request body is too large.") from None
        received = signing.ReceivedRequest(
            method=request.method, path=escape_uri_path(request.path),
            query_string=request.META.get("QUERY_STRING", ""), headers=request.headers, body=body,
        )
        try:
            signing.verify(received, secret_for, now=timezone.now(), max_skew=settings.OTA_SIGNATURE_MAX_SKEW)
        except signing.SignatureError as error:
            refuse_bad_credentials(address, str(error))
        key.touch()
        audit_context.identify_api_caller(key.user, f"access key {key.access_key_id}")
        return key.user, key

    def authenticate_header(self, request):
        return signing.ALGORITHM


class ScopedTokenScheme(OpenApiAuthenticationExtension):
    """Tokens may be limited to scopes: each operation's requirement names those its method needs.

    One requirement per way to hold them (Kaa's name, or the portal's equivalent scopes).
    """

    def get_security_requirement(self, auto_schema):
        # A view naming no scopes is refused to every scoped token (TokenScopes): none to list.
        required = getattr(auto_schema.view, "required_scopes", {}).get(auto_schema.method, ())
        return [{self.name: scopes} for scopes in ways_to_grant(required)]


class BearerTokenScheme(ScopedTokenScheme):
    target_class = BearerTokenAuthentication
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "Token from `manage.py create_api_token`."}


class AuthTokenHeaderScheme(ScopedTokenScheme):
    target_class = AuthTokenHeaderAuthentication
    name = "authTokenHeader"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "X-Auth-Token",
                "description": "The same tokens as bearerToken, in IoTDA's header."}


class SignedRequestScheme(OpenApiAuthenticationExtension):
    target_class = SignedRequestAuthentication
    name = "sdkHmacSha256"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "`SDK-HMAC-SHA256 Access=<key id>, SignedHeaders=..., Signature=...` with "
                           "`X-Sdk-Date`, as the huaweicloudsdkcore signer sends it; key pairs from "
                           "`manage.py create_access_key`.",
        }
