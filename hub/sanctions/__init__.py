"""Acting on the list: its lifecycle (courts), interceptions and sanction feedback (agencies)."""
