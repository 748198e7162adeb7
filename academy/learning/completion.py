"""Completing a module: the rule, the one-time completion and the hooks other features subscribe to.

``evaluate_completion(enrolment)`` is called after every change to one of the rule's inputs:
a lesson marked complete, a quiz attempt submitted (both in this package) and attendance recorded
(the live-sessions feature calls it). Changes that concern every trainee of a module — its rule
edited, a lesson deleted, a session cancelled, the module re-imported — call
``evaluate_module_completions(module)``, which evaluates each of its active enrolments the same
way. An enrolment completes at most once, however often and however concurrently it is evaluated.

Other features react to a completion by subscribing a callback::

    from academy.learning.completion import on_enrolment_completed

    @on_enrolment_completed
    def issue_certificate(enrolment):
        ...

Callbacks run inside the transaction that completed the enrolment, exactly once per
enrolment: they may add rows and flush (a certificate is then written together with the
completion, or not at all) but must not commit. An exception in a callback propagates and the
caller's transaction is rolled back with the completion. Register callbacks at import time of
the subscribing feature (every worker imports the same code, so every worker has them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.models import User
from ..audit.operations import record
from ..curriculum.models import Module, ModuleStatus, module_trainers
from ..db_types import utcnow
from ..extensions import db
from ..outbox.operations import queue_mail
from .models import Enrolment, EnrolmentStatus
from .progress import Progress, progress_for

CompletionCallback = Callable[[Enrolment], None]

_callbacks: list[CompletionCallback] = []


def on_enrolment_completed(callback: CompletionCallback) -> CompletionCallback:
    """Call ``callback(enrolment)`` once whenever an enrolment completes (usable as a decorator)."""
    if callback not in _callbacks:
        _callbacks.append(callback)
    return callback


def remove_completion_callback(callback: CompletionCallback) -> None:
    """Stop calling ``callback`` (tests, and features switched off)."""
    if callback in _callbacks:
        _callbacks.remove(callback)


def notify_completed(enrolment: Enrolment) -> None:
    """Call every subscribed callback with ``enrolment``, in the order they subscribed."""
    for callback in list(_callbacks):
        callback(enrolment)


@dataclass(frozen=True)
class RuleCheck:
    """Which parts of a module's completion rule an enrolment meets."""

    lessons: bool
    quiz: bool
    attendance: bool

    @property
    def met(self) -> bool:
        return self.lessons and self.quiz and self.attendance


def check_rule(module: Module, progress: Progress) -> RuleCheck:
    """Measure ``progress`` against ``module``'s completion rule.

    The quiz counts only when the module has one. Attendance is measured against every session
    that counts for the enrolment, held or not yet (``Progress.sessions_total``): a 100 % rule is
    met only once all of them have been held and attended, a 50 % rule of four sessions once two
    were attended. It is met outright only when no session counts at all.
    """
    lessons = not module.requires_all_lessons or progress.all_lessons_done
    quiz = not (module.requires_quiz and progress.has_quiz) or progress.quiz_passed
    attendance = (
        module.attendance_percent <= 0
        or progress.sessions_total == 0
        # Integers on both sides: 2 of 3 sessions is 66.67 %, which must not meet 67 %.
        or progress.sessions_attended * 100 >= module.attendance_percent * progress.sessions_total
    )
    return RuleCheck(lessons=lessons, quiz=quiz, attendance=attendance)


def taught_by_its_trainee():
    """Whether an enrolment's trainee is a trainer of its module (an SQL condition on
    ``Enrolment``). A trainer sets the module's rule and takes its attendance: their own
    enrolment in it (an admin enrolled them, or they were made a trainer later) never completes,
    and nobody takes attendance for it, so they cannot certify themselves."""
    return sa.exists().where(module_trainers.c.module_id == Enrolment.module_id,
                             module_trainers.c.user_id == Enrolment.user_id)


