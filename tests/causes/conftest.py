"""Cause tests keep uploaded images in a temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"BARTER_UPLOAD_DIR": str(tmp_path / "uploads")}
