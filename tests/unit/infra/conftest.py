"""Make the shared HCL helpers (infra_hcl.py) importable: tests run in importlib mode."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
