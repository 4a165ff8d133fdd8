"""docflow: document generation and e-signature workflow for Kazakhstan's legal profession.

The public API is re-exported here; everything else is implementation.
"""

from docflow.config import Home, Settings
from docflow.errors import DocflowError

__version__ = "0.1.0"

__all__ = ["DocflowError", "Home", "Settings", "__version__"]
