"""Trust: issuer keys, signed trust lists, pass revocation lists. Built only from verified bytes."""
