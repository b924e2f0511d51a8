"""API keys on AWS: API Gateway checks them, the app trusts the gateway's identity.

Behind API Gateway (`ENGAGE_API_AUTH=gateway`, set by Terraform on the API Lambda)
every method has `api_key_required`: the gateway refuses a missing or unknown
`x-api-key` (403) and throttles it by its usage plan before the Lambda runs. Keys
are AWS-generated (not the `ek_...` keys of `engage keys`), so the Lambda does not
re-check the secret; it reads the key *id* the gateway resolved from the proxy
event (`requestContext.identity.apiKeyId`), which a caller cannot set, and only
API Gateway may invoke the function (its Lambda permission). An event without that
identity is refused (401), so the Lambda is closed if invoked some other way.

The role of a gateway key: admin where its id is in `ENGAGE_API_ADMIN_KEY_IDS`,
reader otherwise. `lambda_handler` sets the identity before each invocation
(`current_event`), since one Lambda container handles one event at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engage.api.keys import ApiKey
from engage.settings import Settings

_CURRENT: dict[str, str | None] = {"key_id": None}


def current_event(event: Mapping[str, Any] | None) -> None:
    """Remember the API Gateway key id of the event being handled (None: no identity)."""
    context = (event or {}).get("requestContext") or {}
    identity = context.get("identity") or {}
    key_id = identity.get("apiKeyId")
    _CURRENT["key_id"] = key_id if isinstance(key_id, str) and key_id else None


class GatewayKeys:
    """The KeyStore interface the API's dependencies use, answered from the gateway."""

    def __init__(self, admin_key_ids: set[str]) -> None:
        self.admin_key_ids = admin_key_ids

    def _key(self, presented: str | None) -> ApiKey | None:
        key_id = _CURRENT["key_id"]
        if not presented or key_id is None:
            return None
        role = "admin" if key_id in self.admin_key_ids else "reader"
        return ApiKey(key_id, "api-gateway", role, salt="", hash="", created_at="")

    def remembered(self, presented: str | None) -> tuple[bool, ApiKey | None]:
        """Always decided: there is no slow check to defer."""
        return True, self._key(presented)

    def authenticate(self, presented: str | None) -> ApiKey | None:
        return self._key(presented)

    def list(self) -> list[ApiKey]:
        """Gateway keys are listed by `aws apigateway get-api-keys`, not here."""
        return []


def gateway_keys(settings: Settings) -> GatewayKeys | None:
    """GatewayKeys when settings say the gateway authenticates, else None."""
    if settings.api_auth != "gateway":
        return None
    ids = {k.strip() for k in settings.api_admin_key_ids.split(",") if k.strip()}
    return GatewayKeys(ids)
