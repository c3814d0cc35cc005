from django.core.management.base import CommandError

from catalog.models import Product
from devices import gateway_tokens
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = (
        "Create a hawkBit gateway token for a product: it may act for any device of the product over the "
        "DDI API and registers unknown controller ids on their first poll. Prints the token alone on the "
        "last line; it is shown only once."
    )

    def add_arguments(self, parser):
        parser.add_argument("product", help="The product's key.")
        parser.add_argument("--name", default="", help="What the token is for (shown in the admin).")

    def handle(self, *args, product, name, **options):
        found = Product.objects.filter(key=product).first()
        if found is None:
            raise CommandError(f"No product has the key {product!r}.")
        if len(name) > 100:
            raise CommandError("--name: at most 100 characters.")
        issued = gateway_tokens.issue(found, name=name)
        self.stdout.write(f"Gateway token {issued.token.prefix}… for product {found.key}. Store it now:")
        self.stdout.write(issued.plaintext)
