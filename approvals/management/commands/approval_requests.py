from approvals.management.base import describe
from approvals.models import ApprovalRequest, RequestState
from otaportal.management.base import PortalCommand

MOST = 200


class Command(PortalCommand):
    help = "List approval requests, newest first: the pending ones unless --all."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Decided and withdrawn requests too.")

    def handle(self, *args, all, **options):
        requests = ApprovalRequest.objects.select_related(
            "rollout__release__product", "rollout__release__module", "requested_by")
        if not all:
            requests = requests.filter(state=RequestState.PENDING)
        for request in requests[:MOST]:
            self.stdout.write(describe(request))
