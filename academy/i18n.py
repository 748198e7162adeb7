"""Locale selection: the user's preference, else the session's choice, else the browser's.

Also Flask-Babel with the catalogue and language code remembered per request (``MemoBabel``):
a page looks them up once per translated string otherwise."""
from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from babel.lists import format_list as babel_format_list
from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Babel, Domain, format_date, format_time, get_locale, get_translations, gettext
from flask_login import current_user
from markupsafe import Markup

from .config import RTL_LANGUAGES

#: Each language named in itself, for the switcher.
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}


def select_locale() -> str:
    """Pick the language of this request (the default language outside a request)."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.preferred_language in languages:
        return current_user.preferred_language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Show times in the signed-in user's time zone, else in UTC."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    if current_user and current_user.is_authenticated and current_user.time_zone:
        return current_user.time_zone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


#: Where ``MemoDomain`` keeps, in flask_babel's per-request state, the catalogue it last found
#: (and ``current_language`` the language code).
_MEMO = "academy_catalogue"
_LANGUAGE_MEMO = "academy_language"


def _babel_state():
    """flask_babel's per-request namespace (``g._flask_babel``), or None when there is none yet.

    Read through the application context's variable, as Flask itself does: going through the
    ``g`` proxy twice per translated string cost more than the translation.
    """
    app_context = _cv_app.get(None)
    if app_context is None:
        return None
    return vars(app_context.g).get("_flask_babel")


def current_language() -> str:
    """The two-letter code of the language in force.

    Pages ask for it once per row (country names, regions): the code is remembered beside the
    locale it was read from, like the catalogue in ``MemoDomain``.
    """
    state = _babel_state()
    if state is not None:
        memo = vars(state).get(_LANGUAGE_MEMO)
        if memo is not None and memo[0] is not None and memo[0] is vars(state).get("babel_locale"):
            return memo[1]
    language = str(get_locale() or "en").split("_")[0]
    state = _babel_state()
    if state is not None:
        setattr(state, _LANGUAGE_MEMO, (vars(state).get("babel_locale"), language))
    return language


def format_list(items: Iterable[str], style: str = "standard") -> str:
    """``items`` as the reader's language writes a list: "A, B et C", "A وB وC" (``style="or"``:
    "A, B ou C"). English outside an application."""
    return babel_format_list([str(item) for item in items], style=style, locale=get_locale() or "en")


def format_moment(moment, date_format: str = "medium") -> str:
    """``{{ event.occurred_at | moment }}``: a date and time in the reader's language and time
    zone, the month named where the language names it ("Nov 29, 2026, 9:05 AM", "29 nov. 2026,
    09:05"). English's short numeric form, 11/05/26, is 5 November in the United States and
    11 May almost everywhere else. ``date_format="full"`` adds the weekday (live sessions)."""
    return gettext("%(date)s, %(time)s", date=format_date(moment, date_format),
                   time=format_time(moment, "short"))


def format_list_html(items: Iterable[str], isolated: bool = False) -> Markup:
    """``format_list`` for templates (the ``format_list`` filter): each item escaped, and kept
    in its own writing direction with ``<bdi>`` when ``isolated`` (names in any script)."""
    pattern = Markup("<bdi>%s</bdi>") if isolated else Markup("%s")
    return Markup(format_list(pattern % item for item in items))


def text_direction(language: str | None = None) -> str:
    """``rtl`` for right-to-left languages, ``ltr`` otherwise."""
    return "rtl" if (language or current_language()) in RTL_LANGUAGES else "ltr"


class MemoDomain(Domain):
    """flask_babel's message domain, remembering which catalogue the current locale uses.

    A page translates a hundred strings or more, and flask_babel looks the locale and its
    catalogue up again for each one (several context-local look-ups and a locale name built
    each time). The catalogue found is remembered beside the locale in flask_babel's own
    per-request state and reused while that very locale object is in force: ``force_locale``
    and ``refresh`` install another one (or none), so they are never answered from the memo.
    """

    def get_translations(self):
        state = _babel_state()
        if state is not None:
            memo = vars(state).get(_MEMO)
            locale = vars(state).get("babel_locale")
            if memo is not None and locale is not None and memo[0] is self and memo[1] is locale:
                return memo[2]
        translations = super().get_translations()
        state = _babel_state()
        if state is not None and vars(state).get("babel_locale") is not None:
            setattr(state, _MEMO, (self, state.babel_locale, translations))
        return translations


def _catalogue():
    """The catalogue of this request's domain and locale (what flask_babel's ``get_translations``
    answers), straight from the memo when it holds."""
    state = _babel_state()
    if state is not None:
        memo = vars(state).get(_MEMO)
        if (memo is not None and memo[1] is not None and memo[1] is vars(state).get("babel_locale")
                and memo[0] is vars(state).get("babel_domain")):
            return memo[2]
    return get_translations()


class MemoBabel(Babel):
    """Flask-Babel with ``MemoDomain`` as its default domain, and templates' ``_``/``ngettext``
    reading the remembered catalogue."""

    @cached_property
    def domain_instance(self):
        return MemoDomain(domain=self.domain)

    def init_app(self, app, *args, **kwargs):
        super().init_app(app, *args, **kwargs)
        if self._configure_jinja:
            app.jinja_env.install_gettext_callables(
                gettext=lambda s: _catalogue().ugettext(s),
                ngettext=lambda s, p, n: _catalogue().ungettext(s, p, n),
                newstyle=True,
                pgettext=lambda c, s: _catalogue().upgettext(c, s),
                npgettext=lambda c, s, p, n: _catalogue().unpgettext(c, s, p, n),
            )
