"""Imports flow one way: pages → dashboard → core. core never imports streamlit, and the
dashboard never loads the deep-learning frameworks."""
from __future__ import annotations

import subprocess
import sys

from core.config import PROJECT_ROOT

CORE_MODULES = sorted(p.stem for p in (PROJECT_ROOT / "core").glob("*.py") if p.stem != "__main__")


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300)


def test_core_imports_without_streamlit() -> None:
    imports = "; ".join(f"import core.{m}" if m != "__init__" else "import core" for m in CORE_MODULES)
    result = _run(f"import sys; sys.modules['streamlit'] = None; {imports}")
    assert result.returncode == 0, result.stderr
    assert len(CORE_MODULES) >= 12


def test_dashboard_does_not_load_models_or_frameworks() -> None:
    result = _run(
        "import sys, dashboard.data, dashboard.widgets, dashboard.state, core.models, core.analyze, core.ingest; "
        "print(sorted(m for m in ('keras', 'tensorflow', 'torch', 'jax') if m in sys.modules))"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
