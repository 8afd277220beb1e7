"""The server's process entry (wsgi.py, what gunicorn and `flask run` load): what it
makes at start is left out of the cyclic garbage collector's walks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = ("import gc, wsgi; "
         "print(gc.get_freeze_count(), len(gc.get_objects()), gc.get_threshold()[0])")


def test_the_server_process_leaves_what_it_made_at_start_out_of_the_collectors_walks(tmp_path):
    env = {**os.environ, "SAMRAAD_CONFIG": "test", "PYTHONPATH": str(ROOT),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite'}"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=True)
    frozen, walked, young_threshold = map(int, done.stdout.split())
    # The app, its modules and mappers (some 190 000 objects) are frozen; a collection
    # walks only what was made since.
    assert frozen > 100_000
    assert walked < frozen / 10
    # A young collection waits for 10 000 new objects, not Python's 700.
    assert young_threshold == 10_000
