"""rasa-sdk's plugin package (rasa_sdk/plugin.py imports `rasa_sdk_plugins` and calls
`init_hooks`): the action server's own extensions, kept in `actions/`."""
from __future__ import annotations

import pluggy
from sanic import Sanic

hookimpl = pluggy.HookimplMarker("rasa_sdk")


class _ActionServerExtensions:
    @staticmethod
    @hookimpl
    def attach_sanic_app_extensions(app: Sanic) -> None:
        from actions.webhook_input import attach

        attach(app)


def init_hooks(manager: pluggy.PluginManager) -> None:
    manager.register(_ActionServerExtensions())
