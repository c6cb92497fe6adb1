"""The dashboard's static files (plain JavaScript and SVG, no outside requests)."""
from pathlib import Path

WEB_DIR = Path(__file__).resolve().parent

# The files the server hands out, with their media types; nothing else in this folder is served.
DASHBOARD_FILES: dict[str, str] = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
    "countries.json": "application/json",
}
