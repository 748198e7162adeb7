"""The pure checks behind nomination decisions."""
from datetime import date, datetime, timedelta, timezone

import pytest

from academy.nominations import rules
from academy.nominations.models import EditionStatus, Gender, ParityRule

NOW = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)


def test_window_is_open_from_opening_inclusive_to_closing_exclusive():
    open_at, close_at = NOW - timedelta(days=1), NOW + timedelta(days=1)
    assert rules.window_is_open(EditionStatus.OPEN, open_at, close_at, open_at)
    assert not rules.window_is_open(EditionStatus.OPEN, open_at, close_at, close_at)
    assert not rules.window_is_open(EditionStatus.OPEN, open_at, close_at, open_at - timedelta(seconds=1))
    assert not rules.window_is_open(EditionStatus.DRAFT, open_at, close_at, NOW)
    assert not rules.window_is_open(EditionStatus.CLOSED, open_at, close_at, NOW)


def test_age_counts_whole_years_on_the_first_day():
    assert rules.age_on(date(2000, 6, 15), date(2026, 6, 14)) == 25
    assert rules.age_on(date(2000, 6, 15), date(2026, 6, 15)) == 26
    assert rules.age_on(date(2004, 2, 29), date(2026, 2, 28)) == 21
    assert rules.age_on(date(2004, 2, 29), date(2026, 3, 1)) == 22


@pytest.mark.parametrize("born, allowed", [(date(2008, 6, 1), True), (date(2008, 6, 2), False),
                                           (date(1990, 6, 2), True), (date(1990, 6, 1), False)])
def test_age_range_is_inclusive(born, allowed):
    assert rules.age_allowed(born, date(2026, 6, 1), 18, 35) is allowed


def test_required_language_ignores_case_and_is_optional():
    assert rules.language_allowed(None, [])
    assert rules.language_allowed("fr", ["EN", "Fr"])
    assert not rules.language_allowed("ar", ["en", "fr"])


def test_allow_lists_combine_as_a_union_and_empty_admits_everyone():
    assert rules.organisation_allowed(1, 10, [], [])
    assert rules.organisation_allowed(1, 10, [1], [])
    assert rules.organisation_allowed(1, 10, [], [10])
    assert rules.organisation_allowed(1, 10, [2], [10])
    assert not rules.organisation_allowed(1, 10, [2], [11])


def test_quota_counts_seated_nominees():
    assert rules.quota_allows(None, 100)
    assert rules.quota_allows(2, 1)
    assert not rules.quota_allows(2, 2)


@pytest.mark.parametrize("rule", [ParityRule.BALANCED, ParityRule.PAIRS])
def test_parity_allows_a_gap_of_one_and_moves_towards_balance(rule):
    assert rules.parity_allows(rule, 0, 0, Gender.MAN)
    assert not rules.parity_allows(rule, 0, 1, Gender.MAN)
    assert rules.parity_allows(rule, 0, 1, Gender.WOMAN)
    # After withdrawals the gap may exceed one: only the under-represented gender may be seated.
    assert rules.parity_allows(rule, 0, 3, Gender.WOMAN)
    assert not rules.parity_allows(rule, 0, 3, Gender.MAN)


def test_parity_never_blocks_other_or_undisclosed_genders_nor_editions_without_a_rule():
    assert rules.parity_allows(ParityRule.BALANCED, 0, 5, Gender.OTHER)
    assert rules.parity_allows(ParityRule.PAIRS, 5, 0, Gender.UNDISCLOSED)
    assert rules.parity_allows(ParityRule.NONE, 0, 5, Gender.MAN)


def test_a_pair_is_one_woman_and_one_man():
    assert rules.is_pair(Gender.MAN, Gender.WOMAN)
    assert not rules.is_pair(Gender.WOMAN, Gender.WOMAN)
    assert not rules.is_pair(Gender.WOMAN, Gender.OTHER)
