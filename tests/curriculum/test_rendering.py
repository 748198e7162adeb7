"""Lesson Markdown becomes safe HTML: a corpus of XSS payloads goes through the lesson save."""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from academy.curriculum.models import Lesson
from academy.curriculum.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_markdown

XSS_PAYLOADS = [
    # Script tags in every shape
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script\n>alert(1)</script\n>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--<script>alert(1)</script>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    # Event handlers
    "<img src=x onerror=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>x</details>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)>",
    "<a href=\"https://example.org\" onclick=\"alert(1)\">x</a>",
    "<p onmouseover=alert(1)>hover</p>",
    "<xss onafterscriptexecute=alert(1)>x</xss>",
    "<div/onmouseover='alert(1)'>x</div>",
    # javascript:, data: and vbscript: links, plain and obfuscated
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"jav&#x61;script:alert(1)\">x</a>",
    "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
    "<a href=\" &#14; javascript:alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](  javascript:alert(1)  )",
    "[x](javascript://%0aalert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](//evil.example/steal)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: data:text/html,hi \"title\"",
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<vbscript:msgbox(1)>",
    # Link title and attribute breaking
    "[x](https://example.org \"title\\\" onmouseover=\\\"alert(1)\")",
    "[x](https://example.org\" onclick=\"alert(1))",
    "<https://example.org/\"onmouseover=\"alert(1)>",
    "[x](https://example.org 'a' onmouseover='alert(1)')",
    # Images
    "![x](javascript:alert(1))",
    "![x](https://example.org/a.png\" onerror=\"alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![<img src=x onerror=alert(1)>](https://example.org/a.png)",
    # Frames, objects, forms, meta
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>x</button></form>",
    "<base href=\"javascript:alert(1)//\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<link rel=stylesheet href=\"javascript:alert(1)\">",
    # SVG and MathML tricks
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=\"javascript:alert(1)\">x</math>",
    # Style
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p style=\"x:expression(alert(1))\">x</p>",
    # Payloads inside Markdown structures
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "> <script>alert(1)</script>",
    "- [x](javascript:alert(1))\n- <svg onload=alert(1)>",
    "## <img src=x onerror=alert(1)>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "**<img src=x onerror=alert(1)>**",
]

_DANGEROUS_SCHEME = re.compile(r"^\s*(javascript|data|vbscript|file)\s*:", re.IGNORECASE)
_FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "math", "img", "form", "base", "meta",
                   "link", "input", "template", "video", "audio"}


