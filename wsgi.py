"""The WSGI entry point: `gunicorn wsgi:app`."""

from decisions import create_app

app = create_app()
