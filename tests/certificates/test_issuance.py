"""Issuing, revoking and reissuing: exactly once, with reasons, and nothing changed on refusal."""
from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from academy.audit.models import AuditEvent
from academy.certificates import operations, storage
from academy.certificates.codes import ALPHABET, CODE_LENGTH
from academy.certificates.models import Certificate, CertificatePdf, CertificateStatus
from academy.curriculum.models import Lesson
from academy.learning.completion import notify_completed
from academy.learning.operations import mark_lesson_complete


def _certificates(db, enrolment_id=None):
    query = sa.select(Certificate).order_by(Certificate.id)
    if enrolment_id is not None:
        query = query.where(Certificate.enrolment_id == enrolment_id)
    return list(db.session.scalars(query))


def test_completing_a_module_issues_one_certificate_and_tells_the_trainee_in_their_language(db, make, outbox):
    trainee = make.trainee(preferred_language="fr", display_name="Élodie Ndiaye")
    module = make.module(lessons=1, requires_quiz=False, language="es", title="Campañas en línea")
    enrolment = make.enrolment(trainee, module)
    lesson = db.session.scalar(sa.select(Lesson).where(Lesson.module_id == module.id))

    mark_lesson_complete(enrolment, lesson, actor=trainee)
    db.session.commit()

    [certificate] = _certificates(db)
    assert certificate.enrolment_id == enrolment.id
    assert certificate.status is CertificateStatus.VALID
    assert certificate.language == "es"  # printed in the module's language
    assert certificate.holder_name == "Élodie Ndiaye"
    assert certificate.issued_by_id is None
    assert re.fullmatch(rf"AA-{certificate.issued_at.year}-\d{{6}}", certificate.serial)
    assert len(certificate.code) == CODE_LENGTH and set(certificate.code) <= set(ALPHABET)
    mail = [message for message in outbox(trainee.email) if certificate.serial in message.body_text]
    assert len(mail) == 1
    assert mail[0].language == "fr"
    assert certificate.snapshot["verification_url"] in mail[0].body_text


def test_the_completion_hook_called_twice_issues_exactly_once(db, completed_enrolment):
    enrolment = completed_enrolment()

    notify_completed(enrolment)
    notify_completed(enrolment)
    db.session.commit()

    assert len(_certificates(db, enrolment.id)) == 1


def test_the_database_refuses_a_second_current_certificate_for_an_enrolment(db, make, completed_enrolment):
    certificate = make.certificate(completed_enrolment())
    twin = Certificate(serial="AA-2000-999999", code="Z" * 20, user_id=certificate.user_id,
                       module_id=certificate.module_id, enrolment_id=certificate.enrolment_id,
                       language="en", holder_name="Twin", snapshot={}, pdf_sha256="0" * 64)
    db.session.add(twin)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert len(_certificates(db)) == 1


def test_serials_count_up_within_a_year(db, make):
    first = make.certificate()
    second = make.certificate()
    number = int(first.serial.rsplit("-", 1)[1])
    assert second.serial == f"AA-{first.issued_at.year}-{number + 1:06d}"


def test_the_stored_pdf_is_the_one_whose_hash_is_recorded(db, make, app):
    certificate = make.certificate()
    stored = storage.stored_pdf(certificate)
    assert stored is not None and stored.startswith(b"%PDF-")
    assert hashlib.sha256(stored).hexdigest() == certificate.pdf_sha256
    assert db.session.get(CertificatePdf, certificate.pdf_sha256).certificate_id == certificate.id


def test_a_missing_pdf_is_rendered_again_byte_for_byte(db, make):
    certificate = make.certificate()
    path = storage.pdf_path(certificate.pdf_sha256)
    original = path.read_bytes()
    path.unlink()

    again = storage.certificate_pdf(certificate)

    assert again == original
    assert path.read_bytes() == original


def test_manual_issue_for_an_unfinished_enrolment_needs_a_reason(db, make):
    admin = make.admin()
    enrolment = make.enrolment(make.trainee(), make.module())
    events_before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    with pytest.raises(operations.CertificateError):
        operations.issue_manually(enrolment, actor=admin, reason="   ")
    db.session.rollback()

    assert _certificates(db) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == events_before
    certificate = operations.issue_manually(enrolment, actor=admin, reason="Completed offline in Tunis")
    db.session.commit()
    assert certificate.issue_reason == "Completed offline in Tunis"
    assert certificate.issued_by_id == admin.id


