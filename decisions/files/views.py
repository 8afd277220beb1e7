"""Uploading and downloading attachments."""

from flask import Blueprint

bp = Blueprint("files", __name__)
