"""The checks behind nomination decisions, as pure functions of plain values.

``operations`` gathers the values from the database (under the seat lock where it matters) and
asks these functions; the forms and the coordinator's dashboard can ask them too, to show quota
use and parity status before anyone presses a button.

Semantics (decided for issue 4):

* **Window**: nominations are submitted while ``open_at <= now < close_at`` and the edition is open.
* **Eligibility**: age on the edition's first day within ``[min_age, max_age]``; the required
  language among the nominee's languages; the organisation active and allowed. The region and
  organisation allow-lists combine as a union: an organisation is allowed when its region is
  listed *or* it is listed itself; both empty means everyone.
* **Quota**: limits how many nominees of one organisation hold a seat (accepted or enrolled);
  it is enforced at acceptance, never at submission, so an organisation may propose more people
  than its quota and let the admins choose.
* **Parity** (``balanced`` and ``pairs``): among an organisation's seated women and men, an
  acceptance is allowed when afterwards the two numbers differ by at most one, or when it
  narrows the gap (a withdrawal may have widened it beyond one; that must not lock the
  organisation out). ``pairs`` applies the same check at acceptance and in addition requires
  women and men to be submitted together, one woman and one man (``submission.submit_pair``).
  Nominees of another or undisclosed gender are never counted for parity nor blocked by it.
"""
from __future__ import annotations

from datetime import date, datetime

from .models import EditionStatus, Gender, ParityRule

#: Genders that parity counts; the others are never blocked by it.
PARITY_GENDERS = (Gender.WOMAN, Gender.MAN)


def window_is_open(status: EditionStatus, open_at: datetime, close_at: datetime, now: datetime) -> bool:
    """Whether nominations may be submitted at ``now``."""
    return status is EditionStatus.OPEN and open_at <= now < close_at


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day`` (someone born on 29 February turns a year older on 1 March)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


def age_allowed(date_of_birth: date, starts_on: date, min_age: int, max_age: int) -> bool:
    """Whether the nominee's age on the edition's first day is within the range (inclusive)."""
    return min_age <= age_on(date_of_birth, starts_on) <= max_age


def language_allowed(required_language: str | None, languages) -> bool:
    """Whether the nominee speaks the edition's required language (always, when none is required)."""
    if not required_language:
        return True
    return required_language.lower() in {str(code).lower() for code in languages or ()}


def organisation_allowed(organisation_id: int, region_id: int, allowed_organisation_ids,
                         allowed_region_ids) -> bool:
    """Whether the allow-lists admit the organisation (empty lists admit everyone)."""
    allowed_organisation_ids = set(allowed_organisation_ids)
    allowed_region_ids = set(allowed_region_ids)
    if not allowed_organisation_ids and not allowed_region_ids:
        return True
    return organisation_id in allowed_organisation_ids or region_id in allowed_region_ids


def quota_allows(quota: int | None, seated: int) -> bool:
    """Whether an organisation with ``seated`` accepted or enrolled nominees may have one more."""
    return quota is None or seated < quota


def parity_gap(women: int, men: int) -> int:
    return abs(women - men)


def parity_allows(rule: ParityRule, women: int, men: int, gender: Gender) -> bool:
    """Whether seating one more nominee of ``gender`` keeps (or moves towards) the parity rule.

    ``women`` and ``men`` are the organisation's seated women and men before the acceptance.
    """
    if rule is ParityRule.NONE or gender not in PARITY_GENDERS:
        return True
    after_women = women + (gender is Gender.WOMAN)
    after_men = men + (gender is Gender.MAN)
    after = parity_gap(after_women, after_men)
    return after <= 1 or after < parity_gap(women, men)


def is_pair(first: Gender, second: Gender) -> bool:
    """Whether two nominees form a pair under the ``pairs`` rule: one woman and one man."""
    return {first, second} == {Gender.WOMAN, Gender.MAN}