def test_manual_issue_is_refused_when_the_enrolment_has_a_certificate(db, make, completed_enrolment):
    enrolment = completed_enrolment()
    make.certificate(enrolment)
    with pytest.raises(operations.CertificateError):
        operations.issue_manually(enrolment, actor=make.admin(), reason="again")
    db.session.rollback()
    assert len(_certificates(db)) == 1


def test_revoking_twice_is_refused_and_changes_nothing(db, make, fresh):
    admin = make.admin()
    certificate = make.certificate()
    operations.revoke_certificate(certificate, actor=admin, reason="Obtained by fraud")
    db.session.commit()
    revoked_at = fresh(certificate).status_changed_at

    certificate = fresh(certificate)
    with pytest.raises(operations.CertificateError):
        operations.revoke_certificate(certificate, actor=admin, reason="Second reason")
    db.session.rollback()

    again = fresh(certificate)
    assert again.status is CertificateStatus.REVOKED
    assert again.status_reason == "Obtained by fraud"
    assert again.status_changed_at == revoked_at


def test_revoking_tells_the_holder_why_by_email_in_their_language(db, make, outbox, completed_enrolment):
    holder = make.trainee(preferred_language="ar")
    certificate = make.certificate(completed_enrolment(holder))
    before = len(outbox(holder.email))

    operations.revoke_certificate(certificate, actor=make.admin(), reason="Obtained by fraud")
    db.session.commit()

    [mail] = outbox(holder.email)[before:]
    assert mail.language == "ar"
    assert certificate.serial in mail.subject and certificate.serial in mail.body_text
    assert "Obtained by fraud" in mail.body_text
    assert certificate.snapshot["verification_url"] in mail.body_text


def test_a_refused_revocation_sends_no_email(db, make, outbox):
    certificate = make.certificate()
    admin = make.admin()
    operations.revoke_certificate(certificate, actor=admin, reason="First")
    db.session.commit()
    sent = len(outbox())

    with pytest.raises(operations.CertificateError):
        operations.revoke_certificate(certificate, actor=admin, reason="Second")
    db.session.rollback()

    assert len(outbox()) == sent


def test_revoking_needs_a_reason(db, make, fresh):
    certificate = make.certificate()
    with pytest.raises(operations.CertificateError):
        operations.revoke_certificate(certificate, actor=make.admin(), reason="  ")
    db.session.rollback()
    assert fresh(certificate).status is CertificateStatus.VALID


def test_reissuing_supersedes_the_old_certificate_and_keeps_its_history(db, make, fresh, completed_enrolment):
    admin = make.admin()
    old = make.certificate(completed_enrolment())

    new = operations.reissue_certificate(old, actor=admin, reason="Name misspelt", holder_name="Nadia El-Amrani")
    db.session.commit()

    old = fresh(old)
    assert old.status is CertificateStatus.SUPERSEDED and old.status_reason == "Name misspelt"
    assert new.supersedes_id == old.id and new.enrolment_id == old.enrolment_id
    assert new.holder_name == "Nadia El-Amrani" and new.serial != old.serial and new.code != old.code
    assert new.snapshot["completed_on"] == old.snapshot["completed_on"]
    assert operations.current_certificate(old.enrolment_id).id == new.id
    # the replaced one cannot be revoked or reissued any more
    with pytest.raises(operations.CertificateError):
        operations.reissue_certificate(old, actor=admin, reason="again")
    db.session.rollback()
    assert len(_certificates(db)) == 2


def test_a_name_that_is_only_invisible_characters_is_refused(db, make):
    enrolment = make.enrolment(make.trainee(), make.module())
    with pytest.raises(operations.CertificateError):
        operations.issue_certificate(enrolment, holder_name="\u200b\u202e\u2066 \x00")
    db.session.rollback()
    assert _certificates(db) == []


def test_names_are_cleaned_before_printing(db, make):
    enrolment = make.enrolment(make.trainee(), make.module())
    certificate = operations.issue_certificate(
        enrolment, holder_name="<b>Amal</b>\u202e \u200bHaddad\x07\u2066")
    db.session.commit()
    assert certificate.holder_name == "<b>Amal</b> Haddad"  # HTML is escaped at rendering, not removed
    assert certificate.snapshot["holder_name"] == certificate.holder_name


def test_a_failing_renderer_does_not_undo_the_completion(db, make, monkeypatch, completed_enrolment):
    enrolment = completed_enrolment()

    def broken(snapshot):
        raise RuntimeError("renderer exploded")
    monkeypatch.setattr(operations, "render", broken)

    assert operations.issue_on_completion(enrolment) is None
    db.session.commit()
    assert _certificates(db) == []
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "certificate.issue_failed"))
