"""Reports: scheduled and on-demand files, their runs, downloads."""

from flask import Blueprint

bp = Blueprint("reporting", __name__, url_prefix="/rapports")
