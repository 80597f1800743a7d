"""Identity domain model: roles, eIDAS trust levels and the authenticated principal.

Pure Python on purpose (no Flask, no SQLAlchemy): enforced by import-linter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum


class Role(StrEnum):
    """Coarse roles; fine-grained decisions are made in ``egov.identity.authz``."""

    CITIZEN = "citizen"
    CLERK = "clerk"
    ADMIN = "admin"
    CLIENT = "client"


_EIDAS_PREFIX = "http://eidas.europa.eu/LoA/"
_STORK_PREFIX = "STORK-QAA-Level-"
_STORK_LEVELS: dict[str, str] = {"1": "low", "2": "low", "3": "substantial", "4": "high"}


class Vertrauensniveau(Enum):
    """eIDAS level of assurance (Vertrauensniveau) of an authentication.

    Values are the lower-case eIDAS names; members are ordered
    ``LOW < SUBSTANTIAL < HIGH``. Deliberately not a ``str`` subclass, so an
    accidental comparison with a plain string raises ``TypeError`` instead of
    comparing lexicographically.
    """

    LOW = "low"
    SUBSTANTIAL = "substantial"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANKS[self.value]

    @property
    def eidas_uri(self) -> str:
        """The eIDAS LoA URI, as used in the ``acr`` claim."""
        return _EIDAS_PREFIX + self.value

    @classmethod
    def from_claim(cls, value: object) -> Vertrauensniveau:
        """Parse an ``acr``-style value.

        Accepts ``low|substantial|high``, the eIDAS URIs
        ``http://eidas.europa.eu/LoA/<level>`` and ``STORK-QAA-Level-1..4``
        (1 and 2 map to low, 3 to substantial, 4 to high).
        Raises ``ValueError`` for anything else.
        """
        if isinstance(value, Vertrauensniveau):
            return value
        if not isinstance(value, str):
            raise ValueError(f"unsupported Vertrauensniveau claim type: {type(value).__name__}")
        name = _level_name(value.strip())
        if name is None:
            raise ValueError(f"unknown Vertrauensniveau: {value!r}")
        return cls(name)

    def _compare(self, other: object) -> int:
        if not isinstance(other, Vertrauensniveau):
            raise TypeError(f"cannot compare Vertrauensniveau with {type(other).__name__}")
        return self.rank - other.rank

    def __lt__(self, other: object) -> bool:
        return self._compare(other) < 0

    def __le__(self, other: object) -> bool:
        return self._compare(other) <= 0

    def __gt__(self, other: object) -> bool:
        return self._compare(other) > 0

    def __ge__(self, other: object) -> bool:
        return self._compare(other) >= 0


_RANKS: dict[str, int] = {"low": 1, "substantial": 2, "high": 3}


def _level_name(value: str) -> str | None:
    if value in _RANKS:
        return value
    if value.startswith(_EIDAS_PREFIX):
        rest = value.removeprefix(_EIDAS_PREFIX)
        return rest if rest in _RANKS else None
    if value.startswith(_STORK_PREFIX):
        return _STORK_LEVELS.get(value.removeprefix(_STORK_PREFIX))
    return None


ALL_PROCEDURES = "*"
SEPARATOR = ":"


def qualified(namespace: str, local: str) -> str:
    """A subject or Postfach reference made unique across issuers: ``<namespace>:<local>``.

    Two issuers may hand out the same ``sub`` (BundID behind Keycloak next to the city's staff
    IdP, two municipalities' IdPs) for different people; egov stores and compares only the
    qualified form, so those people never become one principal. Issuer names contain no
    ``:``, so the namespace is everything before the first one.
    """
    if not namespace or SEPARATOR in namespace:
        raise ValueError(f"not a namespace: {namespace!r}")
    return f"{namespace}{SEPARATOR}{local}"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller (person or technical client) of one request.

    ``subject`` is qualified by the issuer (``dev:erika``, see :func:`qualified`), and so is
    ``postfach`` by its Postfach namespace; both are what egov stores (case owner, assignee,
    memberships, deputies, audit actors) and compares.
    """

    subject: str
    roles: frozenset[Role]
    name: str
    email: str | None = None
    org_units: frozenset[str] = field(default_factory=frozenset)
    vertrauensniveau: Vertrauensniveau | None = None
    procedures: frozenset[str] = field(default_factory=frozenset)
    postfach: str | None = None

    scopes: frozenset[str] = field(default_factory=frozenset)  # technical clients' grants
    # technical clients: the namespace of the reply Postfach references in their messages
    postfach_namespace: str | None = None
    # a citizen whose application a portal files: the portal client's subject
    # (egov.identity.on_behalf); the portal's registered procedures bind it too
    via: str | None = None

    @property
    def actor(self) -> str:
        """Who acted, for the audit trail: ``buerger:123 via maschinen:portal`` on behalf."""
        return f"{self.subject} via {self.via}" if self.via else self.subject

    @property
    def issuer(self) -> str:
        """The name of the issuer that authenticated the principal (the subject's namespace)."""
        return self.subject.partition(SEPARATOR)[0]

    @property
    def is_citizen(self) -> bool:
        return Role.CITIZEN in self.roles

    @property
    def is_clerk(self) -> bool:
        return Role.CLERK in self.roles

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_client(self) -> bool:
        return Role.CLIENT in self.roles

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def satisfies(self, required: Vertrauensniveau) -> bool:
        """True if the authentication reached at least the ``required`` level."""
        return self.vertrauensniveau is not None and self.vertrauensniveau >= required

    def in_org_unit(self, org_unit: str) -> bool:
        return org_unit in self.org_units

    def has_scopes(self, required: frozenset[str]) -> bool:
        """For technical clients: were all ``required`` scopes granted?"""
        return required <= self.scopes

    def may_use_procedure(self, procedure: str) -> bool:
        """For technical clients: is the client registered for ``procedure``?"""
        return ALL_PROCEDURES in self.procedures or procedure in self.procedures
