from pathlib import Path

from catalog.models import TufRole
from catalog.services.tuf_keys import read_public_key, rotate_key
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Replace a role's key in a product's TUF repository: a new root version names the new key "
            "(a new root key signs it together with the old one), then the role is signed again with it. "
            "While the root key is offline, the new root is written for signing there "
            "(then: tuf_sign_root FILE); a new root key is then made there too (--offline-root).")

    def add_arguments(self, parser):
        parser.add_argument("product", help="Product key.")
        parser.add_argument("role", choices=TufRole.values)
        parser.add_argument("--offline-root", metavar="PUBLIC_KEY_PEM", type=Path,
                            help="Rotating the root: the new root key's public half (PEM), its private half "
                                 "kept offline. Needed when the current root key is offline.")
        parser.add_argument("--output", type=Path, default=Path("root.json"),
                            help="Where the new root goes when it must be signed offline "
                                 "(default: root.json).")

    def handle(self, *args, product, role, offline_root, output, **options):
        new_root_key = read_public_key(offline_root) if offline_root else None
        rotation = rotate_key(product, role, offline_root_key=new_root_key)
        if rotation.unsigned_root is None:
            self.stdout.write(self.style.SUCCESS(
                f"Rotated the {role} key of {product}: new key {rotation.key.keyid}."))
            return
        output.write_bytes(rotation.unsigned_root.to_bytes())
        signers = "the old and the new root key" if role == TufRole.ROOT else "the root key"
        if rotation.unsigned_root.signatures:
            signers = "the new root key (the old one has signed)"
        self.stdout.write(self.style.SUCCESS(
            f"Wrote root version {rotation.unsigned_root.signed.version} of {product}, naming the new "
            f"{role} key {rotation.key.keyid}, to {output}: sign it with {signers}, then run tuf_sign_root. "
            f"The current {role} key signs until then."
        ))
