"""The WSGI entry point: `gunicorn wsgi:app`."""

import gc

from decisions import create_app

app = create_app()

# A server process keeps what it made at start (modules, the models' mappers, routes,
# translations) until it ends: the cyclic garbage collector need not walk it again and
# again. Frozen, a full collection walks a request's leftovers instead of some 220 000
# objects (90 ms, every few hundred requests of a worker). A request's own objects are
# freed by their reference counts, so a young collection every 700 allocations found
# almost nothing; every 10 000 leaves the collector 0.2-0.9 ms a page less to do
# (docs/benchmarks-profile.md). Tests make apps with create_app, never through here.
gc.collect()
gc.freeze()
gc.set_threshold(10_000, 10, 10)
