"""Which names carry credentials: one rule for what the mock's journal redacts.

By name, as the request spelled it: headers (`Authorization`, `X-Auth-Token`, `Api-Key`,
`X-Amz-Security-Token`), query parameters and form fields (`access_token`, `password`, `key`).
A pagination token (`next_page_token`, `pageToken`) is no credential, and stays readable.
"""

from __future__ import annotations

import re

_CREDENTIAL = re.compile(
    r"auth(?!or)|token|passw|pwd|secret|api.?key|^key$|session|cookie|signature|^sig$|credential"
    r"|jwt|private|access.?key|security",
    re.IGNORECASE,
)
_PAGING = re.compile(r"page|cursor|next|continuation|sync", re.IGNORECASE)


def credential_like(name: str) -> bool:
    """Whether a header, query parameter or form field called `name` holds a credential."""
    return bool(_CREDENTIAL.search(name)) and not _PAGING.search(name)
