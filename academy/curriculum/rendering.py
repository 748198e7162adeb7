"""Lesson Markdown to safe HTML: markdown-it-py without raw HTML, then an nh3 allow-list.

Rendering happens when a lesson is saved or imported; pages show the stored result. Two layers:
markdown-it escapes any HTML written in the Markdown and refuses script-like link targets, and
nh3 keeps only the tags, attributes and URL schemes listed here, whatever slipped through.
"""
from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

ALLOWED_TAGS = frozenset({
    "p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "a", "hr", "br",
})
# Table alignment arrives as style="text-align:…", which the CSP forbids anyway: it is dropped.
# ``ol[start]`` keeps numbered steps that a paragraph interrupts numbered correctly.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# The lesson title is the page's h1, so body headings live between h2 and h4.
_HEADING_MIN, _HEADING_MAX = 2, 4


def _clamp_headings(state) -> None:
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            level = min(max(int(token.tag[1]), _HEADING_MIN), _HEADING_MAX)
            token.tag = f"h{level}"


def _image_as_text(renderer, tokens, index, options, env) -> str:
    # Lessons carry no images (materials do): an image's description stays readable as text.
    return escapeHtml(renderer.renderInlineAsText(tokens[index].children or [], options, env))


def _build_parser() -> MarkdownIt:
    # No reference links ("[a]: URL" used as "[a]"): each use repeats the URL, so 40 kB of
    # Markdown rendered to 95 MB of HTML. Inline links write their URL each time they are used.
    parser = MarkdownIt("commonmark", {"html": False}).enable("table").disable("reference")
    parser.core.ruler.push("clamp_headings", _clamp_headings)
    parser.add_render_rule("image", _image_as_text)
    return parser


_parser = _build_parser()
_cleaner = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    clean_content_tags={"script", "style"},
    attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    url_schemes=set(URL_SCHEMES),
    link_rel=LINK_REL,
    url_relative="deny",
    strip_comments=True,
)


def sanitise_html(html: str) -> str:
    """Keep only the allowed tags, attributes and link schemes of ``html``."""
    return _cleaner.clean(html)


def render_markdown(text: str) -> str:
    """Lesson Markdown rendered to HTML that is safe to insert into a page."""
    return sanitise_html(_parser.render(text))


def markdown_tokens(text: str):
    """The block and inline tokens of ``text`` as the renderer sees them (for file validation)."""
    return _parser.parse(text)
