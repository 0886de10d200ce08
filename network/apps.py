from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = "Network"

    def ready(self) -> None:
        # Registers the system checks (CSP; shared backends in production).
        import network.checks  # noqa: F401
        from network import composition

        # What one app lends another, installed once every app is loaded.
        composition.install()
