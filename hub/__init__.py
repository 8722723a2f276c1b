"""The Joint Sanctions Hub."""

from importlib.metadata import PackageNotFoundError, version

try:
    # The one place the version is written is pyproject.toml; an installed hub reads it back.
    __version__ = version("joint-sanctions-hub")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
