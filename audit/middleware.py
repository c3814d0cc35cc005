"""Opens each request's audit context, and runs the admin's and the management API's writes atomically.

Every request gets a context holding its client address and no surface: device traffic
stays unaudited. An admin view's context names the admin and its session user; the
management credentials' authentication names the API caller and token when it succeeds
(otaportal.audit_context.identify_api_caller). A writing request to the admin or sent
with a management credential runs in one transaction, so each change and its audit
entry commit together, and an answer of 400 or more leaves nothing behind.
Place it after the authentication and CSRF middleware.
"""

from django.db import transaction

from otaportal import audit_context
from otaportal.ratelimit import client_address

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Authorization schemes of the management credentials (catalog.api.authentication); devices use others.
MANAGEMENT_SCHEMES = ("bearer ", "sdk-hmac-sha256 ")


def _sent_management_credential(request) -> bool:
    authorization = request.headers.get("Authorization", "").lower()
    return authorization.startswith(MANAGEMENT_SCHEMES) or "X-Auth-Token" in request.headers


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with audit_context.opened(audit_context.AuditContext(client_address=client_address(request))):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        in_admin = request.resolver_match.namespace == "admin"
        if in_admin:
            audit_context.opened_for_admin(request.user)
        # The admin's login stays outside: django-axes must keep the failures it counts, whatever the answer.
        writes_as_operator = ((in_admin and request.user.is_authenticated)
                              or _sent_management_credential(request))
        if request.method in SAFE_METHODS or not writes_as_operator:
            return None
        with transaction.atomic():
            response = view_func(request, *view_args, **view_kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
        return response
