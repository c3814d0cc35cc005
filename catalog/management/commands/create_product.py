from catalog.services.products import create_product
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = ("Create a product (with its 'default' module) and, optionally, more modules and its "
            "resource space.")

    def add_arguments(self, parser):
        parser.add_argument("key", help="Product key used by the APIs: letters, digits, _ and -, at most 64.")
        parser.add_argument("--name", required=True, help="Human-readable name.")
        parser.add_argument("--description", default="", help="At most 1,024 characters.")
        parser.add_argument("--resource-space", metavar="KEY",
                            help="Resource space (IoTDA app_id) grouping the product; created when missing.")
        parser.add_argument("--module", action="append", default=[], metavar="NAME", dest="modules",
                            help="A module besides 'default' (repeat for more).")

    def handle(self, *args, key, name, description, resource_space, modules, **options):
        product = create_product(key, name, resource_space_key=resource_space, module_names=modules,
                                 description=description)
        names = ", ".join(product.modules.order_by("name").values_list("name", flat=True))
        self.stdout.write(self.style.SUCCESS(f"Created product {product.key} with modules: {names}."))
