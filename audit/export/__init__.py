"""Examiner exports: case bundles, streamed portfolio exports and data tapes that verify offline (issue 6)."""
