from catalog.models import TufRole
from catalog.services.tuf_keys import rotate_key
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Replace a role's key in a product's TUF repository: a new root version names the new key "
            "(a new root key signs it together with the old one), then the role is signed again with it.")

    def add_arguments(self, parser):
        parser.add_argument("product", help="Product key.")
        parser.add_argument("role", choices=TufRole.values)

    def handle(self, *args, product, role, **options):
        key = rotate_key(product, role)
        self.stdout.write(self.style.SUCCESS(f"Rotated the {role} key of {product}: new key {key.keyid}."))
