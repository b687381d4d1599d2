"""The web explorer and JSON API (``duizhang serve``)."""
