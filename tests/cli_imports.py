"""Which modules a fresh `aimsflow` process has loaded after some commands: the start-up tests' probe."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

# Runs each command through main() (output discarded), then prints on its last line the loaded modules
# under the given prefixes.
RUNNER = """
import contextlib, io, json, sys
from aimsflow.cli import main
prefixes = tuple(json.loads(sys.argv[1]))
with contextlib.redirect_stdout(io.StringIO()):
    for args in json.loads(sys.argv[2]):
        sys.argv = ["aimsflow", *args]
        try:
            main()
        except SystemExit as exc:
            assert not exc.code, (args, exc.code)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in prefixes or m.startswith(prefixes))))
"""


def modules_loaded_by(prefixes: tuple[str, ...], *commands: list[str], env: dict[str, str] | None = None,
                      cwd: Path | None = None) -> list[str]:
    """The modules named by `prefixes` that `aimsflow COMMAND...` (each in turn, one process) imported."""
    done = subprocess.run([sys.executable, "-c", RUNNER, json.dumps(prefixes), json.dumps(commands)],
                          capture_output=True, text=True, timeout=120, check=False, env=env, cwd=cwd)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded
