"""Keys go to the screen that was shown when they were pressed — in order, none lost.

A terminal delivers keys as fast as the auditor types. Textual handles each key as it arrives, but
what a key *causes* often happens later: `2` switches to the Controls view, whose screen mounts,
loads and focuses its table in later messages; `/` asks for the filter box to be focused with a
callback that runs after the keys already queued. So `2/mfa` typed quickly reached the table
(`f` toggled "flagged only") instead of the filter, and keys right after a tab switch were lost.

`OrderedKeys` (mixed into the App) holds every key and paste from the terminal in a queue and hands
them over one at a time:

1. a key is handed over only when the current screen is *ready*: a kit screen says so itself
   (`screen_ready()`, once it has composed, loaded what it shows first and focused its main widget);
   any other screen (Textual's command palette, …) once it has mounted and refreshed;
2. after each key, the next waits until what the key set in motion has settled: every widget of
   the screen has processed the messages queued so far, and the callbacks they queued on the app
   (focus changes) have run;
3. a screen change (push, pop, switch of view) makes the new screen not ready until it says so.

Priority bindings of the app (quit) are never held. If a screen fails to say it is ready within
`READY_TIMEOUT` seconds the keys go to it anyway (and the miss is logged): a bug never locks the
keyboard — unless the screen says it `holds_keys()` (it shows that it waits for something, e.g. the
dashboard while the engagement opens): then they wait on with it. A screen still reading what it
shows first (its first load running, "loading…" on the screen) is not a miss either: a key needs the
data (`]` on the dashboard moves on from the phase it read), so the keys wait on, up to
`LOAD_WAIT_LIMIT` seconds in all - on a slow or busy laptop the first load can take longer than
`READY_TIMEOUT`, and the keys typed meanwhile were lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from textual import events
from textual.screen import Screen

log = logging.getLogger("fieldwork_tui.tui")

READY_TIMEOUT = 5.0
LOAD_WAIT_LIMIT = 60.0  # a first load that takes longer than this is a bug: the keys go to the screen
MAX_SETTLE_ROUNDS = 50  # a key's effects rarely take more than a handful; never wait forever


class OrderedKeys:
    """App mixin: put it before `App` in the bases (``class MyApp(OrderedKeys, App)``)."""

    def _kit_keys_state(self) -> None:
        if getattr(self, "_kit_queue", None) is None:
            self._kit_queue: deque[events.Event] = deque()
            self._kit_busy = False
            self._kit_ready_screen: Screen | None = None
            self._kit_waiting_for: Screen | None = None
            self._kit_timer = None
            self._kit_idle = asyncio.Event()
            self._kit_idle.set()
            self._kit_subscribed = False

    # -- readiness ----------------------------------------------------------------------------------
    def screen_ready(self, screen: Screen) -> None:
        """Called by a screen once it can take keys (composed, first data shown, main widget focused)."""
        self._kit_keys_state()
        if screen is not self.screen:  # type: ignore[attr-defined]
            return
        self._kit_ready_screen = screen
        if self._kit_timer is not None and self._kit_waiting_for is screen:
            self._kit_timer.stop()
            self._kit_timer = None
        if self._kit_queue:
            self.call_later(self._kit_pump)  # type: ignore[attr-defined]

    def screen_not_ready(self, screen: Screen) -> None:
        """Called by a screen that must not take keys until it calls `screen_ready` again (e.g. while
        a tab that is built on demand is being mounted)."""
        self._kit_keys_state()
        if self._kit_ready_screen is screen:
            self._kit_ready_screen = None

    def _kit_screen_changed(self, _screen: Screen) -> None:
        self._kit_ready_screen = None

    def _kit_is_ready(self) -> bool:
        screen = self.screen  # type: ignore[attr-defined]
        # A kit screen says when it is ready; any other screen is ready once it has mounted and
        # refreshed (`_kit_wait_for_ready` asks it to say so after its first refresh).
        return self._kit_ready_screen is screen

    def _kit_wait_for_ready(self) -> None:
        screen = self.screen  # type: ignore[attr-defined]
        if self._kit_waiting_for is screen:
            return
        self._kit_waiting_for = screen
        if not getattr(screen, "DECLARES_READY", False):
            screen.call_after_refresh(self.screen_ready, screen)
        if self._kit_timer is not None:
            self._kit_timer.stop()
        self._kit_waited = 0.0
        self._kit_timer = self.set_timer(READY_TIMEOUT, lambda: self._kit_ready_timeout(screen))  # type: ignore[attr-defined]

    def _kit_ready_timeout(self, screen: Screen) -> None:
        if not self._screen_stack:  # type: ignore[attr-defined]
            return  # the app is closing: its screens are gone, and so is anyone to hand keys to
        if screen is self.screen and getattr(screen, "holds_keys", lambda: False)():  # type: ignore[attr-defined]
            # the screen waits for something it shows as waiting (the engagement still opening): the keys
            # keep waiting with it, in order, rather than reach actions that cannot run yet
            self._kit_timer = self.set_timer(READY_TIMEOUT, lambda: self._kit_ready_timeout(screen))  # type: ignore[attr-defined]
            return
        if screen is self.screen and self._kit_ready_screen is not screen and self._kit_queue:  # type: ignore[attr-defined]
            waited = getattr(self, "_kit_waited", 0.0) + READY_TIMEOUT
            if getattr(screen, "first_load_running", False) and waited < LOAD_WAIT_LIMIT:
                self._kit_waited = waited  # still reading its data: the keys wait for it
                self._kit_timer = self.set_timer(READY_TIMEOUT, lambda: self._kit_ready_timeout(screen))  # type: ignore[attr-defined]
                return
            log.warning("%s did not become ready within %ss; handing it the keys", screen, READY_TIMEOUT)
            self._kit_ready_screen = screen
            self.call_later(self._kit_pump)  # type: ignore[attr-defined]

    # -- the queue ------------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded and self._kit_holds(event):
            self._kit_queue.append(event)
            self._kit_idle.clear()
            await self._kit_pump()
            return
        await super().on_event(event)  # type: ignore[misc]

    def start_ordered_keys(self) -> None:
        """Call from the app's `on_mount`, before the first screen is shown."""
        self._kit_keys_state()
        if not self._kit_subscribed:
            self.screen_change_signal.subscribe(self, self._kit_screen_changed, immediate=True)  # type: ignore[attr-defined]
            self._kit_subscribed = True

    def _kit_holds(self, event: events.Event) -> bool:
        self._kit_keys_state()
        if not self._kit_subscribed and self.is_running:  # type: ignore[attr-defined]
            self.start_ordered_keys()
        if isinstance(event, events.Key) and self._kit_is_priority(event.key):
            return False
        return True

    def _kit_is_priority(self, key: str) -> bool:
        """Whether `key` is a priority binding of the app (quit): never held behind other keys."""
        try:
            chain = self.screen._binding_chain  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no screen yet
            return False
        for namespace, bindings in chain:
            if namespace is self and any(b.priority for b in bindings.key_to_bindings.get(key, ())):
                return True
        return False

    async def _kit_pump(self) -> None:
        while self._kit_queue and not self._kit_busy:
            if not self._kit_is_ready():
                self._kit_wait_for_ready()
                return
            self._kit_waiting_for = None
            event = self._kit_queue.popleft()
            self._kit_busy = True
            try:
                await super().on_event(event)  # type: ignore[misc]
            finally:
                self._kit_settle()
            return
        if not self._kit_queue and not self._kit_busy:
            self._kit_idle.set()

    def _kit_settle(self, round_: int = 0) -> None:
        """Hand over the next key once the app and every widget of the screen are idle: each has
        processed what was queued when the round started, and no queue holds anything new (a key
        bubbling up to its binding, a message it caused, a focus change queued on the app). Keys
        arriving meanwhile do not count: they wait their turn."""
        screen = self.screen  # type: ignore[attr-defined]
        nodes = [self, screen, *screen.walk_children()]
        pending = 0

        def settled() -> None:
            nonlocal pending
            pending -= 1
            if pending:
                return
            if round_ < MAX_SETTLE_ROUNDS and self._kit_anything_queued():
                self._kit_settle(round_ + 1)
            else:
                self.call_later(self._kit_next)  # type: ignore[attr-defined]

        for node in nodes:
            if node.call_later(settled):
                pending += 1
        if pending == 0:
            self.call_later(self._kit_next)  # type: ignore[attr-defined]

    def _kit_anything_queued(self) -> bool:
        screen = self.screen  # type: ignore[attr-defined]
        for node in (self, screen, *screen.walk_children()):
            if node._next_callbacks:
                return True
            queue = list(getattr(node._message_queue, "values", ()))  # textual._queue.Queue
            pending = getattr(node, "_pending_message", None)  # peeked by the pump, not yet handled
            if pending is not None:
                queue.append(pending)
            if any(m is not None and (not isinstance(m, events.Key | events.Paste) or m.is_forwarded)
                   for m in queue):
                return True
        return False

    async def _kit_next(self) -> None:
        self._kit_busy = False
        await self._kit_pump()

    async def keys_settled(self) -> None:
        """Wait until every key received so far has been handed over and its effects settled
        (tests synchronise on it)."""
        self._kit_keys_state()
        await self._kit_idle.wait()
