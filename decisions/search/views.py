"""Search over agendas, minutes and decisions for signed-in users."""

from flask import Blueprint

bp = Blueprint("search", __name__)
