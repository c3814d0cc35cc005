from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.utils.module_loading import module_has_submodule

from otaportal.management.base import PortalCommand


def demo_loaders():
    """``load(out, base_url)`` of every installed app's ``demo`` module, in INSTALLED_APPS order (catalog first)."""
    for app in apps.get_app_configs():
        if module_has_submodule(app.module, "demo"):
            yield app.label, import_module(f"{app.name}.demo").load


class Command(PortalCommand):
    help = (
        "Load the demo data of every app (catalog/demo.py, devices/demo.py...): a demo admin user, a product "
        "with releases and small artifacts queued for verification. Safe to run again. Development only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="Where the portal answers, for the printed admin URL and curl hint.")
        parser.add_argument("--force", action="store_true",
                            help="Load even with DJANGO_DEBUG off (the demo admin's password is printed).")

    def handle(self, *args, base_url, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("The demo creates an admin with a printed password: run it with "
                               "DJANGO_DEBUG=true (as `make run` does), or pass --force.")
        for label, load in demo_loaders():
            self.stdout.write(f"[{label}]")
            load(self.stdout, base_url.rstrip("/"))
        self.stdout.write(self.style.SUCCESS(f"Admin: {base_url.rstrip('/')}/admin/"))
