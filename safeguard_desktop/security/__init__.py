"""Keys and what they protect: key slots and envelopes, sealed text, signed authority, the second factor, the
sign-in throttle and each account's own notes. Below the services, which use them; no Qt, no screens."""
