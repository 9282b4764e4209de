"""Package discovery (the rest of the metadata is in pyproject.toml): every `fieldwork_tui` package is
found, and the top-level `migrations/` folder ships as `fieldwork_tui.migrations` (pyproject's
`packages.find` cannot map a folder outside the package; the mapping itself is pyproject's
`package-dir`). New subpackages need no listing anywhere."""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["fieldwork_tui", "fieldwork_tui.*"]),
                *(f"fieldwork_tui.{name}" for name in find_packages(include=["migrations", "migrations.*"]))])
