"""Admins review nominations: the queue, one nomination, decisions, reports and exports."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_babel import format_date, get_timezone, gettext as _, ngettext
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from markupsafe import Markup
from sqlalchemy.orm import aliased, joinedload

from ..access import require, roles_required
from ..accounts.models import Role
from ..audit.models import AuditEvent
from ..audit.operations import record
from ..core.forms import error_summary, requested_page
from ..extensions import db
from ..i18n import current_language, text_direction
from ..organisations.forms import parse_id
from ..organisations.models import Organisation
from . import reports, rules
from .bulk_decisions import BulkOutcome, decide_many, visible_nominations
from .export import export_query, stream_csv
from .languages import language_name
from .models import HISTORY_LABELS, Edition, Gender, Nomination, NominationStatus
from .nominate_views import published_edition
from .operations import NominationRefused, eligibility_refusal, seated_counts, transition
from .review_forms import BULK_ANCHORS, BulkDecisionForm, DecisionForm, QueueFilterForm
from .waitlist import PROMOTED_LABEL

bp = Blueprint("review", __name__, url_prefix="/admin/nominations")


# --- The queue -------------------------------------------------------------------------------------

class QueuePage(Pagination):
    """A page of the queue: plain rows (no ORM objects) and a count that joins nothing."""

    def _query_items(self) -> list:
        rows = self._query_args["rows"].limit(self.per_page).offset(self._query_offset)
        return db.session.execute(rows).all()

    def _query_count(self) -> int:
        return db.session.scalar(self._query_args["count_query"])


def _queue_conditions(filters: dict) -> list:
    status = filters["status"]
    # "Not a draft" rather than "one of the reviewed statuses": with ``!=`` SQLite walks the
    # submitted_at index newest first and stops after one page, instead of sorting every row.
    conditions = [Nomination.status == status if status else Nomination.status != NominationStatus.DRAFT]
    if filters["edition_id"] is not None:
        conditions.append(Nomination.edition_id == filters["edition_id"])
    if filters["organisation_id"] is not None:
        conditions.append(Nomination.organisation_id == filters["organisation_id"])
    if filters["region_id"] is not None:
        conditions.append(Nomination.organisation_id.in_(
            db.select(Organisation.id).where(Organisation.region_id == filters["region_id"])))
    if filters["gender"] is not None:
        conditions.append(Nomination.gender == filters["gender"])
    return conditions


def _queue_page(filters: dict) -> QueuePage:
    """Newest submissions first; the waiting list in its own order (first come, first seated)."""
    conditions = _queue_conditions(filters)
    if filters["status"] is NominationStatus.WAITLISTED:
        order = (Nomination.waitlisted_at, Nomination.id)
    else:
        order = (Nomination.submitted_at.desc(), Nomination.id.desc())
    rows = (db.select(Nomination.id, Nomination.given_names, Nomination.family_name, Nomination.purged_at,
                      Nomination.gender, Nomination.status, Nomination.submitted_at,
                      Organisation.name.label("organisation"), Edition.name.label("edition"),
                      _nominated_twice().label("nominated_twice"))
            .join(Organisation, Organisation.id == Nomination.organisation_id)
            .join(Edition, Edition.id == Nomination.edition_id)
            .where(*conditions).order_by(*order))
    return QueuePage(page=requested_page(request.args), per_page=current_app.config["PAGE_SIZE"],
                     max_per_page=None, error_out=False, rows=rows, count_query=_queue_count(filters))


def _nominated_twice():
    """Whether another organisation nominated the same address for the same edition (a person holds
    one seat at most: the admins accept one nomination and decline the others)."""
    other = aliased(Nomination)
    return db.exists().where(other.edition_id == Nomination.edition_id, other.email == Nomination.email,
                             other.id != Nomination.id)


def _same_person(nomination: Nomination) -> list:
    """The edition's other nominations of ``nomination``'s address: organisation, status, id."""
    if nomination.email is None:
        return []
    return db.session.execute(
        db.select(Nomination.id, Nomination.status, Organisation.name.label("organisation"))
        .join(Organisation, Organisation.id == Nomination.organisation_id)
        .where(Nomination.edition_id == nomination.edition_id, Nomination.email == nomination.email,
               Nomination.id != nomination.id)
        .order_by(Nomination.id)).all()


def _queue_count(filters: dict):
    """How many nominations match. Without a status filter: all of them minus the drafts, because
    SQLite counts a whole table from its b-tree at once, and drafts by their index."""
    if filters["status"] is not None:
        return db.select(db.func.count()).select_from(Nomination).where(*_queue_conditions(filters))
    others = _queue_conditions(filters)[1:]
    everything = db.select(db.func.count()).select_from(Nomination).where(*others)
    drafts = everything.where(Nomination.status == NominationStatus.DRAFT)
    return db.select(everything.scalar_subquery() - drafts.scalar_subquery())


#: The query string of the queue (filters and page), kept when a bulk decision shows the queue again.
QUEUE_ARGS = ("edition", "region", "organisation", "status", "gender", "page")


def _queue_filters() -> tuple[QueueFilterForm, bool]:
    """The queue's filter form read from the query string, and whether its values are valid."""
    form = QueueFilterForm(request.args)
    return form, form.validate() if request.args else True


