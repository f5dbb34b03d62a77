"""Alembic migrations of the SQL store's schema (sql_migrate.py runs them).

One revision per schema change, never edited once released: `versions/` holds them in order,
each naming its predecessor. A change to the tables in sql_schema.py (or the other sql_*.py
modules' tables) ships with a new revision doing the same; tests/storage/test_sql_migration.py
fails while the two differ.
"""
