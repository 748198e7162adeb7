"""Queue e-mail with the action that causes it; deliver it once that action has committed and the
response has been sent (nobody waits for the mail server, and nobody can time who was sent mail)."""
from __future__ import annotations

import re
import smtplib
import ssl
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale

from ..core.access_log import redact_path
from ..core.after_response import after_response
from ..db_types import utcnow
from ..extensions import db
from ..files import create_once
from .models import OutboxMessage

#: What e-mail headers refuse as line breaks (C0 and C1 controls, line and paragraph separators).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Mail:
    """One message to queue with ``queue_mails``: the arguments ``queue_mail`` takes."""

    recipient: str
    language: str
    #: A lazy string, translated into ``language`` when the message is rendered.
    subject: object
    template: str
    context: dict = field(default_factory=dict)


def queue_mail(recipient: str, language: str, subject, template: str, **context) -> OutboxMessage:
    """Render ``mail/<template>.txt`` in ``language`` and add it to the outbox (the caller commits).

    ``subject`` is a lazy string (``lazy_gettext``) so that it is translated into the recipient's
    language, not the sender's.
    """
    [message] = queue_mails([Mail(recipient, language, subject, template, context)])
    return message


def queue_mails(mails: list[Mail]) -> list[OutboxMessage]:
    """Render and queue many messages at once: one switch of locale per language, one bulk INSERT.

    Returns the messages in no particular order (the caller commits).
    """
    by_language: dict[str, list[Mail]] = defaultdict(list)
    for mail in mails:
        by_language[mail.language].append(mail)
    rows = []
    for language, group in by_language.items():
        with force_locale(language):
            rows.extend(dict(recipient=mail.recipient, subject=_one_line(mail.subject)[:255], language=language,
                             body_text=render_template(f"mail/{mail.template}.txt", **mail.context))
                        for mail in group)
    if not rows:
        return []
    # The ORM's bulk INSERT sends multi-row statements (in batches the driver allows), not one per message.
    messages = list(db.session.scalars(sa.insert(OutboxMessage).returning(OutboxMessage), rows))
    if has_request_context():
        if "outbox_pending" not in g:
            g.outbox_pending = []
            after_response(deliver, g.outbox_pending)  # the list as it stands once the request is over
        g.outbox_pending.extend(message.id for message in messages)
    return messages


def _one_line(subject) -> str:
    """``subject`` without control characters: a title with a line break in it (a trainer may type
    one) would otherwise make the message impossible to send."""
    return _CONTROL_CHARACTERS.sub(" ", str(subject))


def _as_email(message: OutboxMessage) -> EmailMessage:
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}", domain="academy.local")
    email.set_content(message.body_text)
    # After set_content, which drops every Content-* header set before it.
    email["Content-Language"] = message.language
    return email


def _send(email: EmailMessage, message: OutboxMessage) -> None:
    config = current_app.config
    if not config["MAIL_SERVER"]:
        mail_dir = Path(config["MAIL_DIR"])
        mail_dir.mkdir(parents=True, exist_ok=True)
        _write_new_file(mail_dir, f"{message.created_at:%Y%m%dT%H%M%S}-{message.id:08d}", bytes(email))
        return
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _write_new_file(directory: Path, stem: str, content: bytes) -> Path:
    """Write ``content`` to ``<stem>.eml`` in ``directory``, never over an existing file: after
    the database is recreated, ids start again and a name can recur (``<stem>-2.eml`` then).

    The content is written to a hidden file first and then linked under its name, so whoever reads
    the folder (a person, a mail pick-up script, a test) never sees a message half written."""
    number = 1
    while True:
        path = directory / (f"{stem}.eml" if number == 1 else f"{stem}-{number}.eml")
        if create_once(path, content):
            return path
        number += 1


_LINK = re.compile(r"(https?://[^\s/]+)(/[^\s]*)")


def without_secrets(text: str) -> str:
    """``text`` with the secret of every link that carries one written as ``…``: a sent message is
    kept a while (``OUTBOX_RETENTION_DAYS``), its links to set a password or join need not be."""
    return _LINK.sub(lambda link: link.group(1) + _redacted_below_any_prefix(link.group(2)), text)


def _redacted_below_any_prefix(path: str) -> str:
    """``redact_path`` for the application's own paths, also where the academy is served below a
    prefix (``SERVER_BASE_URL`` such as ``https://example.org/academy``)."""
    for index, char in enumerate(path):
        if char == "/":
            redacted = redact_path(path[index:])
            if redacted != path[index:]:
                return path[:index] + redacted
    return path


#: How long a delivery holds a message it is sending (longer than the mail server's timeout). A
#: delivery that dies while sending leaves its messages to the next one after this.
CLAIM_TIME = timedelta(minutes=5)


def unclaimed(now):
    """Messages no delivery holds at ``now`` (never claimed, or their claim ran out)."""
    return sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until <= now)


def deliver(message_ids: list[int] | None = None, limit: int = 200) -> tuple[int, int]:
    """Deliver unsent messages (these ids, or the oldest pending); return (sent, failed).

    Each message is claimed for ``CLAIM_TIME`` with a conditional update, committed before it is
    sent: another delivery (the web worker after a request, the cron job on another machine)
    neither lists nor claims it meanwhile, so one message is not sent twice. Each is committed on
    its own, so one failure does not hold back the others.
    """
    query = db.select(OutboxMessage.id).where(OutboxMessage.sent_at.is_(None), unclaimed(utcnow()))
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    pending = db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)).all()
    sent = failed = 0
    for message_id in pending:
        now = utcnow()
        claimed = db.session.execute(
            db.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None), unclaimed(now))
            .values(attempts=OutboxMessage.attempts + 1, claimed_until=now + CLAIM_TIME)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue
        message = db.session.get(OutboxMessage, message_id)
        try:
            _send(_as_email(message), message)
        except (OSError, smtplib.SMTPException, ValueError) as error:  # ValueError: a malformed header
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            message.claimed_until = None  # the next delivery tries again
            failed += 1
        else:
            message.sent_at = utcnow()
            message.claimed_until = None
            message.last_error = None
            message.body_text = without_secrets(message.body_text)
            sent += 1
        db.session.commit()
    return sent, failed
