from django.db import models


class VersionKeyField(models.CharField):
    """Holds ``catalog.versioning.version_key``: must compare byte by byte.

    PostgreSQL clusters created with a linguistic collation (en_US.UTF-8) ignore
    punctuation when sorting, which would break the key's order, so the column
    uses the "C" collation there. SQLite compares bytes already.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params
