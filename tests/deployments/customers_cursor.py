"""A Stripe-style list API: FastAPI + SQLAlchemy 2 on SQLite, paged by cursors.

`GET /v1/customers?limit=10&starting_after=cus_...` answers `{object: "list", url, has_more,
data}`, newest first, the next page starting after the last customer's id; `email` filters by
equality; `GET /v1/customers/{customer}` reads one. Authentication is a bearer secret key, as
Stripe's. `make_app(bug)` builds the app with one bug that cursor endpoints ship.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from tests.deployments import AllowEveryMethod, seeded_database

TOKEN = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"

BUGS = {
    "cursor_inclusive": "pages_agree",
    "has_more_always": "totals_exact",
    "filter_dropped_after_first_page": "filters_exact",
    "unstable_order": "pages_agree",
}


class Base(DeclarativeBase):
    pass


class CustomerRow(Base):
    __tablename__ = "customers"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(120), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created: Mapped[int] = mapped_column(index=True)
    livemode: Mapped[bool] = mapped_column(default=False)


class Customer(BaseModel):
    id: str
    object: Literal["customer"] = "customer"
    email: str
    name: str
    created: int
    livemode: bool


class CustomerList(BaseModel):
    object: Literal["list"] = "list"
    url: str
    has_more: bool
    data: list[Customer]


class ErrorBody(BaseModel):
    type: str
    message: str


class Error(BaseModel):
    error: ErrorBody


DOMAINS = ("example.com", "acme.test", "initech.test")


def _seed(db: Session) -> None:
    start = datetime(2025, 2, 1, tzinfo=UTC)
    for n in range(1, 141):
        db.add(
            CustomerRow(
                id=f"cus_{n:04d}{'QxZ'[n % 3]}{n * 7919 % 10000:04d}",
                # A few addresses recur, as billing contacts do across accounts.
                email=f"billing{n % 9}@{DOMAINS[n % 3]}",
                name=f"Customer {n}",
                created=int((start + timedelta(minutes=n * 13)).timestamp()),
            )
        )
    db.commit()


def make_app(bug: str | None = None) -> FastAPI:
    get_db = seeded_database(Base.metadata, _seed)

    bearer = HTTPBearer()

    def secret_key(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
        if credentials.credentials != TOKEN:
            raise HTTPException(
                status_code=status.HTTP_401_UNAUTHORIZED,
                detail="Invalid API Key provided",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return credentials.credentials

    app = FastAPI(title="Customers")
    app.add_middleware(AllowEveryMethod, router=app.router)
    errors: dict[int | str, dict[str, Any]] = {401: {"model": Error}, 404: {"model": Error}}

    @app.exception_handler(HTTPException)
    async def error_body(_request: Any, exc: HTTPException) -> JSONResponse:
        kind = "invalid_request_error" if exc.status_code < 500 else "api_error"
        body = {"error": {"type": kind, "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.get("/v1/customers", response_model=CustomerList, responses=errors)
    def list_customers(
        db: Annotated[Session, Depends(get_db)],
        _key: Annotated[str, Depends(secret_key)],
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        starting_after: Annotated[str | None, Query(min_length=1)] = None,
        email: str | None = None,
    ) -> Any:
        """Returns a list of your customers, sorted by creation date, the most recent first."""
        newest_first = (CustomerRow.created.desc(), CustomerRow.id.desc())
        if bug == "unstable_order" and limit > 50:
            newest_first = (CustomerRow.email, CustomerRow.id)  # the email index's order
        query = select(CustomerRow)
        if email is not None and not (bug == "filter_dropped_after_first_page" and starting_after):
            query = query.where(CustomerRow.email == email)
        if starting_after is not None:
            anchor = db.get(CustomerRow, starting_after)
            if anchor is None:
                # The cursor names a customer that does not exist (any more): nothing to page from.
                raise HTTPException(status_code=404, detail=f"No such customer: '{starting_after}'")
            after = (CustomerRow.created < anchor.created) | (
                (CustomerRow.created == anchor.created) & (CustomerRow.id < anchor.id)
            )
            if bug == "cursor_inclusive":
                after = after | (CustomerRow.id == anchor.id)
            query = query.where(after)
        rows = db.scalars(query.order_by(*newest_first).limit(limit + 1)).all()
        more = len(rows) > limit or bug == "has_more_always"
        data = [Customer.model_validate(r, from_attributes=True) for r in rows[:limit]]
        return CustomerList(url="/v1/customers", has_more=more, data=data)

    @app.get("/v1/customers/{customer}", response_model=Customer, responses=errors)
    def retrieve_customer(
        customer: str, db: Annotated[Session, Depends(get_db)], _key: Annotated[str, Depends(secret_key)]
    ) -> Any:
        """Retrieves a Customer object."""
        row = db.get(CustomerRow, customer)
        if row is None:
            raise HTTPException(status_code=404, detail=f"No such customer: '{customer}'")
        return Customer.model_validate(row, from_attributes=True)

    return app
