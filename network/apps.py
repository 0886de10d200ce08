from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Network"

    def ready(self) -> None:
        # Registers the system checks (CSP; shared backends in production).
        from network import checks  # noqa: F401
