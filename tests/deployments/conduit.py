"""A RealWorld "Conduit" backend's articles: FastAPI + SQLAlchemy 2 on SQLite, as the RealWorld
spec describes them.

`GET /api/articles` filters by `tag` (in the article's `tagList`), `author` (the author's
`username`) and `favorited` (a username that favorited it), pages by `limit`/`offset`, and
answers `{articles, articlesCount}`, newest first; `GET /api/articles/{slug}` answers
`{article}`. Reads are public, as in RealWorld. `make_app(bug)` builds the app with one bug that
list endpoints ship.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Column, ForeignKey, String, Table, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.sql import Select

from tests.deployments import AllowEveryMethod, seeded_database

TOKEN = None

BUGS = {
    "tag_ignored": "filters_exact",
    "tag_inverted": "filters_exact",
    "author_copied_from_favorited": "filters_exact",
    "count_before_filter": "totals_exact",
    "offset_off_by_one": "pages_agree",
    "tag_filter_after_paging": "filters_exact",
}


class Base(DeclarativeBase):
    pass


article_tags = Table(
    "article_tags",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id"), primary_key=True),
    Column("tag", String(40), primary_key=True),
)
favorites = Table(
    "favorites",
    Base.metadata,
    Column("article_id", ForeignKey("articles.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True),
)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    bio: Mapped[str | None] = mapped_column(String(200))
    image: Mapped[str | None] = mapped_column(String(200))


class ArticleRow(Base):
    __tablename__ = "articles"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(2000))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    author: Mapped[UserRow] = relationship(lazy="joined")


class Profile(BaseModel):
    username: str
    bio: str | None = None
    image: str | None = None
    following: bool = False


class Article(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    slug: str
    title: str
    description: str
    body: str
    tag_list: list[str] = Field(alias="tagList")
    created_at: datetime = Field(alias="createdAt")
    updated_at: datetime = Field(alias="updatedAt")
    favorited: bool = False
    favorites_count: int = Field(alias="favoritesCount")
    author: Profile


class MultipleArticles(BaseModel):
    articles: list[Article]
    articles_count: int = Field(alias="articlesCount")


class SingleArticle(BaseModel):
    article: Article


class GenericError(BaseModel):
    errors: dict[str, list[str]]


AUTHORS = ("jake", "jane", "ada", "linus", "grace", "ken")
TAGS = ("dragons", "training", "python", "rust", "welcome", "testing", "api")


def _seed(db: Session) -> None:
    for i, name in enumerate(AUTHORS, start=1):
        db.add(UserRow(id=i, username=name, bio=None if i % 2 else f"{name} writes", image=None))
    start = datetime(2025, 5, 1, 12, 0, tzinfo=UTC).replace(tzinfo=None)
    for n in range(1, 131):
        created = start + timedelta(hours=5 * n)
        db.add(
            ArticleRow(
                id=n,
                slug=f"how-to-train-your-dragon-{n}",
                title=f"How to train your dragon {n}",
                description=f"Part {n} of the series",
                body="You have to believe.",
                author_id=1 + (n * 7) % len(AUTHORS),
                created_at=created,
                updated_at=created + timedelta(minutes=n % 11),
            )
        )
        db.flush()
        chosen = {TAGS[(n * k) % len(TAGS)] for k in (1, 3) if (n + k) % 3}
        for tag in sorted(chosen):
            db.execute(article_tags.insert().values(article_id=n, tag=tag))
        for user in range(1, len(AUTHORS) + 1):
            if (n + user) % 5 == 0:
                db.execute(favorites.insert().values(article_id=n, user_id=user))
    db.commit()


def make_app(bug: str | None = None) -> FastAPI:
    get_db = seeded_database(Base.metadata, _seed)

    def to_article(db: Session, row: ArticleRow) -> Article:
        tags = db.scalars(select(article_tags.c.tag).where(article_tags.c.article_id == row.id)).all()
        count = db.scalar(select(func.count()).where(favorites.c.article_id == row.id)) or 0
        return Article(
            slug=row.slug,
            title=row.title,
            description=row.description,
            body=row.body,
            tagList=sorted(tags),
            createdAt=row.created_at.replace(tzinfo=UTC),
            updatedAt=row.updated_at.replace(tzinfo=UTC),
            favoritesCount=count,
            author=Profile(username=row.author.username, bio=row.author.bio, image=row.author.image),
        )

    app = FastAPI(title="Conduit API", version="1.0.0")
    app.add_middleware(AllowEveryMethod, router=app.router)

    @app.get("/api/articles", response_model=MultipleArticles, tags=["Articles"])
    def get_articles(
        db: Annotated[Session, Depends(get_db)],
        tag: str | None = None,
        author: str | None = None,
        favorited: str | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 20,
        offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    ) -> Any:
        """Get most recent articles globally. Use query parameters to filter results."""
        query: Select[Any] = select(ArticleRow)
        if tag is not None and bug not in ("tag_ignored", "tag_filter_after_paging"):
            has_tag = ArticleRow.id.in_(select(article_tags.c.article_id).where(article_tags.c.tag == tag))
            query = query.where(~has_tag if bug == "tag_inverted" else has_tag)
        fans = select(favorites.c.article_id).join(UserRow, UserRow.id == favorites.c.user_id)
        if author is not None and bug == "author_copied_from_favorited":
            # The favorited block pasted for author, the join left as it was.
            query = query.where(ArticleRow.id.in_(fans.where(UserRow.username == author)))
        elif author is not None:
            by = select(UserRow.id).where(UserRow.username == author)
            query = query.where(ArticleRow.author_id.in_(by))
        if favorited is not None:
            query = query.where(ArticleRow.id.in_(fans.where(UserRow.username == favorited)))
        counted = select(ArticleRow) if bug == "count_before_filter" else query
        total = db.scalar(select(func.count()).select_from(counted.subquery())) or 0
        start = offset + 1 if bug == "offset_off_by_one" and offset else offset
        rows = db.scalars(query.order_by(ArticleRow.created_at.desc()).offset(start).limit(limit)).all()
        articles = [to_article(db, row) for row in rows]
        if bug == "tag_filter_after_paging" and tag is not None:
            articles = [a for a in articles if tag in a.tag_list]
        return MultipleArticles(articles=articles, articlesCount=total)

    @app.get(
        "/api/articles/{slug}",
        response_model=SingleArticle,
        responses={404: {"model": GenericError}},
        tags=["Articles"],
    )
    def get_article(slug: str, db: Annotated[Session, Depends(get_db)]) -> Any:
        """Get an article. Auth not required."""
        row = db.scalar(select(ArticleRow).where(ArticleRow.slug == slug))
        if row is None:
            raise HTTPException(status_code=404, detail={"errors": {"article": ["not found"]}})
        return SingleArticle(article=to_article(db, row))

    @app.get("/api/tags", tags=["Tags"])
    def get_tags(db: Annotated[Session, Depends(get_db)]) -> dict[str, list[str]]:
        """Get tags. Auth not required."""
        return {"tags": sorted(set(db.scalars(select(article_tags.c.tag)).all()))}

    @app.exception_handler(HTTPException)
    async def errors(_request: Any, exc: HTTPException) -> Any:
        from fastapi.responses import JSONResponse

        body = exc.detail if isinstance(exc.detail, dict) else {"errors": {"body": [str(exc.detail)]}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    return app
