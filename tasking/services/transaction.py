"""One transaction per use case: the change and its audit events commit together, or neither does."""
from contextlib import contextmanager

from sqlalchemy.orm import Session


@contextmanager
def atomic(session: Session):
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
