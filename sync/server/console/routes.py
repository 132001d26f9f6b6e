"""The console's pages and forms (``/console/...``).

Every page but the sign-in page needs a session (else: to the sign-in page). Every POST carries the session's
CSRF token (the sign-in form: a token bound to a cookie of its own), checked before anything else is done;
the auditor's role may POST nothing but "sign out". A district supervisor asking for a station outside its
district gets the same 404 as for a station that does not exist. A session unused for the idle timeout ends and
sends the browser to the sign-in page with a message (``?why=idle``). Only the province administrator reaches the
Users page (``/console/users``: the ``Accounts`` functions the command line uses). Tracing results and the audit log
come a page at a time (``paging``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.concurrency import run_in_threadpool

from checkpoint.clock import Clock
from checkpoint.display import shown
from checkpoint.errors import CheckpointError
from checkpoint.figures import OUTCOMES
from checkpoint.isotime import iso_z
from sync.server.console import PREFIX, figures, localtime, paging, trace
from sync.server.console.auth import (
    MIN_PASSWORD,
    Accounts,
    IdleOut,
    LastAdmin,
    Role,
    Session,
    SignIn,
    User,
    generated_password,
    idle_timeout,
    same,
)
from sync.server.console.db import ConsoleDB
from sync.server.console.fleet import create_token, fleet, set_district, visible_station
from sync.server.console.forms import FormError, read_form, read_upload
from sync.server.console.words import DEFAULT_LANG, LANGS, WORDS, word
from sync.server.health import published_versions  # lane fleet-lists: stations behind the published lists
from sync.server.lists import KINDS, PublishedLists
from sync.server.storage import Storage

HERE = Path(__file__).parent
SESSION_COOKIE = "cp_session"
LOGIN_COOKIE = "cp_login"  # binds the sign-in form's CSRF token to this browser
LANG_COOKIE = "cp_lang"
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
T = TypeVar("T")
REPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


class Refused(Exception):
    def __init__(self, status: int, key: str, detail: str = "") -> None:
        super().__init__(key)
        self.status, self.key, self.detail = status, key, detail


#: The folder of the data folder where the operator puts the root public keys (PEM) that sign the lists.
ROOTS_FOLDER = "list-roots"


def mount(app: FastAPI, storage: Storage, db: ConsoleDB, clock: Clock, key: Ed25519PrivateKey,
          lists: PublishedLists) -> None:
    accounts = Accounts(db, idle_timeout())
    idle_minutes = int(accounts.idle.total_seconds() // 60)
    env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True),
                      undefined=StrictUndefined)
    env.filters["local"] = localtime.shown_time  # instants in the province's time, never raw UTC
    router = APIRouter(prefix=PREFIX, include_in_schema=False)

    def lang_of(request: Request) -> str:
        lang = request.cookies.get(LANG_COOKIE, DEFAULT_LANG)
        return lang if lang in LANGS else DEFAULT_LANG

    def page(request: Request, name: str, session: Session | None, status: int = 200, **values: Any) -> Response:
        lang = lang_of(request)
        html = env.get_template(name).render(
            t=lambda k: word(k, lang), lang=lang, langs=LANGS, user=session.user if session else None,
            csrf=session.csrf if session else "", prefix=PREFIX, path=request.url.path, shown=shown, **values)
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    async def th(fn: Callable[..., T], *args: Any) -> T:
        return await run_in_threadpool(fn, *args)

    def address(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    async def current(request: Request) -> Session | None:
        """The request's session; a session found idle past the timeout is ended here, audited, and the request
        sent to the sign-in page with a message saying why (``to_sign_in``)."""
        now = clock.now()
        found = await th(accounts.session, request.cookies.get(SESSION_COOKIE, ""), now)
        if isinstance(found, IdleOut):
            await th(accounts.audit, found.username, "signed_out_idle",
                     f"unused since {found.last_used_at} ({idle_minutes} min timeout)", address(request), now)
            request.state.idle_out = True
            return None
        return found

    def to_sign_in(request: Request) -> Response:
        if getattr(request.state, "idle_out", False):
            resp = RedirectResponse(f"{PREFIX}/login?why=idle", status_code=303, headers=HEADERS)
            resp.delete_cookie(SESSION_COOKIE, path=PREFIX)
            return resp
        return RedirectResponse(f"{PREFIX}/login", status_code=303, headers=HEADERS)

    async def posted(request: Request, session: Session, *, write: bool = True) -> dict[str, str]:
        """The form of a signed-in POST: its CSRF token checked first, then the role's right to change things."""
        try:
            form = await read_form(request)
        except FormError as e:
            raise Refused(400, "bad_input", str(e)) from None
        if not same(form.get("csrf", ""), session.csrf):
            await th(accounts.audit, session.user.username, "csrf_refused", request.url.path, address(request),
                     clock.now())
            raise Refused(403, "csrf")
        if write and session.user.read_only:
            raise Refused(403, "forbidden")
        return form

    async def refusal(request: Request, session: Session | None, e: Refused) -> Response:
        """The error page; a signed-in user's refused attempt (a station outside its district, a right its role
        lacks) is audited, so probing shows in the log (a CSRF refusal is audited where it is found)."""
        if session is not None and e.status in (403, 404) and e.key != "csrf":
            await th(accounts.audit, session.user.username, f"refused_{e.status}", request.url.path[:200],
                     address(request), clock.now())
        return page(request, "error.html", session, e.status, message=e.key, detail=e.detail)

    # -- static, language -------------------------------------------------------------------------
    @router.get("/static/console.css")
    def style() -> Response:
        return FileResponse(HERE / "static" / "console.css", media_type="text/css",
                            headers={"Cache-Control": "max-age=3600", "X-Content-Type-Options": "nosniff"})

    @router.get("/lang/{to}")
    def language(to: str, back: str = "") -> Response:
        target = back if back.startswith(PREFIX + "/") and "//" not in back and "\\" not in back else PREFIX + "/"
        resp = RedirectResponse(target, status_code=303, headers=HEADERS)
        if to in LANGS:
            resp.set_cookie(LANG_COOKIE, to, max_age=365 * 86400, path=PREFIX, samesite="strict", httponly=True)
        return resp

    # -- sign-in ----------------------------------------------------------------------------------
    @router.get("/login")
    async def login_page(request: Request) -> Response:
        return login_form(request, None, 200, idle=request.query_params.get("why") == "idle")

    def login_form(request: Request, message: str | None, status: int, *, idle: bool = False) -> Response:
        token = secrets.token_urlsafe(32)
        resp = page(request, "login.html", None, status, login_csrf=token, message=message, idle=idle,
                    idle_minutes=idle_minutes)
        resp.set_cookie(LOGIN_COOKIE, token, path=PREFIX, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
        return resp

    @router.post("/login")
    async def login(request: Request) -> Response:
        try:
            form = await read_form(request)
        except FormError:
            return login_form(request, "bad_input", 400)
        cookie = request.cookies.get(LOGIN_COOKIE, "")
        if not cookie or not same(form.get("csrf", ""), cookie):
            return login_form(request, "csrf", 403)
        username = form.get("username", "").strip().lower()[:64]
        now = clock.now()
        result = await th(accounts.sign_in, username, form.get("password", ""), now)
        await th(accounts.audit, username, f"sign_in_{result.value}", "", address(request), now)
        if result is SignIn.LOCKED:
            return login_form(request, "locked", 429)
        if result is SignIn.BAD:
            return login_form(request, "bad_sign_in", 401)
        token = await th(accounts.open_session, username, now)
        resp = RedirectResponse(f"{PREFIX}/stations", status_code=303, headers=HEADERS)
        resp.set_cookie(SESSION_COOKIE, token, path=PREFIX, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
        resp.delete_cookie(LOGIN_COOKIE, path=PREFIX)
        return resp

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            await posted(request, session, write=False)
        except Refused as e:
            return await refusal(request, session, e)
        await th(accounts.close_session, request.cookies.get(SESSION_COOKIE, ""))
        await th(accounts.audit, session.user.username, "sign_out", "", address(request), clock.now())
        resp = to_sign_in(request)
        resp.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return resp

    # -- stations ---------------------------------------------------------------------------------
    @router.get("/")
    async def home() -> Response:
        return RedirectResponse(f"{PREFIX}/stations", status_code=303, headers=HEADERS)

    async def stations_page(request: Request, session: Session, token: str | None, number: int = 1,
                            only_flagged: bool = False) -> Response:
        """The fleet a page at a time (100 stations), all or only the flagged ones; the counts are of all."""
        rows = await th(fleet, storage, db, session.user, clock.now(), None, await th(published_versions, lists.folder))
        flagged = [r for r in rows if r.flagged]
        chosen = flagged if only_flagged else rows
        shown_page = paging.page_of(number, len(chosen))
        query = {"only": "flagged"} if only_flagged else {}
        links = {n: paging.link(f"{PREFIX}/stations", query, n) for n in (shown_page.previous, shown_page.next) if n}
        start = shown_page.offset
        return page(request, "stations.html", session, rows=chosen[start:start + shown_page.size], token=token,
                    pager=shown_page, links=links, total=len(rows), flagged=len(flagged), only_flagged=only_flagged)

    @router.get("/stations")
    async def stations(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            number = paging.page_number(request.query_params.get("page"))
            only = request.query_params.get("only", "")
            if only not in ("", "flagged"):
                raise paging.PageError("only: 'flagged' or nothing")
        except paging.PageError as e:
            return await refusal(request, session, Refused(400, "bad_input", str(e)))
        return await stations_page(request, session, None, number, only == "flagged")

    @router.post("/tokens")
    async def new_token(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            form = await posted(request, session)
            user = session.user
            district = (user.district if user.role is Role.SUPERVISOR else form.get("district", "").strip()) or ""
            hours = _int(form.get("hours", "72"), 1, 24 * 90)
            token = await th(create_token, storage, db, district, clock.now(), timedelta(hours=hours))
        except ValueError as e:
            return await refusal(request, session, Refused(400, "bad_input", str(e)))
        except Refused as e:
            return await refusal(request, session, e)
        await th(accounts.audit, user.username, "token_created", f"district {district}, {hours} h",
                 address(request), clock.now())
        return await stations_page(request, session, token)

    @router.get("/stations/{station_id}")
    async def station(request: Request, station_id: str) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        row = await th(visible_station, storage, db, session.user, station_id, clock.now(),
                       await th(published_versions, lists.folder))
        if row is None:
            return await refusal(request, session, Refused(404, "not_found"))
        return page(request, "station.html", session, row=row, done=request.query_params.get("done"))

    @router.post("/stations/{station_id}/revoke")
    async def revoke(request: Request, station_id: str) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            form = await posted(request, session)
            row = await th(visible_station, storage, db, session.user, station_id, clock.now())
            if row is None:
                raise Refused(404, "not_found")
            if form.get("confirm") != "yes":
                raise Refused(400, "bad_input", word("revoke_confirm", lang_of(request)))
        except Refused as e:
            return await refusal(request, session, e)
        await th(storage.revoke_station, station_id, clock.now())
        await th(accounts.audit, session.user.username, "station_revoked", station_id, address(request), clock.now())
        return RedirectResponse(f"{PREFIX}/stations/{quote(station_id)}?done=revoked", status_code=303,
                                headers=HEADERS)

    @router.post("/stations/{station_id}/district")
    async def district(request: Request, station_id: str) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            form = await posted(request, session)
            if session.user.role is not Role.ADMIN:
                raise Refused(403, "forbidden")
            row = await th(visible_station, storage, db, session.user, station_id, clock.now())
            if row is None:
                raise Refused(404, "not_found")
            await th(set_district, db, station_id, form.get("district", "").strip())
        except ValueError as e:
            return await refusal(request, session, Refused(400, "bad_input", str(e)))
        except Refused as e:
            return await refusal(request, session, e)
        await th(accounts.audit, session.user.username, "district_set", f"{station_id}: {form.get('district')}",
                 address(request), clock.now())
        return RedirectResponse(f"{PREFIX}/stations/{quote(station_id)}", status_code=303, headers=HEADERS)

    # -- figures ----------------------------------------------------------------------------------
    def figures_for(user: User, day: date) -> figures.DayFigures:
        seen = {r.station_id: r.district for r in fleet(storage, db, user, clock.now())}
        return figures.day_figures(storage, seen, day)

    def day_of(request: Request) -> date:
        text = request.query_params.get("day", "")
        try:
            return date.fromisoformat(text) if text else localtime.today(clock.now())
        except ValueError:
            raise Refused(400, "bad_input", "day: YYYY-MM-DD") from None

    @router.get("/figures")
    async def figures_page(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            day = day_of(request)
        except Refused as e:
            return await refusal(request, session, e)
        figs = await th(figures_for, session.user, day)
        return page(request, "figures.html", session, figs=figs, outcomes=OUTCOMES, day=day.isoformat())

    @router.get("/report.{fmt}")
    async def report(request: Request, fmt: str) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            if fmt not in REPORT_TYPES:
                raise Refused(404, "not_found")
            day = day_of(request)
        except Refused as e:
            return await refusal(request, session, e)
        figs = await th(figures_for, session.user, day)
        data = figures.report_csv(figs) if fmt == "csv" else await th(figures.report_xlsx, figs)
        await th(accounts.audit, session.user.username, "export", f"report {day.isoformat()} ({fmt})",
                 address(request), clock.now())
        name = f"report-{day.isoformat()}.{fmt}"
        if request.query_params.get("manifest") == "1":
            rows = len(figures.report_rows(figs)) - 1
            doc = report_manifest(name, fmt, data, rows, day, session.user, clock.now(), key)
            return Response(json.dumps(doc, sort_keys=True, ensure_ascii=False, indent=2).encode() + b"\n",
                            media_type="application/json",
                            headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}.manifest.json"'})
        return Response(data, media_type=REPORT_TYPES[fmt],
                        headers={**HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})

    # -- tracing ----------------------------------------------------------------------------------
    @router.get("/trace")
    async def trace_page(request: Request) -> Response:
        """The tracing forms; with ``station``, ``since`` and ``until`` in the query, a page of "who crossed
        station S", masked (the links of a masked answer's pages: nothing personal is in the URL)."""
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        if "station" in request.query_params:
            query = {k: request.query_params.get(k, "") for k in ("station", "since", "until", "page")}
            return await run_trace(request, session, query, masked_only=True)
        rows = await th(fleet, storage, db, session.user, clock.now())
        return page(request, "trace.html", session, stations=[r.station_id for r in rows], result=None, asked={})

    @router.post("/trace")
    async def trace_run(request: Request) -> Response:
        """The three questions; a POST so the key, the id number and the plate never appear in a URL, a history
        or a log."""
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            form = await posted(request, session, write=False)
        except Refused as e:
            return await refusal(request, session, e)
        return await run_trace(request, session, form, masked_only=False)

    async def run_trace(request: Request, session: Session, form: dict[str, str], *, masked_only: bool) -> Response:
        user = session.user
        try:
            number = paging.page_number(form.get("page"))
            visible = [r.station_id for r in await th(fleet, storage, db, user, clock.now())]
            since, until = _when(form.get("since", "")), _when(form.get("until", ""))
            pem = "" if masked_only else form.get("key", "")
            if pem.strip() and user.read_only:
                raise Refused(403, "forbidden", word("no_personal", lang_of(request)))
            key = trace.supervisor_key(pem, form.get("passphrase", "")) if pem.strip() else None
            station_id = form.get("station", "")
            id_number = "" if masked_only else form.get("id_number", "").strip()
            plate = "" if masked_only else form.get("plate", "").strip()
            if id_number and plate:
                raise trace.TraceError(word("one_question", lang_of(request)))
            if id_number:
                if key is None:
                    raise trace.TraceError(word("key_needed", lang_of(request)))
                result = await th(trace.by_id_number, storage, visible, id_number, since, until, key, number)
                detail = f"id number {trace.masked_id(id_number)}"
            elif plate:
                if key is None:
                    raise trace.TraceError(word("plate_key_needed", lang_of(request)))
                result = await th(trace.by_plate, storage, visible, plate, since, until, key, number)
                detail = f"plate {trace.masked_plate(plate)}"
            else:
                if station_id not in visible:
                    raise Refused(404, "not_found")
                result = await th(trace.at_station, storage, station_id, since, until, key, number)
                detail = f"station {station_id}"
        except (trace.TraceError, paging.PageError) as e:
            return await refusal(request, session, Refused(400, "bad_input", str(e)))
        except Refused as e:
            return await refusal(request, session, e)
        shown = result.page
        detail += (f", {iso_z(since)}..{iso_z(until)}, page {shown.number}/{shown.pages}: rows "
                   f"{shown.first}-{shown.last} of {shown.total}")
        await th(accounts.audit, user.username, "trace", detail + (", personal data opened" if result.opened else
                                                                    ", masked"), address(request), clock.now())
        if result.opened:
            await th(accounts.audit, user.username, "personal_data_opened", detail, address(request), clock.now())
        asked = {"station": station_id, "since": form.get("since", ""), "until": form.get("until", "")}
        links = {n: paging.link(f"{PREFIX}/trace", asked, n) for n in (shown.previous, shown.next) if n}
        return page(request, "trace.html", session, stations=visible, result=result, asked=asked,
                    personal=trace.SHOWN_PERSONAL, pager=shown, links=links,
                    id_number=id_number if result.opened else "", plate=plate if result.opened else "")

    # -- lists ------------------------------------------------------------------------------------
    def lists_state() -> dict[str, Any]:
        roots_dir = lists.folder / ROOTS_FOLDER
        roots = sorted(p.name for p in roots_dir.glob("*.pem")) if roots_dir.is_dir() else []
        published = {}
        for kind in KINDS:
            data = lists.get(kind)
            published[kind] = None if data is None else {"bytes": len(data), "sha256": _sha256(data)[:16]}
        return {"roots": roots, "published": published, "kinds": KINDS, "roots_dir": str(roots_dir)}

    @router.get("/lists")
    async def lists_page(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        return page(request, "lists.html", session, done=None, **await th(lists_state))

    @router.post("/lists")
    async def publish(request: Request) -> Response:
        """A list signed elsewhere (the signing key stays offline), verified against the roots before it is
        served: signature, kind, expiry, and newer than the one published."""
        from checkpoint.trust import MAX_LIST_BYTES

        session = await current(request)
        if session is None:
            return to_sign_in(request)
        user = session.user
        try:
            fields, files = await read_upload(request, MAX_LIST_BYTES)
        except FormError as e:
            return await refusal(request, session, Refused(400, "bad_input", str(e)))
        if not same(fields.get("csrf", ""), session.csrf):
            await th(accounts.audit, user.username, "csrf_refused", request.url.path, address(request), clock.now())
            return await refusal(request, session, Refused(403, "csrf"))
        if user.role is not Role.ADMIN:
            return await refusal(request, session, Refused(403, "forbidden"))
        kind, data = fields.get("kind", ""), files.get("file", b"")
        try:
            if kind not in KINDS or not data:
                raise CheckpointError("choose the kind of list and its file")
            roots = await th(_roots, lists.folder / ROOTS_FOLDER)
            done = await th(lists.publish, kind, data, roots, clock.now())
        except CheckpointError as e:
            await th(accounts.audit, user.username, "list_refused", f"{kind}: {e}", address(request), clock.now())
            return await refusal(request, session, Refused(400, "list_refused", str(e)))
        await th(accounts.audit, user.username, "list_published", f"{kind} version {done.version}",
                 address(request), clock.now())
        return page(request, "lists.html", session, done=(kind, done.version), **await th(lists_state))

    # -- audit ------------------------------------------------------------------------------------
    @router.get("/audit")
    async def audit(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            if session.user.role is Role.SUPERVISOR:
                raise Refused(403, "forbidden")
            number = paging.page_number(request.query_params.get("page"))
        except paging.PageError as e:
            return await refusal(request, session, Refused(400, "bad_input", str(e)))
        except Refused as e:
            return await refusal(request, session, e)
        shown = paging.page_of(number, await th(accounts.audit_count))
        rows = await th(accounts.audit_log, shown.size, shown.offset)
        links = {n: paging.link(f"{PREFIX}/audit", {}, n) for n in (shown.previous, shown.next) if n}
        return page(request, "audit.html", session, rows=rows, pager=shown, links=links)

    # -- users (the province administrator only) ---------------------------------------------------
    def admin_only(session: Session) -> None:
        if session.user.role is not Role.ADMIN:
            raise Refused(403, "forbidden")

    async def users_page(request: Request, session: Session, done: str | None = None, who: str | None = None,
                         new_password: str | None = None) -> Response:
        rows = await th(accounts.users, clock.now())
        return page(request, "users.html", session, rows=rows, roles=[r.value for r in Role], done=done, who=who,
                    new_password=new_password)

    def new_password(form: dict[str, str], lang: str) -> tuple[str, bool]:
        """The password a form sets: generated (shown once) when asked, else the one typed twice (the same
        strength rules as the command line, checked by ``Accounts``)."""
        if form.get("generate") == "yes":
            return generated_password(), True
        password = form.get("password", "")
        if password != form.get("password2", ""):
            raise Refused(400, "bad_input", word("passwords_differ", lang))
        return password, False

    @router.get("/users")
    async def users(request: Request) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            admin_only(session)
        except Refused as e:
            return await refusal(request, session, e)
        return await users_page(request, session)

    @router.get("/users/{username}")
    async def user_detail(request: Request, username: str) -> Response:
        session = await current(request)
        if session is None:
            return to_sign_in(request)
        try:
            admin_only(session)
            found = [r for r in await th(accounts.users, clock.now()) if r.user.username == username]
            if not found:
                raise Refused(404, "not_found")
        except Refused as e:
            return await refusal(request, session, e)
        return page(request, "user.html", session, row=found[0], me=session.user.username == username)

    @router.post("/users")
    async def user_add(request: Request) -> Response:

        session = await current(request)
        if session is None:
            return to_sign_in(request)
        lang = lang_of(request)
        try:
            form = await posted(request, session)
            admin_only(session)
            name = form.get("username", "").strip().lower()
            role_text = form.get("role", "")
            if role_text not in {r.value for r in Role}:
                raise Refused(400, "bad_input", word("rule_role", lang))
            role = Role(role_text)
            district = form.get("district", "").strip() or None
            password, generated = new_password(form, lang)
            added = await th(accounts.add_user, name, password, role, district, clock.now())
        except CheckpointError as e:
            return await refusal(request, session, Refused(400, "bad_input", account_rule(e, lang, name)))
        except Refused as e:
            return await refusal(request, session, e)
        await th(accounts.audit, session.user.username, "user_added",
                 f"{added.username} ({added.role.value}{', ' + added.district if added.district else ''}), "
                 f"{'generated' if generated else 'typed'} password", address(request), clock.now())
        return await users_page(request, session, "user_added", added.username, password if generated else None)

    @router.post("/users/{username}/{action}")
    async def user_change(request: Request, username: str, action: str) -> Response:
        """Reset a password, unlock, remove: the same functions as ``checkpoint server console-user``."""

        session = await current(request)
        if session is None:
            return to_sign_in(request)
        lang = lang_of(request)
        generated = None
        try:
            form = await posted(request, session)
            admin_only(session)
            if action == "password":
                password, was_generated = new_password(form, lang)
                known = await th(accounts.set_password, username, password)
                generated = password if was_generated else None
                detail = f"{username}, {'generated' if was_generated else 'typed'} password; sessions ended"
            elif action == "unlock":
                known = await th(accounts.unlock, username)
                detail = username
            elif action == "remove":
                if username == session.user.username:
                    await th(accounts.audit, session.user.username, "user_change_refused",
                             f"remove {username}: oneself", address(request), clock.now())
                    raise Refused(400, "not_yourself")
                if form.get("confirm") != "yes":
                    raise Refused(400, "bad_input", word("remove_confirm", lang))
                known = await th(lambda: accounts.remove_user(username, keep_an_admin=True))
                detail = f"{username}; sessions ended"
            else:
                raise Refused(404, "not_found")
            if not known:
                raise Refused(404, "not_found")
        except LastAdmin:
            await th(accounts.audit, session.user.username, "user_change_refused", f"remove {username}: last admin",
                     address(request), clock.now())
            return await refusal(request, session, Refused(400, "last_admin"))
        except CheckpointError as e:
            return await refusal(request, session, Refused(400, "bad_input", account_rule(e, lang, username)))
        except Refused as e:
            return await refusal(request, session, e)
        await th(accounts.audit, session.user.username, f"user_{action}", detail, address(request), clock.now())
        return await users_page(request, session, f"user_{action}", username, generated)

    app.include_router(router)


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _roots(folder: Path) -> list[Any]:
    """The root public keys the operator put in ``folder`` (PEM files); none: nothing can be published."""
    from checkpoint.trust.keys import load_public_pem

    paths = sorted(folder.glob("*.pem")) if folder.is_dir() else []
    if not paths:
        raise CheckpointError(f"no root public key in {folder}: put the PEM of the key that signs the lists there")
    return [load_public_pem(p.read_bytes()[:65536], p.name)[0] for p in paths]


def _when(text: str) -> datetime:
    """A form's time (``YYYY-MM-DDTHH:MM``, as a datetime-local field sends it, or a day) in the province's time
    zone, as every time on the pages is shown (``localtime``), returned in UTC; one with an offset is taken as is."""
    from datetime import UTC

    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise trace.TraceError("times: YYYY-MM-DDTHH:MM (the province's local time)") from None
    return (t.replace(tzinfo=localtime.zone()) if t.tzinfo is None else t).astimezone(UTC)


def account_rule(e: CheckpointError, lang: str, username: str) -> str:
    """An account rule the form broke (``Accounts``: the command line's rules), in the page's language; the
    English message is the command line's."""
    key = f"rule_{e.code}"
    return word(key, lang).format(n=MIN_PASSWORD, name=username) if e.code and key in WORDS else str(e)


def _int(text: str, low: int, high: int) -> int:
    try:
        n = int(text)
    except ValueError:
        raise ValueError(f"a whole number from {low} to {high}") from None
    if not low <= n <= high:
        raise ValueError(f"a whole number from {low} to {high}")
    return n


def report_manifest(name: str, fmt: str, data: bytes, rows: int, day: date, user: User, now: datetime,
                    key: Ed25519PrivateKey) -> dict[str, Any]:
    """The report's manifest, signed by the server's key like a station's export manifest is by the station's
    (``checkpoint.export.manifest``): the file's digest and size, what it covers, who made it and when."""
    import hashlib

    from checkpoint.export.manifest import sign

    body = {"file": name, "format": fmt, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
            "rows": rows, "filters": {"day": day.isoformat(), "district": user.district},
            "station_id": "central", "covers_upto_seq": None, "covers_upto_hash": None, "chain_head_seq": None,
            "chain_head_hash": None, "created_at": iso_z(now), "made_by": user.username, "personal_data": False}
    return sign(body, key)

