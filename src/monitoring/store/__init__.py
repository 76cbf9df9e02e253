"""The store: one DuckDB file, its schema migrations, and every SQL statement of the package."""

from monitoring.store.database import (
    DEFAULT_PATH,
    ENV_VAR,
    Store,
    create_store_at_version,
    open_store,
    resolve_path,
)

__all__ = ["DEFAULT_PATH", "ENV_VAR", "Store", "create_store_at_version", "open_store",
           "resolve_path"]
