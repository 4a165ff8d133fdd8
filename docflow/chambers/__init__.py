"""Setting up and admitting to a chamber, above the PKI, the archive and the rosters: whether a
filer is admitted (``admit_filer``), enrolment in an office (``enroll_office``), and the one-time
migration of free-text chamber names to ids (``migrate_home``). The registries themselves
(chambers, offices, authority) are ``docflow.bodies``, below the PKI."""

from docflow.chambers._migrate import (
    MigrationReport,
    load_mapping,
    migrate_home,
    parse_alias,
)
from docflow.chambers._services import admit_filer, enroll_office, home_rosters

__all__ = [
    "MigrationReport",
    "admit_filer",
    "enroll_office",
    "home_rosters",
    "load_mapping",
    "migrate_home",
    "parse_alias",
]