def evaluate_completion(enrolment: Enrolment, *, actor: User | None = None,
                        now: datetime | None = None, module: Module | None = None,
                        progress: Progress | None = None) -> bool:
    """Complete ``enrolment`` if its module's rule is met, the module is not a draft and the
    trainee does not teach it; True only for the call that completed it.

    The completion is one conditional UPDATE (``… WHERE completed_at IS NULL``): of two
    concurrent calls only one changes a row, and only that one audits, e-mails and notifies.
    ``module`` and ``progress`` may be given when the caller has already read them (as
    ``evaluate_module_completions`` does for many enrolments at once). Flushes, does not commit.
    """
    if enrolment.completed_at is not None or enrolment.status is not EnrolmentStatus.ACTIVE:
        return False
    now = now or utcnow()
    if module is None or module.id != enrolment.module_id:
        module = db.session.get(Module, enrolment.module_id)
    if module is None or module.status is ModuleStatus.DRAFT:
        # Trainees do not see a draft module: no completion mail linking to a page that answers
        # 404, no certificate for it. Publishing it evaluates its enrolments again.
        return False
    if progress is None:
        # The enrolment's row is locked first (PostgreSQL; SQLite already serialises writers):
        # two requests changing two inputs of the rule at once (the last lesson, the quiz) take
        # turns here, and the second reads what the first committed. Otherwise each would see
        # only its own change, and neither would complete the enrolment. The same statement
        # tells whether the trainee teaches the module.
        teaches = db.session.execute(
            sa.select(taught_by_its_trainee()).where(Enrolment.id == enrolment.id).with_for_update(of=Enrolment)
        ).scalar()
        if teaches:
            return False
        progress = progress_for([enrolment.id], now=now).get(enrolment.id)
    if progress is None or not check_rule(module, progress).met:
        return False
    completed = db.session.execute(
        sa.update(Enrolment)
        .where(Enrolment.id == enrolment.id, Enrolment.completed_at.is_(None),
               Enrolment.status == EnrolmentStatus.ACTIVE)
        .values(status=EnrolmentStatus.COMPLETED, completed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if completed != 1:
        return False
    # The row changed behind the ORM's back: record the new state as already saved.
    set_committed_value(enrolment, "status", EnrolmentStatus.COMPLETED)
    set_committed_value(enrolment, "completed_at", now)
    record("enrolment.complete", actor=actor, target=enrolment, module_id=module.id,
           user_id=enrolment.user_id)
    _mail_completion(enrolment, module)
    notify_completed(enrolment)
    return True


#: Enrolments whose progress ``evaluate_module_completions`` reads in one query.
_BATCH = 500


def evaluate_module_completions(module: Module, *, actor: User | None = None,
                                now: datetime | None = None) -> list[Enrolment]:
    """Evaluate every active enrolment of ``module`` (after a change that concerns them all: its
    rule edited, a lesson deleted, a session cancelled, an import); return those it completed.

    One query for the enrolments and one for the progress of each batch of them, plus the writes
    of each completion. Flushes, does not commit.
    """
    db.session.flush()
    now = now or utcnow()
    enrolments = list(db.session.scalars(
        sa.select(Enrolment)
        .where(Enrolment.module_id == module.id, Enrolment.status == EnrolmentStatus.ACTIVE,
               Enrolment.completed_at.is_(None), ~taught_by_its_trainee())
        .order_by(Enrolment.id)
    ))
    completed = []
    for start in range(0, len(enrolments), _BATCH):
        batch = enrolments[start:start + _BATCH]
        progress = progress_for([enrolment.id for enrolment in batch], now=now)
        completed += [enrolment for enrolment in batch
                      if enrolment.id in progress
                      and evaluate_completion(enrolment, actor=actor, now=now, module=module,
                                              progress=progress[enrolment.id])]
    return completed


def _mail_completion(enrolment: Enrolment, module: Module) -> None:
    from ..accounts.tokens import mail_link

    trainee = db.session.get(User, enrolment.user_id)
    if trainee is None:
        return
    link = mail_link("learning.module", module_id=module.id)
    queue_mail(trainee.email, trainee.preferred_language,
               _l("You have completed %(title)s", title=module.title), "learning_module_completed",
               name=trainee.display_name, title=module.title, link=link)
