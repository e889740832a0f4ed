"""Synthetic tasking data at any size, drawn in batches with NumPy (memory flat in N), written with
each database's fast path: COPY on PostgreSQL, batched inserts on SQLite (tasking/services/generator.py).

    python -m bench.generate --cases 1000000          # or: flask tasking generate --cases N

Cases spread over every area, ward, category and level with a plausible mix of states and ages,
with their tasks, notes, audit events, reviews, review schedules, quick-win spends, cost-avoided
claims and running clocks. Each batch commits on its own, like the `flask tasking generate` command,
except a large load on PostgreSQL: one transaction that drops the loaded tables' secondary indexes and
foreign keys, copies the rows in, builds the indexes and adds the keys back NOT VALID (a failure in it
leaves the database as it was), then each key checked in a transaction of its own, two at a time."""

import argparse
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timezone

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tasking.domain.policy import Policy
from tasking.services import generator


class Progress:
    def __init__(self, total: int, label: str):
        self.total, self.label, self.start, self.done = total, label, time.monotonic(), 0

    def advance(self, count: int) -> None:
        self.done += count
        rate = self.done / max(time.monotonic() - self.start, 1e-9)
        filled = int(30 * self.done / max(self.total, 1))
        sys.stderr.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {self.done:,}/{self.total:,} ({rate:,.0f}/s)"
        )
        sys.stderr.flush()
        if self.done >= self.total:
            sys.stderr.write("\n")


def generate(
    engine: Engine, cases: int, *, seed: int = 2011, now: datetime | None = None, progress: bool = True
) -> dict:
    """Add `cases` synthetic cases with everything that hangs off them; returns counts and speed."""
    bar = Progress(cases, "cases") if progress else None
    with Session(engine) as session:

        @contextmanager
        def unit():
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

        started = time.monotonic()
        counts = generator.generate(
            session,
            units=unit,
            check_units=engine.begin,
            cases=cases,
            seed=seed,
            now=now or datetime.now(timezone.utc),
            policy=Policy(),
            progress=bar.advance if bar else None,
        )
        elapsed = time.monotonic() - started
    return {**counts, "seconds": round(elapsed, 1), "cases_per_second": round(cases / max(elapsed, 1e-9))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2011)
    args = parser.parse_args()
    from tasking import create_app
    from tasking.extensions import db

    app = create_app()
    with app.app_context():
        print(generate(db.engine, args.cases, seed=args.seed))


if __name__ == "__main__":
    main()
