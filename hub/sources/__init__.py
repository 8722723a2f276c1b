"""The data layer: every SQL statement the hub runs goes through these modules.

One module per source (court, land, market, police, tourism) plus ``core``; each runs the
named statements of ``sql/queries/<module>.sql``. Batch functions take many keys and return
rows grouped by key, so loaders turn N lookups into one statement.
"""
