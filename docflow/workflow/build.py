"""Which stage a kind's stage name means, and ``build_flow``: the flow over every registered
kind. A new kind whose TOML names only generic stages (parse, judge, render, convert,
finalize, sign:ROLE, archive) needs nothing here."""

from __future__ import annotations

from dataclasses import dataclass

from docflow.inbox.runner import Outcome
from docflow.kinds import DocumentKind, KindRegistry, import_ref
from docflow.model import ChamberRoster
from docflow.summaries.service import SummaryService
from docflow.workflow.certificates import (
    IssueCertificate,
    JudgeBatch,
    collect_batch,
    participants,
)
from docflow.workflow.cpd import CPD_HOOKS, REMARKS_HOOKS, Decide
from docflow.workflow.flow import Flow, KindHooks, Stage, StageResult, WorkItem
from docflow.workflow.services import Services
from docflow.workflow.stages import (
    DEFAULT_HOOKS,
    Archive,
    Convert,
    Finalize,
    Judge,
    Parse,
    Render,
    Sign,
)

__all__ = ["build_flow", "hooks_for", "kinds_for", "stage_for"]

#: Kinds whose documents say more than their model's fields (see ``KindHooks``).
_HOOKS: dict[str, KindHooks] = {"cpd-report": CPD_HOOKS, "remarks": REMARKS_HOOKS}


def hooks_for(kind: DocumentKind) -> KindHooks:
    if kind.hooks is not None:
        # A kind that names its hooks in its TOML (``hooks = "module:OBJECT"``).
        hooks = import_ref(kind.hooks)
        if not isinstance(hooks, KindHooks):
            raise ValueError(f"kind {kind.name}: hooks {kind.hooks} is not a KindHooks")
        return hooks
    return _HOOKS.get(kind.name, DEFAULT_HOOKS)


@dataclass(frozen=True)
class ImportRoster:
    """A chamber's member roster (issue 8): kept for the summaries and sanctions."""

    name: str = "import-roster"
    product: str | None = None
    replay: bool = False

    def run(self, item: WorkItem, services: Services) -> StageResult:
        roster = item.model
        assert isinstance(roster, ChamberRoster)
        service = SummaryService(services)
        try:
            source = next(iter(sorted(item.workdir.glob("input*"))))
            imported = service.import_roster(source, today=services.clock.today())
        finally:
            service.close()
        services.journal.update(item.token, kind=item.kind.name)
        return Outcome(
            "archived",
            reason=f"roster of {roster.chamber}: {len(imported.members)} member(s) imported",
        )


class StageTable:
    """Stage name → stage, for one registry of kinds."""

    def __init__(self, kinds: KindRegistry):
        self.kinds = kinds
        self._made: dict[tuple[str, str], Stage] = {}

    def __call__(self, kind: DocumentKind, name: str) -> Stage:
        key = (kind.name, name)
        stage = self._made.get(key)
        if stage is None:
            stage = self._made[key] = self._stage(kind, name)
        return stage

    def stages_of(self, kind: DocumentKind) -> list[Stage]:
        return [self(kind, name) for name in kind.stages]

    def _stage(self, kind: DocumentKind, name: str) -> Stage:
        hooks = hooks_for(kind)
        if kind.per is not None:
            specific: dict[str, Stage] = {"judge": JudgeBatch(), "issue": IssueCertificate()}
            if name in specific:
                return specific[name]
        match name:
            case "parse":
                return Parse()
            case "judge":
                return Judge(hooks)
            case "render":
                return Render(hooks)
            case "convert":
                return Convert()
            case "finalize":
                return Finalize(hooks)
            case "archive":
                return Archive(hooks)
            case "decide":
                return Decide(self.kinds.get("remarks"), self.stages_of)
            case "import-roster":
                return ImportRoster()
        if name.startswith("sign:"):
            return Sign.of(kind.signing.signers, name[5:])
        if "." in name.partition(":")[0]:
            # A kind's own stage, named ``module:factory`` in its TOML: the factory is called
            # with the kind and this table (to run another kind's stages, as the roadmap's
            # support tally makes its confirmation) and returns the stage.
            stage: Stage = import_ref(name)(kind, self)
            return stage
        raise ValueError(f"kind {kind.name}: unknown stage {name!r}")


def stage_for(kinds: KindRegistry) -> StageTable:
    return StageTable(kinds)


def kinds_for(services: Services) -> KindRegistry:
    """The packaged kinds and the chamber's own (``kinds = "folder"`` in docflow.toml)."""
    return KindRegistry.load(services.settings.kinds)


def build_flow(services: Services, kinds: KindRegistry | None = None) -> Flow:
    """The flow over every kind of ``kinds`` (default: ``kinds_for(services)``)."""
    kinds = kinds or kinds_for(services)
    table = StageTable(kinds)
    return Flow(
        services,
        kinds=kinds,
        stage_for=table,
        parts_of=participants,
        collect=_collect,
    )


def _collect(item: WorkItem, services: Services) -> Outcome:
    return collect_batch(item, services)
