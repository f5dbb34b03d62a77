"""The Store's drivers: SQL (SQLite, PostgreSQL) and MongoDB, each implementing
contracts/store.py. wiring.open_store picks one by URL scheme and imports only that driver.
"""