def _queue_args() -> dict[str, str]:
    """The queue's filters of this request, to keep in the links and forms of the next page."""
    return {name: request.args[name] for name in QUEUE_ARGS if request.args.get(name)}


def _render_queue(filter_form: QueueFilterForm, bulk_form: BulkDecisionForm, status: int = 200, *,
                  ticked: frozenset[int] = frozenset(), errors=(), outcome: BulkOutcome | None = None):
    """The queue page; after a bulk decision, with its ticks, decision, errors or outcome kept."""
    filters = filter_form.filters()
    return (render_template(
        "nominations/review/queue.html", form=filter_form, page=_queue_page(filters), filters=filters,
        queue_args=_queue_args(),
        bulk_form=bulk_form, ticked=ticked, errors=errors, outcome=outcome or BulkOutcome(),
        refusals={line.nomination_id: line.message for line in (outcome.refused if outcome else ())},
        submitted_on=_day_formatter(), gender_labels={gender: str(gender.label) for gender in Gender},
        status_labels={status: str(status.label) for status in NominationStatus}), status)


@bp.get("/")
@roles_required(Role.ADMIN)
def queue():
    """Nominations to review, filtered by edition, region, organisation, status and gender."""
    form, valid = _queue_filters()
    return _render_queue(form, BulkDecisionForm(formdata=None), 200 if valid else 400)


def _day_formatter():
    """``submitted_on(moment)``: the day in the reader's time zone, each distinct day formatted once
    (Babel's formatting is the costliest step of a queue row)."""
    zone = get_timezone()
    days: dict = {}

    def submitted_on(moment) -> str:
        day = moment.astimezone(zone).date()
        if day not in days:
            days[day] = format_date(day, "medium")
        return days[day]
    return submitted_on


# --- One nomination ----------------------------------------------------------------------------

def _load(nomination_id: int) -> Nomination:
    return db.one_or_404(db.select(Nomination).where(Nomination.id == nomination_id).options(
        joinedload(Nomination.edition), joinedload(Nomination.organisation).joinedload(Organisation.region),
        joinedload(Nomination.nominated_by), joinedload(Nomination.decided_by)))


