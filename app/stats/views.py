"""The live floor board and the director's dashboard."""

from flask import Blueprint

bp = Blueprint("stats", __name__, url_prefix="/statistiques")
