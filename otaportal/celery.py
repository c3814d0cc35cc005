import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otaportal.settings.base")

# Django's task class gives every task ``delay_on_commit``: enqueue once the transaction commits, so that
# the worker never looks for a row that is not committed yet. (Celery's Django fix-up picks the same
# class; naming it here keeps that from depending on how the app is loaded.)
app = Celery("otaportal", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
