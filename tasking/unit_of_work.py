"""The unit of work: one per request, CLI command or scheduler batch, committed once at its end.

Services only add and flush (docs/README.md, "One use case, one transaction"); the delivery layer
decides when the work is done. A request's unit commits when its response succeeds and is rolled
back when it is refused or fails, so a 4xx or 5xx never leaves half a use case behind. The one
exception is a refusal that must itself be remembered (a refused token, a failed sign-in): the view
calls `keep_refusal()` before anything else is written.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g
from sqlalchemy.orm import Session

from tasking.extensions import db

_KEEP = "_unit_keeps_refusal"


@contextmanager
def unit_of_work(session: Session | None = None) -> Iterator[Session]:
    """Commit once when the block ends normally; roll back everything when it raises."""
    session = session if session is not None else db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def keep_refusal() -> None:
    """The request will be refused, and what it wrote so far is the record of that refusal."""
    setattr(g, _KEEP, True)


def discard() -> None:
    """Undo what a refused action wrote before the page is shown again with the refusal on it."""
    db.session.rollback()


class TaskingFlask(Flask):
    """Flask whose every request is one unit of work (see the module docstring)."""

    def handle_user_exception(self, e):
        # Undone before the error is shown: the page showing it may read the database again.
        if not g.get(_KEEP, False):
            db.session.rollback()
        return super().handle_user_exception(e)

    def full_dispatch_request(self):
        response = super().full_dispatch_request()
        session = db.session
        if response.status_code >= 400 and not g.get(_KEEP, False):
            session.rollback()
            return response
        try:
            session.commit()
        except Exception as error:  # the last write failed: the whole use case is undone
            session.rollback()
            return self.finalize_request(self.handle_user_exception(error), from_error_handler=True)
        return response
