"""The coalition server: one database, a REST API, users of many nations, an audit trail.

``peaceforce serve`` runs it (``peaceforce.cli.server``); ``create_app`` builds
the FastAPI application; ``peaceforce.server.db`` opens the database and runs
the migrations that ship inside this package; ``visibility`` holds the one
rule that decides, in SQL, what each user may read.
"""
