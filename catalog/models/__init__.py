from .artifacts import Artifact
from .credentials import AccessKey, ApiToken, Scope
from .products import DEFAULT_MODULE, Module, Product, ResourceSpace
from .releases import MAX_SOURCE_VERSIONS, Release
from .tuf import TufKey, TufMetadata, TufRepository, TufRole

__all__ = [
    "AccessKey",
    "ApiToken",
    "Artifact",
    "DEFAULT_MODULE",
    "MAX_SOURCE_VERSIONS",
    "Module",
    "Product",
    "Release",
    "ResourceSpace",
    "Scope",
    "TufKey",
    "TufMetadata",
    "TufRepository",
    "TufRole",
]
