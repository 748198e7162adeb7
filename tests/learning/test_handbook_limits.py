"""The module handbook is laid out once per version of a module, and a module too long for one
PDF is refused with a message (its layout would hold a web worker for minutes, at each request).
"""
from __future__ import annotations

from academy.curriculum import rules
from academy.curriculum.rendering import render_markdown

#: Elements one request may hand to WeasyPrint (≈ 15 s of layout at the rate measured, about a
#: thousand a second: well within a web worker's timeout).
MAX_ELEMENTS = 15_000
#: Characters of HTML likewise (about 120,000 a second).
MAX_CHARACTERS = 2_000_000


def test_one_handbook_request_does_not_lay_out_an_unbounded_document(make, client_for, monkeypatch):
    body = ("Short paragraph.\n\n" * (rules.BODY_MAX // 18))[: rules.BODY_MAX].strip()
    assert len(body) <= rules.BODY_MAX
    html = render_markdown(body)  # what saving the lesson stores
    module = make.module()
    for number in range(1, 21):  # 20 of the 99 lessons a module may have
        make.lesson(module, body_markdown=body, body_html=html)
    trainee = make.trainee()
    make.enrolment(trainee, module)

    laid_out = []

    def recording_render_pdf(document_html, base_url=None):
        laid_out.append(document_html.count("<") - document_html.count("</"))
        return b"%PDF-1.7 recorded\n"

    monkeypatch.setattr("academy.learning.handbook.render_pdf", recording_render_pdf)
    response = client_for(trainee).get(f"/learn/modules/{module.id}/handbook.pdf")
    response.close()

    assert laid_out == []  # refused before any layout
    assert response.status_code == 422
    assert "too long to be put in one PDF" in response.get_data(as_text=True)


def test_the_default_limit_keeps_one_layout_well_within_a_worker_s_timeout(app):
    assert 5_000 < app.config["HANDBOOK_MAX_ELEMENTS"] <= MAX_ELEMENTS  # a 40-page handbook passes
    assert 500_000 < app.config["HANDBOOK_MAX_CHARACTERS"] <= MAX_CHARACTERS


def test_lessons_of_one_long_paragraph_each_are_refused_before_layout(make, client_for, monkeypatch):
    """Few elements, much text: 40 lessons of 100,000 characters in one paragraph each took
    WeasyPrint about 32 s, past a worker's timeout."""
    body = ("word " * (rules.BODY_MAX // 5))[: rules.BODY_MAX].strip()
    html = render_markdown(body)
    module = make.module()
    for _number in range(40):
        make.lesson(module, body_markdown=body, body_html=html)
    trainee = make.trainee()
    make.enrolment(trainee, module)
    laid_out = []
    monkeypatch.setattr("academy.learning.handbook.render_pdf",
                        lambda document_html, base_url=None: laid_out.append(1) or b"%PDF-1.7 recorded\n")

    response = client_for(trainee).get(f"/learn/modules/{module.id}/handbook.pdf")
    response.close()

    assert laid_out == [] and response.status_code == 422


def test_elements_and_characters_share_one_budget(app):
    from academy.learning.handbook import layout_share

    paragraph = "<p>" + "x" * 96 + "</p>"  # 1 element, 104 characters
    with app.app_context():
        half_of_each = paragraph * (app.config["HANDBOOK_MAX_ELEMENTS"] // 2)
        assert 0.5 < layout_share(half_of_each) <= 1.1
        assert layout_share(paragraph * 100) < 0.05


def test_the_handbook_is_laid_out_once_per_version_of_the_module(course, client_for, db, monkeypatch):
    from academy.learning import handbook

    laid_out = []
    real_render = handbook.render_pdf

    def counting(document_html, *args, **kwargs):
        laid_out.append(1)
        return real_render(document_html, *args, **kwargs)

    monkeypatch.setattr("academy.learning.handbook.render_pdf", counting)
    client = client_for(course.trainee)
    url = f"/learn/modules/{course.module.id}/handbook.pdf"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200 and first.data == second.data
    assert len(laid_out) == 1  # the second is read from HANDBOOK_DIR

    course.module.title = "A new title"  # a new version of the module: laid out again
    db.session.commit()
    third = client.get(url)
    assert third.status_code == 200 and third.data != first.data and len(laid_out) == 2
