"""Pages: Tasks (check-in calendar, rules, share links, badges), the leaderboard, /s/<code>,
and earning's blocks on home (today's check-in and tasks, the first-run checklist)."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from babel.dates import format_skeleton, get_day_names
from babel.lists import format_list
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tokenmart.accounts.views import PROFILE_SECTIONS
from tokenmart.core.clock import local_today
from tokenmart.core.labels import label
from tokenmart.core.limits import earning_limit
from tokenmart.core.replicas import reads_replica
from tokenmart.core.web import arg_str, local_path
from tokenmart.errors import DomainError
from tokenmart.extensions import db, limiter
from tokenmart.home.views import HOME_SECTIONS

from . import badges, leaderboard, service, tiers, welcome  # noqa: F401 - welcome hooks registration
from .first_steps import first_steps
from .forms import ActionForm, ShareForm
from .settings import apply_defaults
from .targets import share_target_kinds
from .today import earning_today

bp = Blueprint("earning", __name__)
REF_COOKIE = "tm_ref"
#: session key: the id of the user who hid the first-run checklist in this browser
FIRST_STEPS_HIDDEN = "tm_first_steps_hidden"


@bp.record_once
def _settings(state: Any) -> None:
    apply_defaults(state.app.config)



def _month_arg() -> tuple[int, int]:
    raw = request.args.get("month", "")
    try:
        year, month = (int(p) for p in raw.split("-"))
        date(year, month, 1)
        if not 1970 <= year <= 9998:
            raise ValueError(raw)
    except ValueError:
        today = local_today()
        return today.year, today.month
    return year, month


def _streak_rules() -> list[tuple[int, int]]:
    table = current_app.config["EARNING_STREAK_COINS"]
    return list(enumerate(table, start=1))


def _month_title(year: int, month: int) -> str:
    """"March 2026" / "2026年3月": the calendar's heading in the reader's locale."""
    return format_skeleton("yMMMM", date(year, month, 1), locale=get_locale())


def _weekday_names() -> list[str]:
    """Monday first, as the calendar's columns: "Mon" ... / "周一" ..."""
    names = get_day_names("abbreviated", locale=get_locale())
    return [names[i] for i in range(7)]


def _tier_names() -> str:
    """Every tier's name, lowest first, as a list in the reader's language."""
    return format_list([label(name, "tier") for name, _n in tiers.thresholds()],
                       locale=get_locale())


def _local_next(default: str) -> str:
    """The form's `next` when it is a path on this site, else `default` (no open redirect)."""
    return local_path(request.form.get("next"), default)


@bp.get("/tasks")
@login_required
def tasks() -> Any:
    year, month = _month_arg()
    cal = service.checkin_month(current_user.id, year, month)
    checked = {c["day"]: c for c in cal["checkins"]}
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    prev_month = f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"
    next_month = f"{year + (month == 12):04d}-{month % 12 + 1:02d}"
    return render_template(
        "earning/tasks.html", cal=cal, checked=checked, weeks=weeks, year=year, month=month,
        prev_month=prev_month, next_month=next_month, form=ActionForm(),
        month_title=_month_title(year, month), weekdays=_weekday_names(),
        tier_names=_tier_names(), rules=_streak_rules(), cfg=current_app.config,
        shares=service.shares_of(current_user.id), badges=badges.badges_of(current_user.id),
        referrals=service.referrals_of(current_user.id),
        tier=tiers.tier_progress(current_user.id, current_user.tier),
    )


@bp.post("/tasks/checkin")
@login_required
@limiter.limit(earning_limit)
def checkin() -> Any:
    """Check in, then go back where the button was (home or Tasks)."""
    form = ActionForm()
    back = _local_next(url_for("earning.tasks"))
    if not form.validate_on_submit():
        flash(_("Your session expired; please try again."), "error")
        return redirect(back)
    try:
        result = service.check_in(current_user.id)
    except DomainError as err:
        db.session.rollback()
        if err.code == "already_checked_in":
            flash(_("You have already checked in today; come back tomorrow."), "info")
        else:
            flash(err.text(), "error")
        return redirect(back)
    db.session.commit()
    if result.flowers:
        flash(_("Day %(day)s of your streak: +%(coins)s coins and +%(flowers)s little red flowers!",
                day=result.streak, coins=result.coins, flowers=result.flowers), "success")
    else:
        flash(_("Day %(day)s of your streak: +%(coins)s coins!", day=result.streak,
                coins=result.coins), "success")
    return redirect(back)


@bp.post("/tasks/invite")
@login_required
@limiter.limit(earning_limit)
def invite() -> Any:
    form = ActionForm()
    if form.validate_on_submit():
        service.create_share(current_user.id, "invite", current_user.id)
        db.session.commit()
        flash(_("Your invite link is ready: share it with friends."), "success")
    return redirect(url_for("earning.tasks") + "#shares")


