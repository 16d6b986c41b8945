"""The PostgreSQL job queue's glue (procrastinate): its tasks, deferring, `microcred worker`
(`microcred.jobs.queue`), and the periodic work (`microcred.jobs.periodic`).

The bulk engine itself (job state, chunks, in-process runs, recovery of interrupted jobs)
is a service: `microcred.services.bulk_jobs`. Its HTTP routes are `microcred.api.routes.jobs`.
"""
