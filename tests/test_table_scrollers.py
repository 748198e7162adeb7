"""Every table scroller stays reachable by keyboard, whatever the width of the screen.

A table wider than a phone scrolls sideways inside its ``.table-wrap``. axe-core flags such a
region only while it overflows (``tests/browser/test_accessibility_crawl.py`` sees the sample
data), so this checks the templates themselves: each scroller takes the focus and is named by an
element of the same template (the table's caption or the heading above it).
"""
from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "academy" / "templates"
SCROLLER = re.compile(r'<div class="table-wrap"[^>]*>')


def test_every_table_scroller_is_focusable_and_named():
    problems, seen = [], 0
    for path in sorted(TEMPLATES.rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        for tag in SCROLLER.findall(source):
            seen += 1
            label = re.search(r'aria-labelledby="([^"]+)"', tag)
            if 'tabindex="0"' not in tag or 'role="group"' not in tag or label is None:
                problems.append(f"{path.relative_to(TEMPLATES)}: {tag}")
            elif f'id="{label.group(1)}"' not in source:
                problems.append(f"{path.relative_to(TEMPLATES)}: nothing has the id {label.group(1)!r}")
    assert seen >= 25, f"only {seen} scrollers found: has the class changed?"
    assert not problems, "\n".join(problems)
