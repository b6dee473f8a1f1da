"""A web chat page as the socket.io channel sees it (python-socketio's client)."""
from __future__ import annotations

import threading
import time
from typing import Any, Callable, List, Optional, Tuple

import socketio

EVENTS = ("session_confirm", "bot_history", "bot_uttered", "bot_typing")


class ChatSocket:
    def __init__(self, rasa_url: str) -> None:
        self.url = rasa_url
        self.client = socketio.Client(reconnection=False)
        self.events: List[Tuple[str, Any]] = []
        self.session_id: Optional[str] = None
        self._changed = threading.Condition()
        for name in EVENTS:
            self.client.on(name, handler=self._recorder(name))

    def _recorder(self, name: str) -> Callable[[Any], None]:
        def record(data: Any = None) -> None:
            with self._changed:
                self.events.append((name, data))
                self._changed.notify_all()
        return record

    def open(self, session_id: Optional[str] = None, timeout: float = 30) -> List[dict]:
        """Connect and ask for the session; returns the history the channel sent."""
        self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"],
                            wait_timeout=timeout)
        self.client.emit("session_request", {"session_id": session_id})
        self.session_id = self.wait("session_confirm", timeout=timeout)
        return self.wait("bot_history", timeout=timeout)["messages"]

    def say(self, text: str, display: Optional[str] = None) -> None:
        payload: dict = {"message": text, "session_id": self.session_id}
        if display:
            payload["metadata"] = {"display_text": display}
        self.client.emit("user_uttered", payload)

    def named(self, name: str, after: int = 0) -> List[Any]:
        """The `name` events, from index `after` (a `mark()`) of all events on."""
        with self._changed:
            return [data for event, data in self.events[after:] if event == name]

    def wait(self, name: str, predicate: Callable[[Any], bool] = lambda _: True,
             timeout: float = 60, after: int = 0) -> Any:
        """The first `name` event (from index `after` on) that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for event, data in self.events[after:]:
                    if event == name and predicate(data):
                        return data
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {name} within {timeout} s; got {self.events}")
                self._changed.wait(remaining)

    def ask(self, text: str, display: Optional[str] = None, timeout: float = 60) -> List[dict]:
        """Say something; everything the bot uttered in answer (until typing stops)."""
        start = self.mark()
        self.say(text, display)
        self.wait("bot_typing", lambda d: d == {"typing": False}, timeout=timeout, after=start)
        with self._changed:
            return [d for e, d in self.events[start:] if e == "bot_uttered"]

    def mark(self) -> int:
        with self._changed:
            return len(self.events)

    def close(self) -> None:
        """Leave like a closed tab. The disconnect reaches the server at once, but the
        client then waits for its pending long-poll (~30 s): that wait goes on in a daemon
        thread rather than in every test's teardown."""
        if self.client.connected:
            closing = threading.Thread(target=self.client.disconnect, daemon=True)
            closing.start()
            closing.join(timeout=2)  # the disconnect is sent by then; the join may go on
