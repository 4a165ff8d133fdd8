"""Who signs with their own key: ``[signing]`` in docflow.toml.

```toml
[signing]
consultant = "own"    # "own": the person signs (NCALayer, offline package, API)
officer = "own"       # "held": docflow signs with a key it holds (demo; a seal on an HSM)
chair = "held"        # a chamber's chair and the Collegium's chair (summaries, notices)
issuer = "held"
request_days = 14     # a request older than this is reminded, then flagged to the officer
```

Every role defaults to ``held`` (the demo runs alone); ``own`` is the real set-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from docflow.config import Home
from docflow.errors import ConfigError

SIGNING_ROLES = ("consultant", "officer", "chair", "issuer")
MODES = ("own", "held")
#: Roles whose mode is another's: the Collegium's chair is a chair.
_SAME_MODE = {"collegium_chair": "chair"}


@dataclass(frozen=True)
class SigningModes:
    consultant: str = "held"
    officer: str = "held"
    chair: str = "held"
    issuer: str = "held"
    request_days: float = 14.0

    def mode(self, role: str) -> str:
        """``own`` or ``held`` for a role (an unknown role is ``held``). The Collegium's chair
        (``collegium_chair``) signs as ``chair`` says."""
        role = _SAME_MODE.get(role, role)
        return str(getattr(self, role, "held")) if role in SIGNING_ROLES else "held"

    def own(self, role: str) -> bool:
        return self.mode(role) == "own"


def signing_modes(home: Home) -> SigningModes:
    """The ``[signing]`` table of the home's docflow.toml, checked."""
    table = home.settings().raw.get("signing", {})
    if not isinstance(table, dict):
        raise ConfigError("docflow.toml: [signing] must be a table")
    values: dict[str, object] = {}
    for role in SIGNING_ROLES:
        mode = table.get(role, "held")
        if mode not in MODES:
            raise ConfigError(
                f'docflow.toml: [signing] {role} must be "own" or "held", not {mode!r}'
            )
        values[role] = mode
    days = table.get("request_days", 14)
    if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
        raise ConfigError(
            f"docflow.toml: [signing] request_days must be a number > 0, not {days!r}"
        )
    return SigningModes(request_days=float(days), **values)  # type: ignore[arg-type]
