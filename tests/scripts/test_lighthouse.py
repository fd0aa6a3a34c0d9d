"""scripts/lighthouse.py without Lighthouse installed: a clear message and exit status 2, no server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lighthouse.py"


def test_missing_lighthouse_is_explained(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--lighthouse", str(tmp_path / "nope")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "npm install lighthouse" in result.stderr and "outside the repository" in result.stderr
    assert result.stdout == ""  # nothing was started or measured
