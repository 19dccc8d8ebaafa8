"""The web app behind `python -m motionlab serve`: a page and a JSON API running the command line's functions."""
