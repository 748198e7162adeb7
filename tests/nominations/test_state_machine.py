"""Random sequences of nominations and decisions never break seats, quotas, parity or the history."""
from collections import Counter
from datetime import date

import sqlalchemy as sa
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test,
)

from academy.db_types import utcnow
from academy.extensions import db
from academy.nominations import operations, rules, submission
from academy.nominations.invitations import take_invitation
from academy.nominations.models import (
    SEATED_STATUSES, Edition, Gender, Nomination, NominationStatus as S, ParityRule,
)
from academy.nominations.operations import NominationRefused, transition

ORGANISATIONS = 2
#: Someone to nominate: (organisation index, gender, age on the first day); 17 and 36 are ineligible.
#: The first organisation nominates twice as many people as the second, so that it meets its quota.
PEOPLE = st.tuples(st.sampled_from([0, 0, 1]), st.sampled_from(Gender),
                   st.sampled_from([17, 18, 22, 25, 28, 30, 35, 36]))
#: (seats, quota per organisation): a quota of 1 or 2 with more seats than one organisation may
#: fill but seldom more than all can, so that both the quota and the seats refuse; or no quota and
#: few seats, so that the seats run out.
SEATS_AND_QUOTA = st.one_of(
    st.sampled_from([1, 1, 2]).flatmap(lambda quota: st.tuples(st.integers(quota + 1, 2 * quota + 1), st.just(quota))),
    st.tuples(st.integers(1, 3), st.none()))
#: Most actions pick a nomination the machine lets move; the rest probe illegal transitions.
MOSTLY_TARGETED = st.sampled_from([True, True, True, False])


