"""Calendar files: one per meeting and a personal subscription feed."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
