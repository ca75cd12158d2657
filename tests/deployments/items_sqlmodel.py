"""The items API of FastAPI's full-stack template: FastAPI + SQLModel on SQLite.

`GET /items/` answers `{data, count}` with `skip`/`limit`, lists only the caller's own items
(the template's `owner_id == current_user.id`), ids are UUIDs, and `GET /items/{id}` reads one.
The template signs JWTs; here the bearer tokens are opaque, which is the same header on the
wire. `make_app(bug)` builds the app with one bug that list endpoints ship.
"""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import func
from sqlalchemy.pool import StaticPool
from sqlmodel import Field, Session, SQLModel, col, create_engine, select

from tests.deployments import AllowEveryMethod

TOKEN = "items-token-alice"
OTHER_TOKEN = "items-token-bob"
ALICE = uuid.UUID("6f1c2c8e-1d1b-4b7e-9a51-0c3f1f7f0a01")
BOB = uuid.UUID("0b6e0a5e-77a4-4f0e-8b7a-2b8f4f4e0b02")

# Each bug, and the check that must name it.
BUGS = {
    "skip_off_by_one": "pages_agree",
    "limit_ignored": "pages_agree",
    "count_unscoped": "totals_exact",
    "count_of_the_page": "totals_exact",
    "order_by_plan": "pages_agree",
    "detail_of_another_row": "records_consistent",
    # Found with a second caller (--other-token): Bob must not see Alice's items.
    "current_user_cached": "tenant_isolated",
    "detail_owner_unchecked": "tenant_isolated",
    # Found by Schemathesis' stateful phase, which the contract run includes.
    "delete_answers_but_keeps": "use_after_free",
    "created_elsewhere": "ensure_resource_availability",
}


class ItemBase(SQLModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)


class ItemCreate(ItemBase):
    pass


class ItemUpdate(ItemBase):
    title: str | None = Field(default=None, min_length=1, max_length=255)  # type: ignore[assignment]


