"""The contracts every part plugs into: reports, stores, executors, plugins.

This package sits low in the import graph: it imports nothing of the project above `models`,
`job_spec`, `errors` and `settings`, so anything may depend on it and it depends on no driver.
"""
