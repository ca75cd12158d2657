"""An activity feed paged by `Link` headers (RFC 8288), as GitHub's API pages: FastAPI +
SQLAlchemy 2 on SQLite.

`GET /events?per_page=30&after=<cursor>&type=PushEvent` answers a JSON array, newest first, and
a `Link: <...>; rel="next"` header while more events follow; the cursor is opaque (the last
event's id, encoded). `type` and `actor` (the actor's `login`) filter, and `created_after` /
`created_before` bound the events' `created_at`. `make_app(bug)` builds the app with one bug that
Link-paged endpoints ship.
"""

import base64
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from tests.deployments import AllowEveryMethod, seeded_database

TOKEN = None

BUGS = {
    "next_on_the_last_page": "pages_agree",
    "next_link_drops_the_filter": "filters_exact",
    "cursor_skips_one": "pages_agree",
    "created_after_by_the_day": "filters_exact",
}

EventType = Literal["PushEvent", "IssuesEvent", "PullRequestEvent", "WatchEvent", "ForkEvent"]
TYPES: tuple[str, ...] = ("PushEvent", "IssuesEvent", "PullRequestEvent", "WatchEvent", "ForkEvent")
LOGINS = ("octocat", "hubot", "mona", "defunkt", "mojombo")


class Base(DeclarativeBase):
    pass


class ActorRow(Base):
    __tablename__ = "actors"
    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(40), unique=True)


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id"))
    repo: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    actor: Mapped[ActorRow] = relationship(lazy="joined")


class Actor(BaseModel):
    id: int
    login: str


class Event(BaseModel):
    id: int
    type: EventType
    actor: Actor
    repo: str
    created_at: datetime


def _seed(db: Session) -> None:
    db.add_all([ActorRow(id=i, login=login) for i, login in enumerate(LOGINS, start=1)])
    start = datetime(2025, 9, 1, tzinfo=UTC).replace(tzinfo=None)
    for n in range(1, 161):
        db.add(
            EventRow(
                id=1000 + n,
                type=TYPES[(n * 3) % len(TYPES)],
                actor_id=1 + (n * 7) % len(LOGINS),
                repo=f"octo-org/project-{n % 11}",
                created_at=start + timedelta(minutes=n * 9),
            )
        )
    db.commit()


def _cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"event:{event_id}".encode()).decode().rstrip("=")


def _decoded(cursor: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    kind, _, number = text.partition(":")
    return int(number) if kind == "event" and number.isdigit() and len(number) < 12 else None


DATE_TIME = {"format": "date-time"}


def _instant(text: str, name: str) -> datetime:
    """An RFC 3339 date-time, as naive UTC for the database; anything else is a 422."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None or "T" not in text:
        detail = [
            {"type": "datetime_parsing", "loc": ["query", name], "msg": "Input should be a valid datetime"}
        ]
        raise HTTPException(status_code=422, detail=detail)
    return parsed.astimezone(UTC).replace(tzinfo=None)


def make_app(bug: str | None = None) -> FastAPI:
    get_db = seeded_database(Base.metadata, _seed)

    app = FastAPI(title="Activity")
    app.add_middleware(AllowEveryMethod, router=app.router)
    link = {"description": "The next page, while there is one", "schema": {"type": "string"}}

    @app.get(
        "/events",
        response_model=list[Event],
        responses={200: {"headers": {"Link": link}}, 404: {"description": "No page at this cursor"}},
    )
    def list_events(
        request: Request,
        response: Response,
        db: Annotated[Session, Depends(get_db)],
        per_page: Annotated[int, Query(ge=1, le=100)] = 30,
        after: Annotated[str | None, Query(min_length=1)] = None,
        type: EventType | None = None,
        actor: str | None = None,
        # Read as text and parsed here: pydantic would take `0.5` for a date-time (a timestamp).
        created_after: Annotated[str | None, Query(json_schema_extra=DATE_TIME)] = None,
        created_before: Annotated[str | None, Query(json_schema_extra=DATE_TIME)] = None,
    ) -> Any:
        """List public events, newest first."""
        query = select(EventRow)
        if type is not None:
            query = query.where(EventRow.type == type)
        if actor is not None:
            query = query.where(EventRow.actor_id.in_(select(ActorRow.id).where(ActorRow.login == actor)))
        if created_after is not None:
            bound = _instant(created_after, "created_after")
            if bug == "created_after_by_the_day":
                bound = bound.replace(hour=0, minute=0, second=0, microsecond=0)  # a DATE() in SQL
            query = query.where(EventRow.created_at > bound)
        if created_before is not None:
            query = query.where(EventRow.created_at < _instant(created_before, "created_before"))
        if after is not None:
            last = _decoded(after)
            if last is None:
                # A cursor this API never handed out points at no page.
                raise HTTPException(status_code=404, detail="No page at this cursor")
            query = query.where(EventRow.id < (last - 1 if bug == "cursor_skips_one" else last))
        rows = db.scalars(query.order_by(EventRow.id.desc()).limit(per_page + 1)).all()
        page = rows[:per_page]
        if (len(rows) > per_page or bug == "next_on_the_last_page") and page:
            kept = {k: v for k, v in request.query_params.items() if k != "after"}
            if bug == "next_link_drops_the_filter":
                kept = {k: v for k, v in kept.items() if k == "per_page"}
            url = f"{request.url.path}?{urlencode({**kept, 'after': _cursor(page[-1].id)})}"
            if bug == "next_on_the_last_page" and len(rows) <= per_page:
                url = str(request.url.path) + (f"?{request.url.query}" if request.url.query else "")
            response.headers["Link"] = f'<{url}>; rel="next"'
        return [
            Event(
                id=r.id,
                type=r.type,
                actor=Actor(id=r.actor.id, login=r.actor.login),
                repo=r.repo,
                created_at=r.created_at.replace(tzinfo=UTC),
            )
            for r in page
        ]

    return app
