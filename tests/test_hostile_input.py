"""Hostile input over the whole application: no request ever answers with a server error.

For each kind of visitor, every page of the URL map that visitor may open is requested with
malformed query parameters, and every form found on those pages is posted back with malformed
values: empty, missing, absurd numbers, digits of other scripts, control characters, invalid
UTF-8, markup, very long text, lying files. The parameter and field names are read from the pages
themselves (their forms and links), so pages and forms added later are swept without a line
here. A refusal (4xx) or a redirect is a fine answer; a 5xx, an exception escaping the view (the
test application propagates them), or a refusal that nevertheless committed a write (outside
the audit log and the session bookkeeping) is a failure naming the request.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from sqlalchemy import event
from werkzeug.exceptions import HTTPException

from academy.access import rule_for
from academy.accounts.models import Role
from academy.extensions import db
# The access matrix's sample objects and signed-in clients, one per kind of visitor.
from tests.test_access import ROUTES, _url_for_route, samples, visitors  # noqa: F401

#: Values every parameter and field is tried with. Bytes are sent as they are (invalid UTF-8).
HOSTILE: tuple[str | bytes, ...] = (
    "",
    "-1",
    "99999999999999999999999999",   # beyond every integer column
    "1e309",                        # infinity, for whatever parses floats
    "NaN",
    "\u0663\uff11",                 # an Arabic-Indic and a fullwidth digit: int() takes them, SQL may not
    "a\x00b\x1b[0m",
    "<script>alert(1)</script>",
    "//evil.example/",
    "2026-02-30",
    "\u202e\u200bname\u2066",
    "x" * 5000,
    b"\xff\xfe\xc3",
)

#: The values tried where a page is not a form (files, feeds, redirects).
SHARPEST = ("-1", "99999999999999999999999999", "x" * 5000, b"\xff\xfe\xc3")

#: What each control is set to alone, the others keeping the page's values.
ONE_CONTROL = ("99999999999999999999999999", "x" * 5000)

#: Query parameters tried on every page besides those its own forms and links use.
COMMON_PARAMETERS = ("page", "per_page", "q", "sort", "order", "next", "lang", "status", "region",
                     "organisation", "edition", "kind", "gender", "module", "format", "code")

#: Files sent to every file field.
HOSTILE_FILES = (
    (b"", ""),
    (b"", "empty.pdf"),
    (b"%PDF-1.7\n not really a PDF", "../../lying.pdf"),
    (b"\x89PNG\r\n\x1a\n truncated", "photo.png"),
    (b"name,email\n=cmd|' /C calc'!A0,x@example.org\n", "rows.csv"),
    (b"\xff\xfe\x00\x00" * 100, "\u202eFDP.exe"),
)

#: Tables a refused request may still write to: the audit log (failed sign-ins and the like) and
#: the server-side sessions (a session's last activity).
WRITES_ALLOWED_ON_REFUSAL = {"audit_events", "user_sessions"}
#: ... and, on the sign-in steps and the security forms of one's profile (which ask for the
#: password again) only, the failed-attempt counters and lockout on ``users``.
LOCKOUT_PATH_PREFIX = ("/sign-in", "/profile/password", "/profile/sessions", "/profile/two-step", "/profile/delete")

#: POST endpoints posted to last, because they end the visitor's session.
SESSION_ENDING = {"accounts.sign_out"}


@dataclass
class Form:
    """A form as a browser would submit it."""

    method: str
    action: str
    multipart: bool
    #: (name, value) of every named control a browser would send by default.
    defaults: list[tuple[str, str]] = field(default_factory=list)
    #: Names of every named control (text, hidden, select, radio, checkbox, textarea).
    names: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)


class _PageReader(HTMLParser):
    """Collects the forms of a page and the query parameters of its links."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.link_parameters: set[str] = set()
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        name = attributes.get("name", "")
        if tag == "a" and "?" in attributes.get("href", ""):
            self.link_parameters.update(key for key, _ in parse_qsl(urlsplit(attributes["href"]).query))
        elif tag == "form":
            self._form = Form(
                method=(attributes.get("method") or "get").upper(),
                action=attributes.get("action") or self.page_url,
                multipart="multipart" in attributes.get("enctype", ""),
            )
            self.forms.append(self._form)
        elif self._form is None or not name:
            return
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            if kind == "file":
                self._form.files.append(name)
            elif kind in ("submit", "image"):
                self._form.buttons.append((name, attributes.get("value", "")))
            else:
                self._form.names.append(name)
                if kind not in ("checkbox", "radio") or "checked" in attributes:
                    self._form.defaults.append((name, attributes.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "button":
            if attributes.get("type", "submit").lower() == "submit":
                self._form.buttons.append((name, attributes.get("value", "")))
        elif tag == "select":
            self._select, self._select_first = name, None
            self._form.names.append(name)
        elif tag == "option" and self._select is not None:
            value = attributes.get("value", "")
            if self._select_first is None or "selected" in attributes:
                self._select_first = value
        elif tag == "textarea":
            self._textarea = name
            self._form.names.append(name)
            self._form.defaults.append((name, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select" and self._form is not None and self._select is not None:
            if self._select_first is not None:
                self._form.defaults.append((self._select, self._select_first))
            self._select = None


def _read_page(url: str, html: str) -> _PageReader:
    reader = _PageReader(url)
    reader.feed(html)
    return reader


def _encode(pairs) -> str:
    """A form or query body; bytes values go out as they are, so invalid UTF-8 is possible."""
    return urlencode([(key, value) for key, value in pairs])


_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.IGNORECASE)


class _CommittedWrites:
    """The tables that committed transactions wrote to, seen through the engine's events."""

    def __init__(self, engine):
        self.engine = engine
        self.pending: dict[int, set[str]] = {}
        self.committed: set[str] = set()
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._committed)
        event.listen(engine, "rollback", self._rolled_back)

    def _executed(self, connection, cursor, statement, parameters, context, executemany):
        match = _WRITE.match(statement)
        if match:
            self.pending.setdefault(id(connection), set()).add(match.group(1).lower())

    def _committed(self, connection):
        self.committed |= self.pending.pop(id(connection), set())

    def _rolled_back(self, connection):
        self.pending.pop(id(connection), None)

    def take(self) -> set[str]:
        """The tables written since the last call."""
        tables, self.committed = self.committed, set()
        return tables

    def close(self) -> None:
        event.remove(self.engine, "after_cursor_execute", self._executed)
        event.remove(self.engine, "commit", self._committed)
        event.remove(self.engine, "rollback", self._rolled_back)


class _Sweep:
    """Sends the requests and collects the failures (all of them, not only the first)."""

    def __init__(self, client, writes: _CommittedWrites):
        self.client = client
        self.writes = writes
        self.failures: list[str] = []
        self.requests = 0

    def send(self, method: str, url: str, *, body: str | None = None, files: dict | None = None,
             json: dict | None = None) -> None:
        self.requests += 1
        what = f"{method} {url[:200]}"
        if body is not None:
            what += f" body={body[:300]!r}"
        if json is not None:
            what += f" json={str(json)[:300]}"
        try:
            if json is not None:
                response = self.client.open(url, method=method, json=json)
            elif files is not None:
                response = self.client.open(url, method=method, data=files, content_type="multipart/form-data")
            elif body is not None:
                response = self.client.open(url, method=method, data=body,
                                            content_type="application/x-www-form-urlencoded")
            else:
                response = self.client.open(url, method=method)
        except Exception as error:  # the test application propagates what a view raised
            self.failures.append(f"{what}: raised {type(error).__name__}: {str(error)[:300]}")
            return
        written = self.writes.take() - WRITES_ALLOWED_ON_REFUSAL
        if url.startswith(LOCKOUT_PATH_PREFIX):
            written.discard("users")
        if response.status_code >= 500:
            self.failures.append(f"{what}: answered {response.status_code}")
        elif response.status_code >= 400 and written:
            # Refused, yet something was saved: the half-written state the refusal should prevent.
            self.failures.append(f"{what}: answered {response.status_code} but wrote to {sorted(written)}")

    def query(self, path: str, names: set[str], values=HOSTILE) -> None:
        """The page with every parameter set to each of ``values``, then each one repeated."""
        for value in values:
            self.send("GET", f"{path}?{_encode((name, value) for name in sorted(names))}")
        self.send("GET", f"{path}?{_encode((name, text) for name in sorted(names) for text in ('1', 'x'))}")

    def post(self, form: Form) -> None:
        """The form sent back empty, with nothing, and with each hostile value in every field."""
        buttons = form.buttons or [("", "")]
        named_buttons = [(name, value) for name, value in buttons if name]
        if form.multipart or form.files:
            self._post_multipart(form, named_buttons)
            return
        self.send(form.method, form.action, body="")
        self.send(form.method, form.action, body=_encode([(name, "") for name in form.names] + named_buttons[:1]))
        # The same fields as a JSON body, with values no HTML form sends: numbers, lists, objects.
        for value in (12345, ["a", 1], {"a": 1}, None, True):
            self.send(form.method, form.action, json={name: value for name in form.names})
        for index, value in enumerate(HOSTILE):
            button = [named_buttons[index % len(named_buttons)]] if named_buttons else []
            self.send(form.method, form.action, body=_encode([(name, value) for name in form.names] + button))
        # Each control alone made hostile, the others left as the page filled them in: this is
        # the request a tampered browser sends, and it reaches past the first failed check.
        for name in dict.fromkeys(form.names):
            for value in ONE_CONTROL:
                pairs = [(key, value if key == name else default) for key, default in form.defaults]
                if name not in {key for key, _ in form.defaults}:
                    pairs.append((name, value))
                self.send(form.method, form.action, body=_encode(pairs + named_buttons[:1]))

    def _post_multipart(self, form: Form, named_buttons) -> None:
        for content, filename in HOSTILE_FILES:
            data: dict = {}
            for key, default in form.defaults:
                data.setdefault(key, default)
            for name in form.files:
                data[name] = (io.BytesIO(content), filename)
            if named_buttons:
                data[named_buttons[0][0]] = named_buttons[0][1]
            self.send(form.method, form.action, files=data)
        for value in HOSTILE:
            if isinstance(value, bytes):
                continue
            data = {name: value for name in form.names}
            for name in form.files:
                data[name] = (io.BytesIO(b"%PDF-1.7\n"), "file.pdf")
            self.send(form.method, form.action, files=data)


VISITORS = ["anonymous", *(role.value for role in (Role.TRAINEE, Role.TRAINER, Role.COORDINATOR, Role.ADMIN))]


@pytest.mark.parametrize("visitor", VISITORS)
def test_hostile_input_never_causes_a_server_error(visitor, app, visitors, samples):
    user, client = visitors[visitor]
    with client.application.app_context():
        writes = _CommittedWrites(db.engine)
    try:
        _sweep_as(visitor, user, client, app, samples, writes)
    finally:
        writes.close()


def _sweep_as(visitor, user, client, app, samples, writes) -> None:
    sweep = _Sweep(client, writes)
    forms: dict[tuple[str, str], Form] = {}
    pages = 0

    def admitted(endpoint: str | None) -> bool:
        rule = rule_for(endpoint)
        return rule is not None and (rule.public or (user is not None and rule.admits(user)))

    for method, endpoint, rule_text in ROUTES:
        if method != "GET" or endpoint == "static" or not admitted(endpoint):
            continue
        url = _url_for_route(app, endpoint, rule_text, samples)
        response = client.get(url)
        if response.status_code >= 500:
            sweep.failures.append(f"GET {url}: answered {response.status_code}")
            continue
        if response.status_code != 200 or response.mimetype != "text/html":
            # Files, feeds, redirects: the parameters they might read, with the sharpest values.
            sweep.query(url, set(COMMON_PARAMETERS), values=SHARPEST)
            continue
        pages += 1
        reader = _read_page(url, response.get_data(as_text=True))
        names = set(COMMON_PARAMETERS) | reader.link_parameters
        for form in reader.forms:
            if form.method == "GET":
                names.update(form.names)
            else:
                forms.setdefault((form.method, urlsplit(form.action).path), form)
        sweep.query(url, names)

    # Every other POST endpoint too, with a body of common names: forms no sample page shows,
    # and requests no page would make.
    for method, endpoint, rule_text in ROUTES:
        if method != "GET" and endpoint not in SESSION_ENDING:
            url = _url_for_route(app, endpoint, rule_text, samples)
            forms.setdefault((method, url), Form(method=method, action=url, multipart=False,
                                                 names=[*COMMON_PARAMETERS, "id", "name", "email", "reason"]))
    by_endpoint = [(_endpoint_of(app, form), form) for form in forms.values()]
    # Sign-out last: it ends the visitor's session.
    by_endpoint.sort(key=lambda item: item[0] in SESSION_ENDING)
    for endpoint, form in by_endpoint:
        if admitted(endpoint):
            sweep.post(form)
        else:  # refused before any field is read: one request shows it
            sweep.send(form.method, form.action, body=_encode((name, "x" * 5000) for name in form.names))

    assert pages > 0 and sweep.requests > 100, f"the sweep saw {pages} pages and sent {sweep.requests} requests"
    assert not sweep.failures, (f"{len(sweep.failures)} of {sweep.requests} requests as {visitor} failed:\n  "
                                + "\n  ".join(sweep.failures[:60]))


def _endpoint_of(app, form: Form) -> str | None:
    """The endpoint a form posts to (None when its action matches no route)."""
    try:
        endpoint, _ = app.url_map.bind("localhost").match(urlsplit(form.action).path, method=form.method)
    except HTTPException:
        return None
    return endpoint
