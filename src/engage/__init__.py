"""engage: customer engagement predictions that run offline and deploy to AWS."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("engage")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