@bp.post("/share")
@login_required
@limiter.limit(earning_limit)
def share() -> Any:
    """Make a share link for any registered target (other domains' pages post here)."""
    form = ShareForm()
    if not form.validate_on_submit() or form.target_type.data not in share_target_kinds():
        flash(_("That cannot be shared."), "error")
        return redirect(url_for("earning.tasks"))
    try:
        link = service.create_share(current_user.id, form.target_type.data, form.target_id.data)
    except DomainError:
        db.session.rollback()
        flash(_("That cannot be shared."), "error")
        return redirect(url_for("earning.tasks"))
    db.session.commit()
    url = url_for("earning.open_share", code=link.code, _external=True)
    flash(_("Your share link: %(url)s", url=url), "success")
    return redirect(_local_next(url_for("earning.tasks") + "#shares"))


@bp.app_template_global()
def share_link_for(target_type: str, target_id: int) -> str | None:
    """The signed-in user's share link for a target, for share buttons on any page."""
    if not current_user.is_authenticated:
        return None
    link = service.find_share(current_user.id, target_type, target_id)
    return url_for("earning.open_share", code=link.code, _external=True) if link else None


@bp.get("/s/<code>")
@limiter.limit(earning_limit)
def open_share(code: str) -> Any:
    """Record the visit (paying the sharer if due), remember the ref, go to the target."""
    visitor = current_user.id if current_user.is_authenticated else None
    rewarded = service.record_visit(code, visitor)  # NotFound renders the 404 page
    link = service.get_share(code)
    db.session.commit()
    if visitor is not None and link.target_type == "invite":
        # An invitation leads to "Create your account": never where a member belongs.
        if visitor == link.user_id:
            flash(_("This is your own invite link: share it with friends who are new here."),
                  "info")
        else:
            flash(_("You already have an account — invite links are for new friends."), "info")
        if rewarded:
            flash(_("Thanks for visiting: your friend earned coins."), "info")
        return redirect(url_for("home.index"))
    response = redirect(service.share_target_url(link))
    if visitor is None:
        days = int(current_app.config["EARNING_REFERRAL_WINDOW_DAYS"])
        response.set_cookie(REF_COOKIE, service.make_ref_token(code), max_age=days * 86400,
                            httponly=True, samesite="Lax",
                            secure=current_app.config.get("SESSION_COOKIE_SECURE", False))
    elif rewarded:
        flash(_("Thanks for visiting: your friend earned coins."), "info")
    return response


@bp.get("/leaderboard")
@reads_replica
def leaderboard_page() -> Any:
    """This week's board; a signed-in reader's row is marked, and their rank shown below
    the board when they are not on it."""
    try:
        day: date | None = date.fromisoformat(arg_str("week", max_length=10))
    except ValueError:
        day = None
    if day is not None and not date(1970, 1, 1) <= day <= date(9998, 12, 31):
        day = None
    board = leaderboard.weekly_leaderboard(day)
    me = mine = None
    if current_user.is_authenticated:
        me = current_user.id
        mine = leaderboard.my_standing(me, day)
    on_board = any(row["user_id"] == me for row in board["items"])
    return render_template("earning/leaderboard.html", board=board, me=me, mine=mine,
                           on_board=on_board,
                           opted_out=bool(me and current_user.leaderboard_opt_out))


@bp.post("/first-steps/hide")
@login_required
def hide_first_steps() -> Any:
    """Hide the first-run checklist on home (in this browser's session)."""
    if ActionForm().validate_on_submit():
        session[FIRST_STEPS_HIDDEN] = current_user.id
        flash(_("Checklist hidden. Everything in it stays on the Tasks, Coupons and Sell pages."),
              "info")
    return redirect(url_for("home.index"))


def _profile_section(user: Any) -> dict[str, Any]:
    return {
        "template": "earning/_profile.html",
        "tier": tiers.tier_progress(user.id, user.tier),
        "badges": badges.badges_of(user.id),
    }


def _home_section() -> dict[str, Any] | None:
    """Today's check-in and tasks: first thing on a signed-in home page."""
    if not current_user.is_authenticated:
        return None
    return {"template": "earning/_home.html", "order": 10,
            "today": earning_today(current_user.id, current_user.tier), "form": ActionForm()}


def _first_steps_section() -> dict[str, Any] | None:
    """The first-run checklist, until every step is done or the user hides it."""
    if not current_user.is_authenticated or session.get(FIRST_STEPS_HIDDEN) == current_user.id:
        return None
    steps = first_steps(current_user.id)
    if all(step.done for step in steps):
        return None
    return {"template": "earning/_first_steps.html", "order": 12, "steps": steps,
            "done": sum(step.done for step in steps), "form": ActionForm()}


PROFILE_SECTIONS.append(_profile_section)
HOME_SECTIONS.append(_home_section)
HOME_SECTIONS.append(_first_steps_section)
