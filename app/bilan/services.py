"""The bilan's foreword (screened by the personal-data guard) and its files."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.bilan import data as bilan_data
from app.bilan import render
from app.extensions import db
from app.models import BilanForeword, Partner, Pole, Site, Theme
from app.models.bilan import NETWORK
from app.privacy.guard import PersonalDataFound, ensure_clean
from app.privacy.messages import refusal_message
from app import reference
from app.timeutil import utcnow

FOREWORD_MAX = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ForewordRefused(ValueError):
    """The foreword cannot be saved; field names it and the message says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def scope_of(site_code: str | None) -> str:
    """Return the scope key a foreword is stored under: the site code, or the network."""
    return site_code or NETWORK


def foreword(year: int, site_code: str | None) -> str:
    """Return the foreword of the year's bilan ("" when none was written)."""
    text = db.session.scalar(sa.select(BilanForeword.text).where(
        BilanForeword.year == year, BilanForeword.scope == scope_of(site_code)))
    return text or ""


def _allowlist() -> tuple[str, ...]:
    # Partners' own contacts and the names of partners, sites, poles and themes are not a
    # visitor's personal data, though the name model may tag some of them as persons.
    partners = reference.every(Partner)
    contacts = [str(c) for p in partners for c in (getattr(p, "public_contacts", None) or []) if c]
    names = [text for model in (Partner, Site, Pole, Theme) for row in reference.every(model)
             for text in (row.label_fr, getattr(row, "label_en", None), getattr(row, "city", None))
             if text]
    return tuple(dict.fromkeys(contacts + names))


def save_foreword(year: int, site_code: str | None, text: str, user_id: int | None) -> str:
    """Screen and store the foreword; raise ForewordRefused naming what is wrong."""
    text = _CONTROL.sub(" ", (text or "").replace("\r\n", "\n")).strip()
    if len(text) > FOREWORD_MAX:
        raise ForewordRefused("text", _("%(max)d caractères au plus (%(n)d saisis)",
                                        max=FOREWORD_MAX, n=len(text)))
    try:
        ensure_clean(text, allow=_allowlist())
    except PersonalDataFound as found:
        raise ForewordRefused("text", refusal_message(found.findings)) from None
    scope = scope_of(site_code)
    row = db.session.scalar(sa.select(BilanForeword).where(
        BilanForeword.year == year, BilanForeword.scope == scope))
    if row is None:
        row = BilanForeword(year=year, scope=scope)
        db.session.add(row)
    row.text, row.updated_at, row.updated_by_id = text, utcnow(), user_id
    db.session.commit()
    return text


def gather(year: int, site_code: str | None, edition: str, **options) -> dict:
    """Return the bilan's data with its foreword."""
    return bilan_data.gather(year, site_code, edition, foreword=foreword(year, site_code),
                             **options)


_RECENT: dict[tuple, tuple[float, dict]] = {}
RECENT_MAX = 8


def recent(year: int, site_code: str | None, edition: str) -> dict:
    """Return the bilan's data, read again at most once a minute per process.

    The page's charts are fetched one by one beside it: each would otherwise read every
    figure of the year again.
    """
    key = (year, site_code, edition)
    now = time.monotonic()
    hit = _RECENT.get(key)
    if hit is not None and now - hit[0] < current_app.config.get("BILAN_CACHE_SECONDS", 60):
        return {**hit[1], "foreword": foreword(year, site_code)}
    data = gather(year, site_code, edition)
    if len(_RECENT) >= RECENT_MAX:
        _RECENT.pop(min(_RECENT, key=lambda k: _RECENT[k][0]))
    _RECENT[key] = (now, data)
    return data


def file_stem(year: int, site_code: str | None, edition: str) -> str:
    """Name the bilan's files like the annual workbook's, with "bilan" in front."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", site_code or NETWORK).strip("-") or "x"
    return f"bilan_{year}_{safe}_{edition}"


def write_pdf(year: int, site_code: str | None, edition: str, out_dir: Path) -> Path:
    """Compile the bilan's PDF into out_dir; return its path."""
    data = gather(year, site_code, edition)
    return render.write_pdf(data, Path(out_dir) / f"{file_stem(year, site_code, edition)}.pdf")


def write_static(year: int, site_code: str | None, edition: str, out_dir: Path) -> list[Path]:
    """Write the static folder (index.html, assets, PDF) and a zip of it; return both."""
    data = gather(year, site_code, edition)
    stem = file_stem(year, site_code, edition)
    folder = Path(out_dir) / stem
    render.write_static(data, folder, f"{stem}.pdf")
    archive = shutil.make_archive(str(Path(out_dir) / stem), "zip", root_dir=out_dir,
                                  base_dir=stem)
    return [folder, Path(archive)]
