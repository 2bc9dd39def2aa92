"""The merchant's own listener (``[console]``, 127.0.0.1:8081 by default), never the public
webhook port: what the merchant's people and monitoring read."""

from seabot.console.app import create_console_app

__all__ = ["create_console_app"]
