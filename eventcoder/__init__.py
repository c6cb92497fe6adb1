"""eventcoder: dated news articles in, political event records out."""

__version__ = "0.1.0"
