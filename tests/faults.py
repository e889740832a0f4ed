"""Ways to make the database fail on purpose: a statement that fails mid-request, and a TCP relay in
front of PostgreSQL that can be cut and restored, as a network or a server restart would."""

import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.exc import OperationalError


@contextmanager
def failing_statement(engine, fragment: str):
    """Every statement containing `fragment` fails as if the connection had just been lost."""

    def fail(_conn, _cursor, statement, parameters, _context, _executemany):
        if fragment in statement:
            raise OperationalError(
                statement, parameters, ConnectionResetError("injected: server closed the connection")
            )

    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


class Relay:
    """Forwards 127.0.0.1:<port> to the database server until cut(); restore() listens again on the
    same port, so the app's URL never changes."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self._listener = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and drop every open one."""
        # On Linux, close() alone leaves a socket blocked in accept() listening; shutdown() stops it.
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            for sock in self._open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self._open.clear()

    def _accept(self, listener) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


def _is_write(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))


def _injected(statement, parameters=None):
    return OperationalError(statement, parameters, ConnectionResetError("injected: server closed the connection"))


@dataclass
class LastWriteFailure:
    writes: list[str]  # every write statement the use case sent, in order
    commits: int  # how many times it committed (one use case, one commit)
    response: object  # the response when its last write failed


def failing_last_write(engine, make_request) -> LastWriteFailure:
    """Make the request twice. First as a rehearsal: every COMMIT it asks for quietly rolls back
    instead, so nothing is kept, and its writes and commits are counted, however many commits it
    makes. Then for real, failing exactly its last write statement."""
    writes: list[str] = []
    commits = 0

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        if _is_write(statement):
            writes.append(statement)

    def undo_instead(conn):
        nonlocal commits
        commits += 1
        conn.connection.dbapi_connection.rollback()  # the COMMIT that follows has nothing left to keep

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "commit", undo_instead)
    try:
        rehearsal = make_request()
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "commit", undo_instead)
    assert rehearsal.status_code < 400, f"the rehearsal itself failed: {rehearsal.status_code}"
    assert writes, "the use case wrote nothing, so there is no last write to fail"
    seen = 0

    def fail_last(_conn, _cursor, statement, parameters, _context, _executemany):
        nonlocal seen
        if _is_write(statement):
            seen += 1
            if seen == len(writes):
                raise _injected(statement, parameters)

    event.listen(engine, "before_cursor_execute", fail_last)
    try:
        response = make_request()
    finally:
        event.remove(engine, "before_cursor_execute", fail_last)
    assert seen == len(writes), f"the second attempt sent {seen} writes, the rehearsal {len(writes)}"
    return LastWriteFailure(writes, commits, response)