class _Inspector(HTMLParser):
    """Collects every tag and attribute the browser would see."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def unsafe_parts(body_html: str) -> list[str]:
    """Everything in ``body_html`` that could run script or leave the allow-list (empty when safe)."""
    found = []
    lowered = body_html.lower()
    if "<script" in lowered:
        found.append("a <script> tag")
    inspector = _Inspector()
    inspector.feed(body_html)
    for tag, attrs in inspector.tags:
        if tag not in ALLOWED_TAGS or tag in _FORBIDDEN_TAGS:
            found.append(f"tag <{tag}>")
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        for name, value in attrs:
            if name.startswith("on") or name not in allowed or name in {"style", "src"}:
                found.append(f"attribute {name} on <{tag}>")
            if name == "href":
                cleaned = "".join(char for char in html.unescape(value or "") if char.isprintable())
                allowed_scheme = cleaned.lower().startswith(("http://", "https://", "mailto:"))
                if _DANGEROUS_SCHEME.match(cleaned) or not allowed_scheme:
                    found.append(f"href {value!r}")
    # Outside quoted attribute values (where text like "onclick=" is harmless), no tag may carry
    # a handler or a script-like URL: a second look that does not depend on the parser above.
    for tag_text in re.findall(r"<[a-z][^>]*>", re.sub(r'"[^"]*"', '""', body_html), re.IGNORECASE):
        if re.search(r"\son\w+\s*=|(javascript|vbscript|data):", tag_text, re.IGNORECASE):
            found.append(f"tag {tag_text}")
    return found


@pytest.mark.parametrize("unsafe", [
    "<script>alert(1)</script>", '<img src="x" onerror="alert(1)">', '<p onclick="alert(1)">x</p>',
    '<a href="javascript:alert(1)">x</a>', '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="data:text/html,x">x</a>', "<iframe></iframe>", '<a href="/relative">x</a>',
    '<p style="color:red">x</p>', "<svg></svg>",
])
def test_the_inspector_catches_unsafe_html(unsafe):
    assert unsafe_parts(unsafe) != []


def test_the_corpus_has_at_least_fifty_payloads():
    assert len(set(XSS_PAYLOADS)) >= 50


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_rendering_neutralises_the_payload(payload):
    body_html = render_markdown(f"Intro paragraph.\n\n{payload}\n\nLast [safe link](https://example.org).")
    assert unsafe_parts(body_html) == [], body_html
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">safe link</a>' in body_html


def test_no_payload_survives_the_lesson_save(client, db, make, login_as):
    admin = make.admin()
    module = make.module()
    lesson = make.lesson(module)
    login_as(admin)
    survivors = {}
    for payload in XSS_PAYLOADS:
        response = client.post(f"/teach/lessons/{lesson.id}", data={
            "title": "Lesson", "summary": "Summary.", "estimated_minutes": "30",
            "body_markdown": f"Text before.\n\n{payload}\n", "save": "1"})
        assert response.status_code == 302, payload
        db.session.expire_all()
        stored = db.session.get(Lesson, lesson.id)
        assert payload.strip().split("\n")[0][:10] in stored.body_markdown
        if unsafe_parts(stored.body_html):
            survivors[payload] = stored.body_html
    assert survivors == {}


def test_the_preview_is_sanitised_too(client, make, login_as):
    lesson = make.lesson(make.module())
    login_as(make.admin())
    response = client.post(f"/teach/lessons/{lesson.id}", data={
        "title": "Lesson", "summary": "Summary.", "estimated_minutes": "30",
        "body_markdown": "Hello <script>alert(1)</script> [x](javascript:alert(1)) **bold**", "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page


def test_markdown_features_the_writers_use_are_kept():
    body_html = render_markdown(
        "# Top\n\n## Section\n\n### Sub\n\n#### Deep\n\n##### Deeper\n\n"
        "Text with **bold**, *italic* and `code`.\n\n> A quote\n\n- one\n- two\n\n3. three\n4. four\n\n"
        "| Left | Right |\n|:---|---:|\n| a | b |\n\n---\n\n[mail](mailto:team@example.org) "
        "[site](https://example.org \"Site\")\n\n```\nblock\n```\n")
    for fragment in ("<h2>Top</h2>", "<h2>Section</h2>", "<h3>Sub</h3>", "<h4>Deep</h4>", "<h4>Deeper</h4>",
                     "<strong>bold</strong>", "<em>italic</em>", "<code>code</code>", "<blockquote>",
                     "<ul>", '<ol start="3">', "<table>", "<th>Left</th>", "<td>b</td>", "<hr>",
                     '<a href="mailto:team@example.org" rel="noopener noreferrer nofollow">mail</a>',
                     '<a href="https://example.org" title="Site" rel="noopener noreferrer nofollow">site</a>',
                     "<pre><code>block\n</code></pre>"):
        assert fragment in body_html, fragment
    assert "style=" not in body_html and "<h1" not in body_html


def test_an_image_is_replaced_by_its_description():
    assert render_markdown("![A map of the district](https://example.org/map.png)") == \
        "<p>A map of the district</p>\n"


def test_a_lesson_cannot_grow_by_repeating_a_reference_link():
    """Each use of "[a]" would repeat the URL defined once: 12 kB of Markdown rendered to 8 MB."""
    from academy.curriculum import rules

    body = "[a]: https://example.org/" + "a" * 4000 + "\n\n" + "[a] " * 2000
    assert len(body) <= rules.BODY_MAX
    rendered = render_markdown(body)
    assert len(rendered) < 2 * len(body)
    assert "<a " not in rendered and "[a]" in rendered  # left as written
    assert '<a href="https://example.org/x"' in render_markdown("[text](https://example.org/x)")
