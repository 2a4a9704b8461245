"""A limit on failed logins per client address: too many in a minute, and the client waits.

Tokens are 256-bit random, so guessing one is hopeless anyway; the limit keeps a
misconfigured client or a scanner from filling the audit trail and the logs.
Once a client has failed ``limit`` times within ``window`` seconds, every
request of theirs that carries or lacks a token is answered 429 with
``Retry-After`` (seconds until their oldest failure leaves the window), before
any token is checked, so a good token cannot be found by trying either. The
count lives in the server process: with ``serve --workers N`` a client may fail
up to N × ``limit`` times a window.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

#: Failed logins a client may have in one window.
FAILED_LOGIN_LIMIT = 10
#: The window, in seconds.
FAILED_LOGIN_WINDOW = 60.0
#: Client addresses tracked at once (the least recently failing are forgotten first).
MAX_CLIENTS = 100_000


@dataclass
class FailedLogins:
    """Failed logins per client address, in a sliding window."""

    limit: int = FAILED_LOGIN_LIMIT
    window: float = FAILED_LOGIN_WINDOW
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str, now: float | None = None) -> int | None:
        """Seconds ``client`` must wait before trying again, or ``None`` if they may try now."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.get(client)
            if failures is None:
                return None
            while failures and failures[0] <= now - self.window:
                failures.popleft()
            if not failures:
                del self._failures[client]
                return None
            if len(failures) < self.limit:
                return None
            return max(1, math.ceil(failures[-self.limit] + self.window - now))

    def failed(self, client: str, now: float | None = None) -> None:
        """Count a failed login of ``client``."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.pop(client, None) or deque(maxlen=self.limit)
            failures.append(now)
            self._failures[client] = failures  # re-inserted: the dict is oldest-first
            if len(self._failures) > MAX_CLIENTS:
                del self._failures[next(iter(self._failures))]