def _history(nomination: Nomination) -> list[AuditEvent]:
    return list(db.session.scalars(
        db.select(AuditEvent).options(joinedload(AuditEvent.actor))
        .where(AuditEvent.object_type == Nomination.__tablename__, AuditEvent.object_id == str(nomination.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)))


def _standing(nomination: Nomination) -> dict:
    """The organisation's quota use and parity in the edition, and what accepting would do."""
    edition = nomination.edition
    seated = seated_counts(edition.id, nomination.organisation_id)
    total = sum(seated.values())
    women, men = seated[Gender.WOMAN], seated[Gender.MAN]
    return {
        "seated": total, "women": women, "men": men, "quota": edition.quota_per_organisation,
        "quota_allows": rules.quota_allows(edition.quota_per_organisation, total),
        "parity_allows": rules.parity_allows(edition.parity_rule, women, men, nomination.gender),
    }


#: The audit actions of the decisions ``Nomination.decided_at`` records.
DECISION_ACTIONS = frozenset(f"nomination.{status.value}" for status in
                             (NominationStatus.ACCEPTED, NominationStatus.WAITLISTED, NominationStatus.DECLINED))


def _last_decision_promoted(history: list[AuditEvent]) -> bool:
    """Whether the nomination's last decision was a promotion from the waiting list (the system's)."""
    decisions = [event for event in history if event.action in DECISION_ACTIONS]
    return bool(decisions) and bool(decisions[-1].details.get("promotion"))


def _show(nomination: Nomination, form: DecisionForm | None = None, status: int = 200, refusal=None):
    purged = nomination.purged_at is not None
    refusal_on_file = None if purged else eligibility_refusal(nomination.edition, nomination)
    age = None if purged else rules.age_on(nomination.date_of_birth, nomination.edition.starts_on)
    form = form or DecisionForm(formdata=None)
    form.offer_only(nomination.status)
    history = _history(nomination)
    return render_template(
        "nominations/review/show.html", nomination=nomination, age=age, eligibility=refusal_on_file,
        standing=_standing(nomination), same_person=_same_person(nomination), history=history,
        history_labels=HISTORY_LABELS,
        decidable=bool(form.decision.choices), promoted=_last_decision_promoted(history),
        promoted_label=PROMOTED_LABEL, form=form, refusal=refusal,
        spoken_languages=[language_name(code, current_language()) for code in nomination.languages or ()]), status


@bp.get("/<int:nomination_id>")
@roles_required(Role.ADMIN)
def show_nomination(nomination_id: int):
    """Everything about one nomination, its eligibility, its organisation's standing and history."""
    return _show(_load(nomination_id))


@bp.post("/<int:nomination_id>/decision")
@roles_required(Role.ADMIN)
def decide(nomination_id: int):
    """Accept, waitlist, decline or withdraw; a rule's refusal answers 409 and changes nothing.

    Withdrawing works whatever the nomination window: it is how a seat is freed once coordinators
    can no longer withdraw. An accepted nominee's seat then goes to the waiting list.
    """
    nomination = _load(nomination_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _show(nomination, form, 400)
    if form.awaits_confirmation:
        # A decline or a withdrawal cannot be undone and mails its reason: say so, then ask.
        return render_template("nominations/review/confirm_decision.html", nomination=nomination, form=form,
                               seated=nomination.status is NominationStatus.ACCEPTED)
    try:
        promoted = transition(nomination, form.to_status, actor=current_user, reason=form.reason.data or None)
        db.session.commit()
    except NominationRefused as refusal:
        db.session.rollback()
        return _show(_load(nomination_id), form, 409, refusal=refusal.message)
    flash(_("Decision saved: %(name)s is now “%(status)s”.", name=nomination.full_name,
            status=nomination.status.label), "success")
    if promoted is not None:
        flash(_("The freed seat went to %(name)s, the first on the waiting list that quota and parity allow.",
                name=promoted.full_name), "success")
    return redirect(url_for(".show_nomination", nomination_id=nomination.id))


@bp.post("/decisions")
@roles_required(Role.ADMIN)
def bulk_decide():
    """The same decision for many nominations (see ``bulk_decisions.decide_many``), then the queue again.

    The queue comes back with the filters of the page the form was on. Invalid input (no tick, no
    reason to decline, an id the queue does not show) changes nothing and answers 400 with the same
    ticks, decision and reason; nominations that a rule refused stay ticked, with their reasons,
    and the answer is 409 when every one was refused.
    """
    filter_form, _valid = _queue_filters()
    form = BulkDecisionForm()
    if not form.validate_on_submit():
        return _render_queue(filter_form, form, 400, ticked=form.ticked(), errors=error_summary(form, BULK_ANCHORS))
    nominations = visible_nominations(form.ids)
    if len(nominations) != len(form.ids):
        return _render_queue(filter_form, form, 400, ticked=form.ticked(), errors=[
            (BULK_ANCHORS["nomination_ids"], _("Some of these nominations do not exist (any more)."))])
    if form.awaits_confirmation:
        # Declines and withdrawals cannot be undone and mail their reason: list who, then ask.
        listed = db.session.scalars(
            db.select(Nomination).where(Nomination.id.in_(form.ids))
            .options(joinedload(Nomination.organisation), joinedload(Nomination.edition))
            .order_by(Nomination.family_name, Nomination.given_names, Nomination.id)).all()
        return render_template("nominations/review/confirm_bulk_decision.html", form=form, nominations=listed,
                               queue_args=_queue_args())
    outcome = decide_many(nominations, form.to_status, actor=current_user, decision=form.decision.data,
                          reason=form.reason.data or None)
    db.session.commit()
    _flash_outcome(outcome)
    if not outcome.refused:
        return _render_queue(filter_form, BulkDecisionForm(formdata=None), outcome=outcome)
    return _render_queue(filter_form, form, 200 if outcome.decided else 409, outcome=outcome,
                         ticked=frozenset(line.nomination_id for line in outcome.refused))


def _flash_outcome(outcome: BulkOutcome) -> None:
    if outcome.decided:
        flash(ngettext("%(num)d nomination decided.", "%(num)d nominations decided.", len(outcome.decided)),
              "success")
    if outcome.refused:
        flash(ngettext("%(num)d nomination refused by the rules.", "%(num)d nominations refused by the rules.",
                       len(outcome.refused)), "error")


# --- Reports -------------------------------------------------------------------------------------

@bp.get("/report/<int:edition_id>")
@roles_required(Role.ADMIN)
def report(edition_id: int):
    """Seats, nominations and decisions by region, organisation and gender, with a bar chart."""
    edition = db.get_or_404(Edition, edition_id)
    language = current_language()
    numbers = reports.edition_report(edition, language)
    chart = Markup(reports.chart_svg(numbers, text_direction(language), language))  # escaped when built
    return render_template("nominations/review/report.html", report=numbers, edition=edition, chart=chart,
                           statuses=reports.COUNTED_STATUSES, women=Gender.WOMAN, men=Gender.MAN)


@bp.get("/report/<int:edition_id>/chart.svg")
@roles_required(Role.ADMIN)
def report_chart(edition_id: int):
    """The report's bar chart as an SVG file."""
    edition = db.get_or_404(Edition, edition_id)
    language = current_language()
    svg = reports.chart_svg(reports.edition_report(edition, language), text_direction(language), language)
    response = Response('<?xml version="1.0" encoding="UTF-8"?>\n' + svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- Export --------------------------------------------------------------------------------------

def _export_scope() -> tuple[int | None, int | None]:
    """(edition id, organisation id) the current user's export is limited to."""
    edition_text = request.args.get("edition")
    edition_id = parse_id(edition_text) if edition_text else None
    if edition_text and edition_id is None:
        abort(400)
    if current_user.is_admin:
        if edition_id is not None:
            db.get_or_404(Edition, edition_id)
        return edition_id, None
    require(current_user.organisation_id is not None, 403)
    if edition_id is not None:
        published_edition(edition_id)  # a draft is as unknown to coordinators as a missing one
    return edition_id, current_user.organisation_id


@bp.get("/export.csv")
@roles_required(Role.ADMIN, Role.COORDINATOR)
def export():
    """Nominations as CSV, streamed: admins get all (``?edition=`` to narrow), coordinators their own."""
    edition_id, organisation_id = _export_scope()
    record("nomination.export", actor=current_user, edition_id=edition_id, organisation_id=organisation_id)
    db.session.commit()
    rows = export_query(edition_id=edition_id, organisation_id=organisation_id, admin=current_user.is_admin)
    response = Response(stream_csv(db.engine, rows), mimetype="text/csv")
    name = f"nominations-edition-{edition_id}.csv" if edition_id else "nominations.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
