"""The assistants API written the way a FastAPI developer writes it: FastAPI, pydantic 2 and
SQLAlchemy 2 on SQLite.

Nothing here is shaped for the checker. The parameters are `Query(ge=0)` and
`Query(ge=1, le=1000)`, the rows are ordered by id in SQL, the response model is a pydantic
model read from ORM attributes, and authentication is FastAPI's `HTTPBearer`. The one thing a
careful developer adds is a column type that keeps timestamps in UTC, because SQLite stores
datetimes without their offset. A contract run must pass against it (no false positives).
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Response, status
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, ForeignKey, String, create_engine, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

TOKEN = "fastapi-token"
CALLER = {"user_id": 11, "organization_id": 3}


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware datetimes out: SQLite keeps no offset."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC).replace(tzinfo=None) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    api_token: Mapped[str] = mapped_column(String(64), unique=True)


class Assistant(Base):
    __tablename__ = "assistants"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    is_active: Mapped[bool] = mapped_column(default=True)
    llm_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LLMSettings(BaseModel):
    temperature: float = 0.7
    max_tokens: int = 1000
    system_prompt: str = "You are a helpful assistant."


class AssistantUpdate(BaseModel):
    # The settings this service stores; the document's other fields are accepted and not kept,
    # as pydantic ignores fields a model does not name. A field left out is not set (`None` is
    # the unvalidated default, dropped by `exclude_unset`), and a `null` sent for a column that
    # cannot be NULL is refused (422), not written.
    name: str = Field(default=None, min_length=1)  # type: ignore[assignment]
    description: str | None = None
    is_active: bool = None  # type: ignore[assignment]
    llm_settings: LLMSettings | None = None


class AssistantCreate(AssistantUpdate):
    name: str = Field(min_length=1)
    is_active: bool = True


class AssistantResponse(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    organization_id: int
    user_id: int
    name: str
    description: str | None = None
    is_active: bool
    llm_settings: LLMSettings | None = None
    created_at: datetime
    updated_at: datetime


def _seed(db: Session) -> None:
    db.add_all([Organization(id=3, name="Initech"), Organization(id=4, name="Umbrella")])
    db.add_all(
        [
            User(id=11, organization_id=3, api_token=TOKEN),
            User(id=12, organization_id=3, api_token="fastapi-token-colleague"),
            User(id=21, organization_id=4, api_token="fastapi-token-umbrella"),
        ]
    )
    start = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    for n in range(1, 321):
        # Two organizations' rows interleaved, as inserts from many tenants arrive.
        org, user = (4, 21) if n % 5 == 0 else (3, 11 if n % 3 else 12)
        created = start + timedelta(hours=7 * n)
        db.add(
            Assistant(
                id=n,
                organization_id=org,
                user_id=user,
                name=f"Support line {n}",
                description=None if n % 4 == 0 else f"Answers calls for branch {n}.",
                is_active=n % 7 != 0,
                llm_settings=None if n % 6 == 0 else {"temperature": 0.3, "max_tokens": 500},
                created_at=created,
                updated_at=created + timedelta(days=n % 9),
            )
        )
    db.commit()


engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
SessionLocal = sessionmaker(engine, expire_on_commit=False)
Base.metadata.create_all(engine)
with SessionLocal() as _db:
    _seed(_db)


def get_db() -> Iterator[Session]:
    with SessionLocal() as db:
        yield db


bearer = HTTPBearer()


def current_user(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
    db: Annotated[Session, Depends(get_db)],
) -> User:
    user = db.scalar(select(User).where(User.api_token == credentials.credentials))
    if user is None:
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Invalid authentication credentials",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


app = FastAPI(title="Assistants")


# The document's bounds, which SQLite's 64-bit INTEGER needs: a larger id would be an
# OverflowError (500).
RowId = Annotated[int, PathParam(ge=1, le=2**63 - 1)]


class HTTPError(BaseModel):
    detail: str


# Declared, so that the document FastAPI generates says what a missing token is answered.
@app.get("/assistants", response_model=list[AssistantResponse], responses={401: {"model": HTTPError}})
def list_assistants(
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    active_only: bool = False,
    created_by_me: bool = False,
) -> Any:
    query = select(Assistant).where(Assistant.organization_id == user.organization_id)
    if active_only:
        query = query.where(Assistant.is_active.is_(True))
    if created_by_me:
        query = query.where(Assistant.user_id == user.id)
    return db.scalars(query.order_by(Assistant.id).offset(skip).limit(limit)).all()


@app.get(
    "/assistants/{assistant_id}",
    response_model=AssistantResponse,
    responses={401: {"model": HTTPError}, 404: {"model": HTTPError}},
)
def get_assistant(
    assistant_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    return _owned(db, user, assistant_id)


def _owned(db: Session, user: User, assistant_id: int) -> Assistant:
    # Another organization's assistant is not found either: existence does not leak.
    found = db.scalar(
        select(Assistant).where(
            Assistant.id == assistant_id, Assistant.organization_id == user.organization_id
        )
    )
    if found is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Assistant not found")
    return found


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@app.post(
    "/assistants",
    response_model=AssistantResponse,
    status_code=status.HTTP_201_CREATED,
    responses={401: {"model": HTTPError}},
)
def create_assistant(
    body: AssistantCreate,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    now = _now()
    fields = body.model_dump(exclude_none=True)
    assistant = Assistant(
        organization_id=user.organization_id, user_id=user.id, **fields, created_at=now, updated_at=now
    )
    db.add(assistant)
    db.commit()
    return assistant


@app.patch(
    "/assistants/{assistant_id}",
    response_model=AssistantResponse,
    responses={401: {"model": HTTPError}, 404: {"model": HTTPError}},
)
def update_assistant(
    assistant_id: RowId,
    body: AssistantUpdate,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Any:
    assistant = _owned(db, user, assistant_id)
    for name, value in body.model_dump(exclude_unset=True).items():
        setattr(assistant, name, value)
    assistant.updated_at = max(_now(), assistant.created_at)
    db.commit()
    return assistant


@app.delete(
    "/assistants/{assistant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={401: {"model": HTTPError}, 404: {"model": HTTPError}},
)
def delete_assistant(
    assistant_id: RowId,
    user: Annotated[User, Depends(current_user)],
    db: Annotated[Session, Depends(get_db)],
) -> Response:
    db.delete(_owned(db, user, assistant_id))
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
