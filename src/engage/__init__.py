"""engage: customer engagement predictions that run offline and deploy to AWS."""

import os
from importlib.metadata import PackageNotFoundError, version

# Stages train models in threads of one process, often beside other work. OpenMP's
# default busy-waiting then makes XGBoost several times slower on a 2-core machine
# (measured: 7 s -> 51 s for the engagement model under load); passive waiting gives
# the cores back. It must be set before xgboost loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

try:
    __version__ = version("engage")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
