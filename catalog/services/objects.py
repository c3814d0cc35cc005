"""Deleting artifact objects once the transaction that stopped using them has committed."""

import logging

from django.db import transaction

from catalog.storage import ArtifactStore, StorageError

logger = logging.getLogger(__name__)


def delete_on_commit(bucket: str, key: str) -> None:
    """Delete the object after commit (never before: a rollback would leave a row without its object)."""

    def delete():
        try:
            ArtifactStore(bucket).delete(key)
        except StorageError:
            logger.exception("could not delete replaced object %s/%s", bucket, key)

    transaction.on_commit(delete)
