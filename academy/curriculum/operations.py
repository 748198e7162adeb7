"""Changes trainers and admins make to modules, lessons and materials.

Each function takes explicit arguments, flushes, records who did it (``updated_by``) and audits;
the caller commits. Lesson order is changed only while holding the module's row lock, so two
people reordering at once cannot leave two lessons at one position.
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa

from ..accounts.models import User
from ..audit.operations import record
from ..db_types import utcnow
from ..extensions import db
from ..learning.completion import evaluate_module_completions
from ..learning.models import LessonProgress
from ..media.storage import StoredFile
from ..organisations.models import Organisation
from .models import Lesson, Material, MaterialKind, Module, ModuleStatus
from .rendering import render_markdown
from .rules import normalise_body, normalise_newlines


def _touch(module: Module, actor: User) -> None:
    """Record that ``actor`` changed ``module`` or something in it, now."""
    module.updated_by_id = actor.id
    module.updated_at = utcnow()


def _lock_module(module: Module) -> None:
    # SELECT … FOR UPDATE on PostgreSQL; SQLite serialises writers anyway and ignores it.
    db.session.execute(sa.select(Module.id).where(Module.id == module.id).with_for_update())


def set_module_fields(module: Module, *, title: str, summary: str, topic, level, estimated_hours: int,
                      learning_outcomes: list[str], partners: list[Organisation], requires_all_lessons: bool,
                      requires_quiz: bool, attendance_percent: int, trainers: list[User] | None,
                      actor: User) -> None:
    """Save a module's editable fields; ``trainers`` None leaves the trainers as they are."""
    module.title = title.strip()
    module.summary = normalise_newlines(summary).strip()
    module.topic, module.level, module.estimated_hours = topic, level, estimated_hours
    module.learning_outcomes = list(learning_outcomes)
    module.partners = list(partners)
    module.requires_all_lessons, module.requires_quiz = requires_all_lessons, requires_quiz
    module.attendance_percent = attendance_percent
    if trainers is not None:
        module.trainers = list(trainers)
    _touch(module, actor)


def create_module(*, slug: str, language: str, actor: User, **fields) -> Module:
    """A new draft module (admins only; the view checks)."""
    module = Module(slug=slug, language=language, status=ModuleStatus.DRAFT, lessons=[], partners=[],
                    trainers=[], quiz=None)
    set_module_fields(module, actor=actor, **fields)
    db.session.add(module)
    db.session.flush()
    record("curriculum.module_create", actor=actor, target=module, slug=slug, language=language)
    return module


#: The module fields that make up its completion rule.
RULE_FIELDS = ("requires_all_lessons", "requires_quiz", "attendance_percent")


def update_module(module: Module, *, actor: User, **fields) -> None:
    """Save a module's fields and audit which trainers it now has.

    When the completion rule changed, every active enrolment is measured against the new one
    (a looser rule may complete some now).
    """
    rule_before = tuple(getattr(module, name) for name in RULE_FIELDS)
    set_module_fields(module, actor=actor, **fields)
    db.session.flush()
    trainers = fields.get("trainers")
    details = {} if trainers is None else {"trainer_ids": sorted(user.id for user in trainers)}
    record("curriculum.module_update", actor=actor, target=module, **details)
    if tuple(getattr(module, name) for name in RULE_FIELDS) != rule_before:
        evaluate_module_completions(module, actor=actor)


def set_module_status(module: Module, status: ModuleStatus, *, actor: User) -> None:
    """Publish, unpublish (back to draft) or archive a module. A draft completes nobody, so a
    module leaving the draft state measures its enrolments against its rule."""
    previous = module.status
    module.status = status
    _touch(module, actor)
    db.session.flush()
    record("curriculum.module_status", actor=actor, target=module, previous=previous.value, status=status.value)
    if previous is ModuleStatus.DRAFT and status is not ModuleStatus.DRAFT:
        evaluate_module_completions(module, actor=actor)


def _lessons_of(module: Module) -> list[Lesson]:
    return list(db.session.scalars(
        sa.select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position, Lesson.id)))


def _renumber(lessons: list[Lesson]) -> None:
    for position, lesson in enumerate(lessons, start=1):
        if lesson.position != position:
            lesson.position = position


def create_lesson(module: Module, *, slug: str, title: str, summary: str, estimated_minutes: int,
                  body_markdown: str, actor: User) -> Lesson:
    """A new lesson at the end of ``module``, its HTML rendered and sanitised now."""
    _lock_module(module)
    lessons = _lessons_of(module)
    _renumber(lessons)
    body = normalise_body(body_markdown)
    lesson = Lesson(module_id=module.id, position=len(lessons) + 1, slug=slug, title=title.strip(),
                    summary=summary.strip(), estimated_minutes=estimated_minutes, body_markdown=body,
                    body_html=render_markdown(body), updated_by_id=actor.id)
    db.session.add(lesson)
    _touch(module, actor)
    db.session.flush()
    record("curriculum.lesson_create", actor=actor, target=lesson, module_id=module.id)
    return lesson


def lesson_fingerprint(lesson: Lesson) -> str:
    """A digest of what the lesson form edits: it changes exactly when someone saves a change."""
    parts = (lesson.title, lesson.summary, str(lesson.estimated_minutes), lesson.body_markdown)
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


