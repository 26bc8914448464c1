"""Persistence: SQLAlchemy 2 models, sessions, Alembic migrations, repositories."""
