from django.apps import AppConfig


class RolloutsConfig(AppConfig):
    name = "rollouts"
    verbose_name = "Rollouts"

    def ready(self):
        from rollouts import signals  # noqa: F401  (connects the receivers)