def update_lesson(lesson: Lesson, module: Module, *, title: str, summary: str, estimated_minutes: int,
                  body_markdown: str, actor: User) -> None:
    """Save a lesson; its stored HTML is rendered again from the new Markdown."""
    body = normalise_body(body_markdown)
    lesson.title, lesson.summary = title.strip(), summary.strip()
    lesson.estimated_minutes = estimated_minutes
    lesson.body_markdown, lesson.body_html = body, render_markdown(body)
    lesson.updated_by_id = actor.id
    lesson.updated_at = utcnow()
    _touch(module, actor)
    db.session.flush()
    record("curriculum.lesson_update", actor=actor, target=lesson, module_id=module.id)


def move_lesson(lesson: Lesson, module: Module, direction: str, *, actor: User) -> bool:
    """Swap ``lesson`` with its neighbour ``up`` or ``down``; False when it is already at that end."""
    _lock_module(module)
    lessons = _lessons_of(module)
    index = next(number for number, item in enumerate(lessons) if item.id == lesson.id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(lessons):
        _renumber(lessons)
        return False
    lessons[index], lessons[other] = lessons[other], lessons[index]
    _renumber(lessons)
    _touch(module, actor)
    db.session.flush()
    record("curriculum.lesson_move", actor=actor, target=lesson, module_id=module.id, direction=direction,
           position=lesson.position)
    return True


def lesson_has_progress(lesson: Lesson) -> bool:
    """Whether any trainee has completed ``lesson`` (such lessons are kept)."""
    return db.session.scalar(sa.select(sa.exists().where(LessonProgress.lesson_id == lesson.id)))


def delete_lesson(lesson: Lesson, module: Module, *, actor: User) -> list[str] | None:
    """Delete a lesson nobody has completed and close the gap.

    Returns the SHA-256 of the lesson's files (to discard once unused), or None when a trainee has
    completed the lesson: the delete is conditional, so progress recorded a moment earlier still wins.
    """
    _lock_module(module)
    hashes = list(db.session.scalars(sa.select(Material.sha256).where(Material.lesson_id == lesson.id,
                                                                      Material.sha256.is_not(None))))
    deleted = db.session.execute(
        sa.delete(Lesson).where(Lesson.id == lesson.id,
                                ~sa.exists().where(LessonProgress.lesson_id == lesson.id))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not deleted:
        return None
    # Materials go with the lesson (ON DELETE CASCADE); the audit keeps what it was.
    record("curriculum.lesson_delete", actor=actor, object_type="lessons", object_id=lesson.id,
           module_id=module.id, slug=lesson.slug, title=lesson.title)
    db.session.expunge(lesson)
    _renumber(_lessons_of(module))
    _touch(module, actor)
    db.session.flush()
    # One lesson fewer to do: trainees who had done all the others may now complete.
    evaluate_module_completions(module, actor=actor)
    return hashes


def _next_material_position(lesson: Lesson) -> int:
    last = db.session.scalar(sa.select(sa.func.max(Material.position)).where(Material.lesson_id == lesson.id))
    return (last or 0) + 1


def add_file_material(lesson: Lesson, module: Module, *, title: str, filename: str, stored: StoredFile,
                      actor: User) -> Material:
    """Attach a stored file to ``lesson``."""
    material = Material(lesson_id=lesson.id, position=_next_material_position(lesson), kind=MaterialKind.FILE,
                        title=title.strip(), sha256=stored.sha256, filename=filename,
                        content_type=stored.content_type, size_bytes=stored.size_bytes, created_by_id=actor.id)
    db.session.add(material)
    _touch(module, actor)
    db.session.flush()
    record("curriculum.material_add", actor=actor, target=material, lesson_id=lesson.id, kind="file",
           content_type=stored.content_type, size_bytes=stored.size_bytes, sha256=stored.sha256)
    return material


def add_link_material(lesson: Lesson, module: Module, *, title: str, url: str, actor: User) -> Material:
    """Attach a link (http or https) to ``lesson``."""
    material = Material(lesson_id=lesson.id, position=_next_material_position(lesson), kind=MaterialKind.LINK,
                        title=title.strip(), url=url.strip(), created_by_id=actor.id)
    db.session.add(material)
    _touch(module, actor)
    db.session.flush()
    record("curriculum.material_add", actor=actor, target=material, lesson_id=lesson.id, kind="link", url=url)
    return material


def delete_material(material: Material, module: Module, *, actor: User) -> str | None:
    """Remove a material; returns its SHA-256 when it was a file (to discard once no row uses it)."""
    record("curriculum.material_delete", actor=actor, target=material, lesson_id=material.lesson_id,
           title=material.title)
    sha256 = material.sha256
    db.session.delete(material)
    _touch(module, actor)
    db.session.flush()
    return sha256


def unreferenced(hashes: list[str]) -> list[str]:
    """Those of ``hashes`` that nothing refers to any more (their files can go).

    The upload store names files by their content, and it also holds the partner foundations'
    logos and the signature images printed on certificates: a picture a trainer attached to a
    lesson may be the very file of a logo. A file stays while a material, an organisation's logo
    or a certificate's snapshot (which re-renders its PDF from the stored logos and signatures)
    names it. Deleting materials is rare; the snapshot search reads the certificates' JSON as text.
    """
    from ..certificates.models import Certificate
    from ..organisations.models import Organisation

    if not hashes:
        return []
    used = set(db.session.scalars(sa.select(Material.sha256).where(Material.sha256.in_(hashes))))
    used.update(db.session.scalars(sa.select(Organisation.logo_sha256).where(Organisation.logo_sha256.in_(hashes))))
    for digest in set(hashes) - used:
        if db.session.scalar(sa.select(sa.exists().where(sa.cast(Certificate.snapshot, sa.Text).contains(digest)))):
            used.add(digest)
    return [digest for digest in hashes if digest not in used]
