"""The release manager's home: one module per admin class, registered on import."""

from . import (  # noqa: F401
    access_keys,
    api_tokens,
    artifacts,
    modules,
    products,
    releases,
    resource_spaces,
    tuf,
)
