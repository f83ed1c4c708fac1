"""schemathesis hooks for `make fuzz` (loaded through SCHEMATHESIS_HOOKS by scripts/fuzz.sh).

An Idempotency-Key means "this one intended action": the API answers a reused key with a
different body by 422 `idempotency_key_reused`, which is right, and a fuzzer that draws
the same short key ("0", "A") for different bodies would count it as valid data refused.
So every *valid* key is made unique here; invalid keys (blank, too long, non-ASCII) are
left as drawn, so the API's refusal of them is still checked.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis

_VALID_KEY = re.compile(r"^[\x20-\x7e]*[\x21-\x7e][\x20-\x7e]*$")  # core.idempotency
_HEADER = "Idempotency-Key"


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    headers = case.headers or {}
    key = headers.get(_HEADER)
    if isinstance(key, str) and len(key) <= 200 and _VALID_KEY.match(key):
        headers[_HEADER] = f"{key[:160]}-{uuid.uuid4().hex}"
        case.headers = headers
