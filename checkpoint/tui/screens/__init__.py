"""The app's screens: sign-in, scan (the officer's day), manual entry, supervisor, officers."""
