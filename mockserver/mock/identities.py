"""Who the callers are: organizations, their users and the dev tokens that authenticate them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Organization:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class User:
    id: int
    organization_id: int
    name: str
    token: str | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated user, as the handlers and the declared semantics see it."""

    user_id: int
    organization_id: int
    orgs: frozenset[str]

    def attrs(self) -> dict[str, Any]:
        """Attributes that `$caller.<name>` in the spec's vendor extensions refers to."""
        return {"user_id": self.user_id, "organization_id": self.organization_id, "orgs": self.orgs}


@dataclass(frozen=True, slots=True)
class Directory:
    organizations: tuple[Organization, ...]
    users: tuple[User, ...]

    def caller_for(self, token: str) -> Caller | None:
        for user in self.users:
            if user.token is not None and user.token == token:
                slugs = frozenset(o.slug for o in self.organizations if o.id == user.organization_id)
                return Caller(user.id, user.organization_id, slugs)
        return None

    def callers(self) -> dict[str, Caller]:
        """Every dev token with the caller it authenticates."""
        found = {u.token: self.caller_for(u.token) for u in self.users if u.token is not None}
        return {token: caller for token, caller in found.items() if caller is not None}

    def members(self, organization_id: int) -> tuple[int, ...]:
        """Ids of the organization's users, in fixture order: the pool of assistant creators."""
        return tuple(u.id for u in self.users if u.organization_id == organization_id)

    def organization(self, slug: str) -> Organization | None:
        return next((o for o in self.organizations if o.slug == slug), None)
