"""The garbage collector, set for a long-lived process (a gunicorn worker, the scheduler).

After start-up the heap holds the app, its templates and routes, SQLAlchemy's mappers and statement
caches: hundreds of thousands of objects that live as long as the process. CPython's collector walks
all of them on each full collection, and with its default thresholds (700, 10, 10) a request that
loads a few hundred rows starts one every few requests: about 4 ms each on the case page, and most
of the gap between median and p99 (issue 22, bench/RESULTS.md). Frozen, they are left out of every
collection; the larger first threshold lets a request's short-lived rows die young without a
collection at all. Garbage from importing is collected first, so that nothing dead is frozen."""

import gc

THRESHOLDS = (10_000, 20, 100)


def settle() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
