"""The review web app (Flask): thin pages over the library; see app.py."""
