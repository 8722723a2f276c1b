"""Sources publish their own data: bulk files and single records, checked and merged.

    framing   an upload's bytes as records, as they stream (NDJSON or CSV; UTF-8 or GB18030)
    records   each source's record fields and their checks, staged rows for COPY
    pipeline  a batch: stage, check in SQL, link parties (or hold them), merge, history

The HTTP endpoint is ``hub.gateway.ingest``; the GraphQL upserts, the batch and history
queries are ``hub.schema.ingest``; the SQL is ``sql/queries/ingest.sql``.
"""
