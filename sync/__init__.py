"""Store-and-forward sync: the station client and the reference central server."""
