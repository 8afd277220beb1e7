"""Group, meeting, agenda and minutes pages."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)
