"""The run's S3 bucket on the moto server, and large test objects of known content."""

import hashlib
import os
from pathlib import Path

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from django.conf import settings

MIB = 1024 * 1024


def client():
    return boto3.client(
        "s3", endpoint_url=settings.AWS_S3_ENDPOINT_URL, aws_access_key_id=settings.AWS_ACCESS_KEY_ID,
        aws_secret_access_key=settings.AWS_SECRET_ACCESS_KEY, region_name=settings.AWS_S3_REGION_NAME,
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
    )


def create_bucket() -> None:
    s3 = client()
    if settings.AWS_STORAGE_BUCKET_NAME not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        s3.create_bucket(Bucket=settings.AWS_STORAGE_BUCKET_NAME)


def random_file(folder: Path, size: int) -> tuple[Path, str]:
    """A file of ``size`` random-looking bytes (cached between runs) and its SHA-256."""
    path = folder / f"object-{size // MIB}MiB.bin"
    digest_path = path.with_suffix(".sha256")
    if path.exists() and path.stat().st_size == size and digest_path.exists():
        return path, digest_path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    block = os.urandom(8 * MIB)
    sha256 = hashlib.sha256()
    with path.open("wb") as handle:
        for number in range(0, size, len(block)):
            # Vary each block so that no layer can deduplicate or compress the object.
            chunk = number.to_bytes(8, "big") + block[8:len(block) if size - number >= len(block) else size - number]
            sha256.update(chunk)
            handle.write(chunk)
    digest_path.write_text(sha256.hexdigest())
    return path, sha256.hexdigest()


def upload(path: Path, key: str) -> None:
    client().upload_file(str(path), settings.AWS_STORAGE_BUCKET_NAME, key,
                         Config=TransferConfig(multipart_chunksize=64 * MIB, max_concurrency=2))


def release_with_object(folder: Path, size: int, product_key: str, name: str):
    """A release of product ``product_key`` whose artifact is a random object of ``size`` bytes in the bucket.

    Returns (release, artifact, the object's key, its SHA-256, the local copy's path); the artifact is
    queued for verification by the run's Celery worker.
    """
    from catalog.models import Module, Product
    from catalog.services import artifacts, releases

    path, sha256 = random_file(folder, size)
    key = f"bench/{product_key}/{size // MIB}MiB.bin"
    upload(path, key)
    product, _ = Product.objects.get_or_create(key=product_key, defaults={"name": name})
    module = Module.objects.get(product=product, name="default")
    release = module.releases.first() or releases.register_release(module, "1.0.0")
    artifact = artifacts.reference(release, settings.AWS_STORAGE_BUCKET_NAME, key, declared_sha256=sha256)
    return release, artifact, key, sha256, path
