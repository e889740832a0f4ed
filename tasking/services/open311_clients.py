"""Keys for Open311 reporting tools: issued by an admin, stored only as a hash, revocable."""

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.domain.errors import Conflict, NotFound
from tasking.domain.principal import Principal
from tasking.models import Open311Client
from tasking.services import audit

KEY_PREFIX = "o311"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_client(session: Session, actor: Principal | None, *, name: str, now: datetime) -> tuple[Open311Client, str]:
    if session.scalar(select(Open311Client.id).where(Open311Client.name == name)) is not None:
        raise Conflict(f"An Open311 client called {name} already exists.")
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"
    client = Open311Client(name=name, key_prefix=prefix, key_hash=_digest(key), created_at=now)
    session.add(client)
    session.flush()
    audit.record(
        session,
        actor,
        "open311_client.created",
        "open311_client",
        client.id,
        now=now,
        after={"name": name, "key_prefix": prefix},
    )
    session.flush()
    return client, key


def revoke_client(session: Session, actor: Principal | None, prefix: str, *, now: datetime) -> Open311Client:
    client = session.scalar(select(Open311Client).where(Open311Client.key_prefix == prefix))
    if client is None:
        raise NotFound(f"No Open311 client with key prefix {prefix}.")
    if client.revoked_at is None:
        client.revoked_at = now
        audit.record(
            session,
            actor,
            "open311_client.revoked",
            "open311_client",
            client.id,
            now=now,
            after={"revoked_at": now.isoformat()},
        )
    session.flush()
    return client


def client_for_key(session: Session, key: str | None, *, now: datetime) -> Open311Client | None:
    if not key or not key.startswith(f"{KEY_PREFIX}_"):
        return None
    client = session.scalar(select(Open311Client).where(Open311Client.key_hash == _digest(key)))
    if client is None or client.revoked_at is not None:
        return None
    return client
