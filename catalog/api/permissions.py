from rest_framework import permissions


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


class TokenScopes(permissions.BasePermission):
    """The token's scopes must include the scope the view names for the method.

    Views set ``required_scopes = {"GET": Scope.SOFTWARE_READ, ...}``. A token
    with no scopes has them all; session users (the admin) are not limited.
    """

    message = "The token's scopes do not allow this operation."

    def has_permission(self, request, view):
        scope = getattr(view, "required_scopes", {}).get(request.method)
        token = request.auth
        if scope is None or token is None or not hasattr(token, "has_scope"):
            return True
        return token.has_scope(scope)
