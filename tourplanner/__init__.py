"""tourplanner: walking tours through Tiexi District's industrial heritage."""

__version__ = "0.1.0"
