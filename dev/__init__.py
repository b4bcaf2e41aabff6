"""Developer tooling that is not part of the application: the local stack and the data world.

Only this package may read ``DEV_*`` environment variables; the app reads its settings through
``app.core.config``.
"""
