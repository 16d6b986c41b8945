"""Formats: the model to and from Open Badges 3.0, the European Learning Model, JWT."""
