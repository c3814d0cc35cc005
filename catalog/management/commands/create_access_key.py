from catalog.models import AccessKey
from catalog.services.operators import OPERATORS_GROUP
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = (
        "Issue an access key pair for SDK-HMAC-SHA256 request signing (Huawei Cloud SDKs). A missing user "
        f"is created, without a password, in the '{OPERATORS_GROUP}' group. Prints the access key id and "
        "the secret."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the key is for.")

    def handle(self, *args, username, name, **options):
        user = self.operator(username)
        key, secret = AccessKey.issue(user, name=name)
        self.stdout.write("Keep the secret now: it is not shown again.")
        self.stdout.write(f"Access key id: {key.access_key_id}")
        self.stdout.write(f"Secret access key: {secret}")
