"""Jobs: bulk issuance, status-list publication and wallet re-verification.

One code path, two ways to run it:

* PostgreSQL: the work goes on a procrastinate queue (`microcred.jobs.queue`)
  in the same database, and `microcred worker` processes on any number of
  machines run it. A bulk job's CSV rows are stored in the database
  (`bulk_chunks`), one queued task per chunk; a chunk is idempotent (row keys
  and the unique constraint), so a chunk re-run after a worker died issues
  exactly the rows still missing.
* SQLite (the embedded default), or PostgreSQL with no live worker: the same
  chunk functions run in this process (and its own signing processes).

Progress lives in the database, so every process and machine sees the same
figures (`microcred jobs`, `GET /api/v1/orgs/{org}/jobs`).
"""
