"""A record's chamber id for the index (issue 18), as ``ChamberRegistry.chamber_of_record``
gives it: the record's own ``chamber_id``, else the chambers migration's link, else its
free-text chamber resolved against the registered chambers (and the Collegium).

The registry is read, never created: an embedded home without ``.docflow/bodies.sqlite`` has
no chambers and no links (only the Collegium resolves); a scaled-out home's are in its
database. One instance serves one operation; it caches the chambers and the texts it resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from docflow.bodies import COLLEGIUM, Body, ChamberRegistry, resolve_body
from docflow.config import Home
from docflow.errors import ConfigError


def _scaled(home: Home) -> bool:
    """Whether the home's chambers are in its shared database (``[storage] database``)."""
    from docflow.storage import StorageSettings

    try:
        return StorageSettings.from_home(home.root).database is not None
    except ConfigError:
        return False


class ChamberIds:
    def __init__(self, home: Home, *, many: bool = False) -> None:
        """``many``: for many records (a replay): every link is read once, not one by one."""
        self.registry = ChamberRegistry(home)
        self._present = self.registry.path.exists() or _scaled(home)
        self._bodies: list[Body] | None = None
        self._resolved: dict[str, str | None] = {}
        self._links: dict[str, str] | None = None
        self._many = many

    def bodies(self) -> list[Body]:
        if self._bodies is None:
            self._bodies = self.registry.bodies() if self._present else [COLLEGIUM]
        return self._bodies

    def links(self) -> dict[str, str]:
        """Every record the migration linked (record id -> chamber id)."""
        return self.registry.linked_records() if self._present else {}

    def resolve(self, text: str) -> str | None:
        """The chamber id a free-text chamber names now, or None."""
        if text not in self._resolved:
            body = resolve_body(text, self.bodies()) if text.strip() else None
            self._resolved[text] = body.id if body else None
        return self._resolved[text]

    def of(self, record: Mapping[str, Any]) -> str | None:
        """The record's chamber id."""
        own = record.get("chamber_id")
        if isinstance(own, str) and own:
            return own
        record_id = str(record.get("id"))
        if self._many:
            if self._links is None:
                self._links = self.links()
            linked = self._links.get(record_id)
        else:
            linked = self.registry.link_of(record_id) if self._present else None
        if linked:
            return linked
        name = record.get("chamber")
        return self.resolve(name) if isinstance(name, str) else None
