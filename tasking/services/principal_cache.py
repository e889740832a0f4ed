"""Each worker's short memory of who a bearer token belongs to.

Looking a token up costs several statements, and an API client sends the same token many times a
second. For a few seconds (TOKEN_CACHE_SECONDS) after a successful check, this worker trusts what it
read, so a request runs no SQL to authenticate. That is the revocation bound (docs/security.md,
"Token cache and revocation bound"): a token revoked, or a user deactivated, by another process stops
working here once the entry ages past it. A token's expiry is carried with the entry and refused at
its time, not the bound's. Revocation and deactivation in this process evict at once (and again when
their transaction commits, so a request that read the old rows meanwhile cannot put them back).

Only accepted tokens are remembered: a refusal always goes to the database, to be audited.
"""

import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from tasking.domain.principal import Principal

DEFAULT_SECONDS = 5
# A few thousand live tokens per worker is far beyond the council's clients; an entry is a few hundred
# bytes, so the worst case stays around a megabyte.
DEFAULT_MAX_ENTRIES = 4096


def monotonic() -> float:
    """The clock the bound is measured on; tests replace it to step past the bound without sleeping."""
    return time.monotonic()


@dataclass(slots=True)
class CachedToken:
    principal: Principal
    token_id: int
    prefix: str
    expires_at: datetime | None
    # When this worker last knew last_used_at was written; decides when to try writing it again.
    last_used_at: datetime | None
    loaded_at: float


class PrincipalCache:
    """An LRU of accepted tokens by digest, each entry trusted for `seconds`. Thread-safe."""

    def __init__(self, seconds: float = DEFAULT_SECONDS, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, CachedToken] = OrderedDict()
        self._lock = threading.Lock()
        # Bumped by every eviction: a lookup that started before one must not store what it read.
        self._generation = 0
        _caches.add(self)

    @property
    def enabled(self) -> bool:
        return self.seconds > 0

    @property
    def generation(self) -> int:
        return self._generation

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: str, *, now: datetime) -> CachedToken | None:
        """The entry for a token still within the bound and not expired at `now`, or None."""
        with self._lock:
            entry = self._entries.get(digest)
            if entry is None:
                return None
            if monotonic() - entry.loaded_at >= self.seconds or (
                entry.expires_at is not None and entry.expires_at <= now
            ):
                del self._entries[digest]
                return None
            self._entries.move_to_end(digest)
            return entry

    def put(
        self,
        digest: str,
        *,
        principal: Principal,
        token_id: int,
        prefix: str,
        expires_at: datetime | None,
        last_used_at: datetime | None,
        generation: int,
    ) -> None:
        """Remember an accepted token, unless an eviction happened since `generation` was read."""
        if not self.enabled:
            return
        entry = CachedToken(principal, token_id, prefix, expires_at, last_used_at, monotonic())
        with self._lock:
            if generation != self._generation:
                return
            self._entries[digest] = entry
            self._entries.move_to_end(digest)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def claim_use(self, entry: CachedToken, now: datetime, granularity: timedelta) -> bool:
        """True for the one request of this worker that should try to record the token's use now
        (its last known write is `granularity` old or older); the others of that minute get False."""
        with self._lock:
            if entry.last_used_at is not None and now - entry.last_used_at < granularity:
                return False
            entry.last_used_at = now
            return True

    def evict(self, *, token_id: int | None = None, user_id: int | None = None) -> None:
        with self._lock:
            self._generation += 1
            gone = [
                digest
                for digest, entry in self._entries.items()
                if entry.token_id == token_id or entry.principal.user_id == user_id
            ]
            for digest in gone:
                del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


# Every cache of this process (one per app), so that a service revoking a token reaches them all.
_caches: "weakref.WeakSet[PrincipalCache]" = weakref.WeakSet()
_PENDING = "principal_cache_evictions"


def evict(session: Session, *, token_id: int | None = None, user_id: int | None = None) -> None:
    """Forget a token (or every token of a user) in this process now, and again once `session`
    commits: a request that read the rows before the change cannot leave them cached."""
    _evict_everywhere(token_id, user_id)
    session.info.setdefault(_PENDING, []).append((token_id, user_id))


def clear_all() -> None:
    for cache in list(_caches):
        cache.clear()


def _evict_everywhere(token_id: int | None, user_id: int | None) -> None:
    for cache in list(_caches):
        cache.evict(token_id=token_id, user_id=user_id)


@event.listens_for(Session, "after_commit")
def _evict_committed(session: Session) -> None:
    for token_id, user_id in session.info.pop(_PENDING, ()):
        _evict_everywhere(token_id, user_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_PENDING, None)
