"""Pass formats: text from a QR in, a :class:`checkpoint.model.SignedPass` out (or ``MalformedPass``)."""
