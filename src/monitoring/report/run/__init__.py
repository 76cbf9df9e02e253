"""The quarterly HTML run: compose section notebooks, execute them in worker processes,
render them, and move them into place under a lock."""