def test_random_nomination_histories_keep_every_invariant(app, make):
    #: What the random histories did, to check that they reached the interesting states at all.
    outcomes = Counter()

    class Nominations(RuleBasedStateMachine):
        @initialize(seats_and_quota=SEATS_AND_QUOTA, parity=st.sampled_from(ParityRule),
                    people=st.lists(PEOPLE, min_size=6, max_size=10))
        def set_up(self, seats_and_quota, parity, people):
            seats, quota = seats_and_quota
            self.edition = make.edition(seats=seats, quota_per_organisation=quota, parity_rule=parity)
            self.edition_id, self.seats, self.quota, self.parity = self.edition.id, seats, quota, parity
            self.organisations = [make.organisation() for _ in range(ORGANISATIONS)]
            self.admin = make.admin()
            self.ids: list[int] = []
            self.statuses: dict[int, S] = {}
            #: Withdrawals from a seat of a woman or a man, per organisation: each may widen the gap by one.
            self.parity_slack = Counter()
            for person in people:
                self.nominate(*person)

        def pick(self, index, *, targeted=False, to_status=None, **filters) -> Nomination | None:
            """A nomination by index; ``targeted`` narrows to those the machine lets reach ``to_status``."""
            query = sa.select(Nomination.id).where(Nomination.edition_id == self.edition_id).order_by(Nomination.id)
            if targeted:
                sources = [status for status in S if operations.can_transition(status, to_status)]
                query = query.where(Nomination.status.in_(sources)).filter_by(**filters)
            ids = db.session.scalars(query).all()
            return db.session.get(Nomination, ids[index % len(ids)]) if ids else None

        def attempt(self, action) -> bool:
            try:
                action()
            except NominationRefused as refusal:
                db.session.rollback()
                outcomes[refusal.code] += 1
                return False
            db.session.commit()
            return True

        @rule(person=PEOPLE)
        def nominate_someone(self, person):
            self.nominate(*person)

        def nominate(self, organisation, gender, age):
            starts_on = self.edition.starts_on
            nomination = submission.nominate(
                self.edition, self.organisations[organisation], nominated_by=None,
                given_names="Random", family_name="Nominee", email=f"n{len(self.ids)}-e{self.edition_id}@example.org",
                date_of_birth=date(starts_on.year - age, 1, 1), gender=gender, country="SE",
                languages=["en"], consent_at=utcnow(), consent_version="1")
            db.session.commit()
            self.ids.append(nomination.id)

        def any_can_reach(self, to_status) -> bool:
            sources = [status for status in S if operations.can_transition(status, to_status)]
            return bool(db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(
                Nomination.edition_id == self.edition_id, Nomination.status.in_(sources))))

        @precondition(lambda self: self.any_can_reach(S.SUBMITTED))
        @rule(index=st.integers(0, 1000), targeted=MOSTLY_TARGETED)
        def submit(self, index, targeted):
            nomination = self.pick(index, targeted=targeted, to_status=S.SUBMITTED)
            if nomination is not None:
                self.attempt(lambda: transition(nomination, S.SUBMITTED, actor=self.admin))

        @precondition(lambda self: self.any_can_reach(S.SUBMITTED))
        @rule(first=st.integers(0, 1000), second=st.integers(0, 1000), targeted=MOSTLY_TARGETED)
        def submit_pair(self, first, second, targeted):
            a = self.pick(first, targeted=targeted, to_status=S.SUBMITTED, gender=Gender.WOMAN)
            b = a and self.pick(second, targeted=targeted, to_status=S.SUBMITTED, gender=Gender.MAN,
                                organisation_id=a.organisation_id)
            if a is not None and b is not None and a.id != b.id:
                self.attempt(lambda: submission.submit_pair(a, b, actor=self.admin))

        @precondition(lambda self: self.any_can_reach(S.ACCEPTED))
        @rule(index=st.integers(0, 1000), targeted=MOSTLY_TARGETED)
        def accept(self, index, targeted):
            self.try_to_accept(self.pick(index, targeted=targeted, to_status=S.ACCEPTED))

        @precondition(lambda self: self.any_can_reach(S.ACCEPTED))
        @rule(index=st.integers(0, 1000))
        def accept_in_the_fullest_organisation(self, index):
            """Accept someone of the organisation with the most seats among those with someone to
            accept: where the quota refuses, or the seats run out (random picks alone seldom get there)."""
            candidates = [organisation.id for organisation in self.organisations
                          if self.pick(0, targeted=True, to_status=S.ACCEPTED, organisation_id=organisation.id)]
            if candidates:
                fullest = max(candidates, key=self.seated)
                self.try_to_accept(self.pick(index, targeted=True, to_status=S.ACCEPTED, organisation_id=fullest))

        def try_to_accept(self, nomination):
            if nomination is None:
                return
            before = self.parity_counts(nomination.organisation_id)
            if self.attempt(lambda: transition(nomination, S.ACCEPTED, actor=self.admin, reason="random")):
                outcomes["accepted"] += 1
                after = self.parity_counts(nomination.organisation_id)
                if self.parity is not ParityRule.NONE:
                    gap_before, gap_after = abs(before[0] - before[1]), abs(after[0] - after[1])
                    assert gap_after <= 1 or gap_after < gap_before

        @precondition(lambda self: self.any_can_reach(S.DECLINED))
        @rule(index=st.integers(0, 1000), to_status=st.sampled_from([S.WAITLISTED, S.DECLINED]),
              targeted=MOSTLY_TARGETED)
        def decide(self, index, to_status, targeted):
            nomination = self.pick(index, targeted=targeted, to_status=to_status)
            if nomination is not None:
                self.attempt(lambda: transition(nomination, to_status, actor=self.admin, reason="random"))

        @precondition(lambda self: self.any_can_reach(S.WITHDRAWN))
        @rule(index=st.integers(0, 1000), targeted=MOSTLY_TARGETED)
        def withdraw(self, index, targeted):
            nomination = self.pick(index, targeted=targeted, to_status=S.WITHDRAWN)
            if nomination is None:
                return
            was_seated = nomination.status is S.ACCEPTED
            organisation_id, gender = nomination.organisation_id, nomination.gender
            if self.attempt(lambda: transition(nomination, S.WITHDRAWN, actor=self.admin)):
                outcomes["withdrawn from a seat" if was_seated else "withdrawn"] += 1
                if was_seated and gender in rules.PARITY_GENDERS:
                    self.parity_slack[organisation_id] += 1

        @precondition(lambda self: self.any_can_reach(S.ENROLLED))
        @rule(index=st.integers(0, 1000))
        def take_invitation(self, index):
            nomination = self.pick(index, targeted=True, to_status=S.ENROLLED)
            if nomination is not None:
                # The real path: the link issued on acceptance, taken by the account at that address.
                trainee = make.trainee(email=nomination.email)
                taken = []
                if self.attempt(lambda: taken.append(take_invitation(nomination, trainee))) and taken[0]:
                    outcomes["enrolled"] += 1

        def seated(self, organisation_id) -> int:
            return db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(
                Nomination.edition_id == self.edition_id, Nomination.organisation_id == organisation_id,
                Nomination.status.in_(SEATED_STATUSES)))

        def parity_counts(self, organisation_id):
            rows = db.session.execute(sa.select(Nomination.gender, sa.func.count()).where(
                Nomination.edition_id == self.edition_id, Nomination.organisation_id == organisation_id,
                Nomination.status.in_(SEATED_STATUSES)).group_by(Nomination.gender)).all()
            counts = dict(rows)
            return counts.get(Gender.WOMAN, 0), counts.get(Gender.MAN, 0)

        @invariant()
        def seats_match_seated_nominees(self):
            db.session.expire_all()
            seats_taken = db.session.scalar(sa.select(Edition.seats_taken).where(Edition.id == self.edition_id))
            seated = db.session.scalar(sa.select(sa.func.count(Nomination.id)).where(
                Nomination.edition_id == self.edition_id, Nomination.status.in_(SEATED_STATUSES)))
            assert seats_taken == seated <= self.seats

        @invariant()
        def quotas_and_parity_hold_per_organisation(self):
            for organisation in self.organisations:
                women, men = self.parity_counts(organisation.id)
                seated = self.seated(organisation.id)
                if self.quota is not None:
                    assert seated <= self.quota
                if self.parity is not ParityRule.NONE:
                    assert abs(women - men) <= 1 + self.parity_slack[organisation.id]

        @invariant()
        def no_nomination_is_lost_and_every_change_follows_the_machine(self):
            rows = dict(db.session.execute(sa.select(Nomination.id, Nomination.status).where(
                Nomination.edition_id == self.edition_id)).all())
            assert sorted(rows) == sorted(self.ids)
            for nomination_id, status in rows.items():
                previous = self.statuses.get(nomination_id, S.DRAFT)
                assert status is previous or operations.can_transition(previous, status)
            self.statuses = rows

    run_state_machine_as_test(Nominations, settings=settings(
        max_examples=30, stateful_step_count=50, deadline=None, derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]))
    for outcome in ("accepted", "withdrawn from a seat", "enrolled", operations.SEATS_FULL,
                    operations.QUOTA_REACHED, operations.NOT_ELIGIBLE, operations.ILLEGAL_TRANSITION):
        assert outcomes[outcome] > 0, outcome
