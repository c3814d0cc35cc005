from pathlib import Path

from catalog.services.tuf_keys import draft_root
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Write the next root version of a product's TUF repository, unsigned, for the offline root key "
            "to sign before the current one expires (then: tuf_sign_root FILE).")

    def add_arguments(self, parser):
        parser.add_argument("product", help="Product key.")
        parser.add_argument("--output", type=Path, default=Path("root.json"),
                            help="Where the unsigned root goes (default: root.json).")

    def handle(self, *args, product, output, **options):
        root = draft_root(product)
        output.write_bytes(root.to_bytes())
        self.stdout.write(self.style.SUCCESS(
            f"Wrote root version {root.signed.version} of {product}, unsigned, to {output}: sign it with the "
            "root key, then run tuf_sign_root."
        ))
