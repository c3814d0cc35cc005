"""The import boundaries hold: the import-linter contracts of pyproject.toml's ``[tool.importlinter]``.

Apps import one way at the model layer (webhooks > rollouts > devices > catalog), and an app's
``api/`` package is imported only by that app's API, admin and commands and by the project's URLs,
except for the imports the contracts list with their reason. Running the linter here makes a
broken boundary fail ``make test`` and CI.
"""

import subprocess
import sys
from pathlib import Path

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
REPOSITORY = Path(__file__).resolve().parent.parent


def test_every_import_contract_is_kept():
    # given the contracts in pyproject.toml
    # when import-linter checks the import graph of the project's packages
    result = subprocess.run([LINT_IMPORTS, "--no-cache"], cwd=REPOSITORY, capture_output=True, text=True)
    # then no contract is broken
    assert result.returncode == 0, result.stdout + result.stderr