class User(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str
    token: str = Field(unique=True)


class Item(ItemBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="user.id", nullable=False)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class ItemPublic(ItemBase):
    id: uuid.UUID
    owner_id: uuid.UUID
    created_at: datetime


class ItemsPublic(SQLModel):
    data: list[ItemPublic]
    count: int


class Message(SQLModel):
    message: str


class HTTPError(SQLModel):
    detail: str


def _seed(session: Session) -> None:
    session.add(User(id=ALICE, email="alice@example.com", token=TOKEN))
    session.add(User(id=BOB, email="bob@example.com", token=OTHER_TOKEN))
    start = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
    for n in range(1, 181):
        owner = BOB if n % 4 == 0 else ALICE
        session.add(
            Item(
                id=uuid.UUID(int=(n * 0x9E3779B97F4A7C15) % 2**128),
                owner_id=owner,
                title=f"Invoice {n:03d}",
                description=None if n % 5 == 0 else f"Quarterly invoice for client {n % 17}",
                created_at=start + timedelta(minutes=37 * n),
            )
        )
    session.commit()


def make_app(bug: str | None = None) -> FastAPI:
    engine = create_engine("sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool)
    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        _seed(session)

    def get_session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    reusable_oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")
    SessionDep = Annotated[Session, Depends(get_session)]

    remembered: dict[str, User] = {}

    def get_current_user(session: SessionDep, token: Annotated[str, Depends(reusable_oauth2)]) -> User:
        if bug == "current_user_cached" and "user" in remembered:
            return remembered["user"]  # a cache keyed by nothing: the first caller's identity sticks
        user = session.exec(select(User).where(User.token == token)).first()
        if user is not None:
            remembered["user"] = user
        if user is None:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Could not validate credentials",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user

    CurrentUser = Annotated[User, Depends(get_current_user)]
    app = FastAPI(title="Full Stack FastAPI Project")
    app.add_middleware(AllowEveryMethod, router=app.router)
    # What the template leaves undeclared, declared: a contract run reports undocumented statuses.
    not_found: dict[int | str, dict[str, Any]] = {
        # Also what FastAPI itself answers to a body it cannot parse.
        400: {"model": HTTPError, "description": "Not enough permissions, or an unreadable body"},
        404: {"model": HTTPError, "description": "Item not found"},
    }

    @app.get("/api/v1/items/", response_model=ItemsPublic)
    def read_items(
        session: SessionDep,
        current_user: CurrentUser,
        # The template's bare `int`s, bounded: a 2**63 offset is a 500 from any SQL database.
        skip: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> Any:
        """Retrieve items."""
        mine = col(Item.owner_id) == current_user.id
        count_statement = select(func.count()).select_from(Item)
        if bug != "count_unscoped":
            count_statement = count_statement.where(mine)
        count = session.exec(count_statement).one()
        order = col(Item.created_at).desc()
        if bug == "order_by_plan" and limit > 50:
            # No ORDER BY on the big page: the planner's scan order, here the title index's.
            order = col(Item.title)
        offset = skip + 1 if bug == "skip_off_by_one" and skip > 0 else skip
        statement = select(Item).where(mine).order_by(order).offset(offset)
        statement = statement.limit(100 if bug == "limit_ignored" else limit)
        items = session.exec(statement).all()
        if bug == "count_of_the_page":
            count = len(items)
        data = [ItemPublic.model_validate(i, from_attributes=True) for i in items]
        return ItemsPublic(data=data, count=count)

    @app.get("/api/v1/items/{id}", response_model=ItemPublic, responses=not_found)
    def read_item(session: SessionDep, current_user: CurrentUser, id: uuid.UUID) -> Any:
        """Get item by ID."""
        item = session.get(Item, id)
        if bug == "detail_of_another_row" and item is not None:
            # Read through a cache keyed by the row's position, not its id.
            item = session.exec(select(Item).where(col(Item.created_at) > item.created_at)).first() or item
        if not item:
            raise HTTPException(status_code=404, detail="Item not found")
        if item.owner_id != current_user.id and bug != "detail_owner_unchecked":
            raise HTTPException(status_code=400, detail="Not enough permissions")
        return item

    @app.post("/api/v1/items/", response_model=ItemPublic, responses={400: not_found[400]})
    def create_item(*, session: SessionDep, current_user: CurrentUser, item_in: ItemCreate) -> Any:
        """Create new item."""
        item = Item.model_validate(item_in, update={"owner_id": current_user.id})
        session.add(item)
        session.commit()
        session.refresh(item)
        if bug == "created_elsewhere":
            # Written to the primary, answered with the id a replica will not have for a while.
            public = ItemPublic.model_validate(item, from_attributes=True)
            return public.model_copy(update={"id": uuid.uuid4()})
        return item

    @app.put("/api/v1/items/{id}", response_model=ItemPublic, responses=not_found)
    def update_item(
        *, session: SessionDep, current_user: CurrentUser, id: uuid.UUID, item_in: ItemUpdate
    ) -> Any:
        """Update an item."""
        item = session.get(Item, id)
        if not item:
            raise HTTPException(status_code=404, detail="Item not found")
        if item.owner_id != current_user.id:
            raise HTTPException(status_code=400, detail="Not enough permissions")
        update = item_in.model_dump(exclude_unset=True)
        if update.get("title") is None:
            update.pop("title", None)  # the column is NOT NULL: a null title changes nothing
        item.sqlmodel_update(update)
        session.add(item)
        session.commit()
        session.refresh(item)
        return item

    @app.delete("/api/v1/items/{id}", responses=not_found)
    def delete_item(session: SessionDep, current_user: CurrentUser, id: uuid.UUID) -> Message:
        """Delete an item."""
        item = session.get(Item, id)
        if not item:
            raise HTTPException(status_code=404, detail="Item not found")
        if item.owner_id != current_user.id:
            raise HTTPException(status_code=400, detail="Not enough permissions")
        if bug != "delete_answers_but_keeps":  # a soft delete whose reads forgot the flag
            session.delete(item)
            session.commit()
        return Message(message="Item deleted successfully")

    return app
