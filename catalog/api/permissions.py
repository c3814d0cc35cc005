from rest_framework import permissions

from catalog.models.credentials import Credential


class ModelPermissions(permissions.DjangoModelPermissions):
    """Django model permissions, with ``view`` required for reads (DRF leaves reads open)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class ChangeModelPermissions(ModelPermissions):
    """For actions that modify an existing object whatever the method (``POST .../deprecate``)."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


def read_write_scopes(read: str, write: str) -> dict[str, tuple[str, ...]]:
    """``required_scopes`` of a view whose safe methods read and whose other methods write."""
    return {"GET": (read,), "OPTIONS": (read,), "POST": (write,), "PUT": (write,), "PATCH": (write,),
            "DELETE": (write,)}


class TokenScopes(permissions.BasePermission):
    """Deny by default: the credential's scopes must allow what the view requires for the method.

    Views set ``required_scopes = {"GET": (Scope.CATALOG_READ,), ...}``: every scope listed
    is needed. HEAD is GET without a body, so it needs GET's scopes. A method the view
    names no scopes for is refused to every token limited to scopes; a token with no
    scopes (and a key pair, which has none) is limited by its user's permissions only.
    """

    message = "The token's scopes do not allow this operation."

    def has_permission(self, request, view):
        credential = request.auth
        if not isinstance(credential, Credential):  # anonymous (401), or not a management credential
            return False
        method = "GET" if request.method == "HEAD" else request.method
        # A view naming no scopes grants none: deny by default.
        required = getattr(view, "required_scopes", {}).get(method)
        if required is None:
            return not credential.is_limited
        return credential.allows(required)
