"""Signing a browser in and out of the dashboard: ``/login`` (a form to paste a token) and ``/logout``.

A valid token opens a server-side session (``AccessControl.open_session``) and the browser gets only
its random secret, in a cookie that is ``HttpOnly`` (no script reads it), ``SameSite=Strict``, ``Path=/``
and ``Secure`` when the page was served over https (directly, or behind a proxy whose
``X-Forwarded-Proto`` this server trusts: ``serve --forwarded-allow-ips``). The token itself is never
stored in the browser; the session ends after ``SESSION_LIFETIME``, on sign-out, or when its token is
revoked. Why a session rather than the token in the cookie: docs/api.md#signing-in-from-a-browser.

Both forms post from this server's pages only (``refuse_cross_site``); both are audited as every write
is. These routes are for browsers and stay out of the OpenAPI.
"""

from __future__ import annotations

from html import escape
from typing import Literal
from urllib.parse import parse_qs

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from modelmonitor.api.auth import SESSION_COOKIE, refuse_cross_site, state_of
from modelmonitor.api.dashboard_layout import page
from modelmonitor.service.access import SESSION_LIFETIME, TOKEN_PREFIX

__all__ = ["router"]

router = APIRouter(tags=["dashboard"], include_in_schema=False)

LoginNotice = Literal["signed-out", "session-ended"]
# Fixed sentences: the link carries a code, never text.
_NOTICES: dict[str, str] = {
    "signed-out": "You are signed out.",
    "session-ended": "Your session has ended (it expired, or its token was revoked): sign in again.",
}


def _safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this server only (never ``//host`` or a URL)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(c) < 0x20 or c == "\\" for c in target)
        or target.startswith(("/login", "/logout"))
    ):
        return "/"
    return target


def _refusal(token: str) -> str:
    if not token:
        return "Paste a token first."
    if not token.startswith(TOKEN_PREFIX):
        return (
            f"That is not a modelmonitor API token: tokens start with {TOKEN_PREFIX} "
            "(as modelmonitor token create printed it)."
        )
    return (
        "That token was not accepted: it is unknown, revoked, or not copied whole. "
        "Paste it exactly as modelmonitor token create printed it, or ask an admin for a new one."
    )


def render_login(next_path: str, *, notice: str | None = None, refusal: str | None = None) -> str:
    told = ""
    if refusal is not None:
        told = f'<p class="notice refused" id="login-error" role="alert">{escape(refusal)}</p>'
    elif notice is not None:
        told = f'<p class="notice" id="notice">{escape(notice)}</p>'
    hours = int(SESSION_LIFETIME.total_seconds() // 3600)
    body = (
        f"<h1>Sign in to modelmonitor</h1>{told}"
        '<form class="login" method="post" action="/login">'
        '<label for="token">API token</label>'
        '<input type="password" id="token" name="token" autocomplete="off" spellcheck="false" '
        'placeholder="mm_…" autofocus>'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        '<button type="submit" id="sign-in">Sign in</button></form>'
        "<p>A token comes from <code>modelmonitor token create --role viewer|operator|admin</code> "
        "(ask an admin). Its role decides what you can do: viewers read, operators also run monitors "
        f"now and start or stop them. You stay signed in for {hours} hours or until you sign out; "
        "the browser keeps a session cookie, never the token.</p>"
    )
    return page("Sign in · modelmonitor", body)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    next_page: str | None = Query(default=None, alias="next", description="The page to go back to"),
    done: LoginNotice | None = Query(default=None),
) -> str:
    return render_login(_safe_next(next_page), notice=_NOTICES[done] if done else None)


@router.post("/login", response_model=None)
async def sign_in(request: Request) -> HTMLResponse | RedirectResponse:
    refuse_cross_site(request)
    # A plain form post (application/x-www-form-urlencoded); the body is size-limited before it gets here.
    form = parse_qs((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)
    token = (form.get("token") or [""])[0].strip()
    next_path = _safe_next((form.get("next") or ["/"])[0])
    opened = await run_in_threadpool(state_of(request).access.open_session, token)
    if opened is None:
        return HTMLResponse(render_login(next_path, refusal=_refusal(token)), status_code=401)
    secret, caller = opened
    request.state.caller = caller  # the audit names who signed in
    answer = RedirectResponse(next_path, status_code=303)
    answer.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return answer


@router.post("/logout")
async def sign_out(request: Request) -> RedirectResponse:
    refuse_cross_site(request)
    access = state_of(request).access
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        caller = await run_in_threadpool(access.session_caller, secret)
        if caller is not None:
            request.state.caller = caller
        await run_in_threadpool(access.close_session, secret)
    answer = RedirectResponse("/login?done=signed-out", status_code=303)
    answer.delete_cookie(
        SESSION_COOKIE, path="/", secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )
    return answer
