"""The installed Apertium packages and their versions, for the run header.

A rule-based engine changes when its language packages do: a new
``apertium-eng-spa`` can move names and numbers as much as a new model. The
versions go into the run header (``provider.packages``), so ``harness compare``
can tell a package upgrade from a regression. Read from the Debian package
database (``dpkg-query``); empty where there is none.
"""

from __future__ import annotations

import shutil
import subprocess
from functools import cache


@cache
def installed_packages(prefix: str = "apertium") -> dict[str, str]:
    """``{package: version}`` of the installed Debian packages named ``prefix*``."""
    dpkg = shutil.which("dpkg-query")
    if dpkg is None:
        return {}
    try:
        listing = subprocess.run(
            [dpkg, "-W", "-f", "${db:Status-Abbrev}\\t${Package}\\t${Version}\\n", f"{prefix}*"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    packages = {}
    for line in listing.stdout.splitlines():
        status, _, rest = line.partition("\t")
        name, _, version = rest.partition("\t")
        if status.strip() == "ii" and name and version:
            packages[name] = version
    return dict(sorted(packages.items()))
