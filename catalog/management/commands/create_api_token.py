from django.core.management.base import CommandError

from catalog.models import ApiToken, Scope
from catalog.services.operators import OPERATORS_GROUP
from otaportal.management.base import PortalCommand


class Command(PortalCommand):
    help = (
        "Issue a bearer token for the management APIs. A missing user is created, without a password, "
        f"in the '{OPERATORS_GROUP}' group. The token is printed alone on the last line; only its hash "
        "is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--scope", action="append", default=[], dest="scopes", metavar="SCOPE",
                            help=f"Limit the token to a scope (repeat for more; none: every scope). "
                                 f"One of: {', '.join(Scope.values)}.")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, scopes, name, **options):
        unknown = sorted(set(scopes) - set(Scope.values))
        if unknown:
            raise CommandError(f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(Scope.values)}.")
        user = self.operator(username)
        token, plaintext = ApiToken.issue(user, name=name, scopes=scopes)
        scopes = ", ".join(token.scopes) or "all"
        self.stdout.write(f"Token {token.prefix}… for {user.username}, scopes: {scopes}. "
                          "Keep it now: it is not shown again.")
        self.stdout.write(plaintext)
