"""The Slack front: listeners for /crm, buttons, modals, shortcuts and App Home."""

from slack_bolt import App

from handlers.slack import actions, commands, home, modals, shortcuts
from handlers.slack.errors import handle_error
from handlers.slack.middleware import skip_repeated_events
from handlers.slack.runtime import SlackRuntime

__all__ = ["SlackRuntime", "register"]


def register(app: App, runtime: SlackRuntime) -> None:
    """Install the middleware, the one error handler and every listener on a Bolt app."""
    app.middleware(skip_repeated_events(runtime))
    app.error(handle_error)
    for area in (commands, actions, modals, shortcuts, home):
        area.register(app, runtime)
