"""Privacy by design: the personal-data guard for free text, small-cell suppression for tables."""

from app.privacy.guard import Finding, PersonalDataFound, check_text, ensure_clean

__all__ = ["Finding", "PersonalDataFound", "check_text", "ensure_clean"]
