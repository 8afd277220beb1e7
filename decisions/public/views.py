"""The public register: adopted decisions and approved minutes, without login."""

from flask import Blueprint

bp = Blueprint("public", __name__)
