"""Counsellors' interview records."""

from flask import Blueprint

bp = Blueprint("interviews", __name__, url_prefix="/entretiens")
