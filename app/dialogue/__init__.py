"""The interview: a dialogue that captures a process and keeps a live draft.

Free of Flask and storage: the API passes the draft, the dialogue state and
a search function in, and stores what comes back.
"""
