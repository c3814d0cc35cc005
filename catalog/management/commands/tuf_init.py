from pathlib import Path

from catalog.services.tuf_keys import init_repository, read_public_key
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Create the TUF repository of a product: one Ed25519 key per role, root version 1, and the first "
            "targets, snapshot and timestamp. With --offline-root, the root is written unsigned for signing "
            "elsewhere (then: tuf_sign_root FILE).")

    def add_arguments(self, parser):
        parser.add_argument("product", help="Product key.")
        parser.add_argument("--offline-root", metavar="PUBLIC_KEY_PEM", type=Path,
                            help="The root key's public half (PEM); its private half stays offline.")
        parser.add_argument("--output", type=Path, default=Path("root.json"),
                            help="Where the unsigned root goes with --offline-root (default: root.json).")

    def handle(self, *args, product, offline_root, output, **options):
        root_key = read_public_key(offline_root) if offline_root else None
        unsigned_root = init_repository(product, offline_root_key=root_key)
        if unsigned_root is None:
            self.stdout.write(self.style.SUCCESS(f"Published the TUF repository of {product}."))
            return
        output.write_bytes(unsigned_root.to_bytes())
        self.stdout.write(self.style.SUCCESS(
            f"Wrote the unsigned root of {product} to {output}: sign it with the root key, "
            "then run tuf_sign_root."
        ))
