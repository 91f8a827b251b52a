"""README.txt of every export: what the files are and how to check them, for the person who receives it."""

README = """\
Examiner export of the lossmit-compliance service
=================================================

What is here (docs/export-format.md in the service's repository describes every field and column):

  events.jsonl   every event of the case (or portfolio), one JSON object per line, with its full envelope:
                 id, case_id, version, position, type, schema_version, occurred_at, recorded_at, actor, data,
                 idempotency_key, prev_hash, hash; and either `salt` (full export) or `commitments` and
                 `field_salts` (redacted export: withheld values are pseudonyms)
  events.csv     the same events as CSV, with the legal date in the case's time zone
  clocks.json    every regulatory clock (rule, citation, trigger, due date, status, derivation, alternatives)
                 with each recorded breach, when it was detected and who acknowledged it
  clocks.csv     the same clocks as CSV
  contacts.csv   the contact log with borrower-local times and Regulation F counters and findings
  report.pdf     the case history for a person to read (case exports)
  proofs.jsonl   per-event inclusion proofs (portfolio exports; a case keeps them in manifest.json)
  loans.csv      one row per case with its milestone dates and breaches per rule (portfolio exports)
  verify.py      the offline verifier
  manifest.json  SHA-256 of every file, who exported what and when, the rulebook version, the signed
                 checkpoint, the public key and the inclusion proofs
  manifest.sig   the Ed25519 signature of manifest.json

How to check it, on any computer with Python 3.9 or later:

  python verify.py THIS_FOLDER_OR_ZIP                  uses only the standard library
  pip install cryptography                              to check the Ed25519 signatures too
  python verify.py BUNDLE --public-key servicer.pem     to use a key obtained from the servicer directly

It recomputes every file hash, every event hash (from the event's own envelope), each event's inclusion in
the signed checkpoint of the whole log, and the signatures, and prints VERIFIED or FAILED: reason.
No other borrower's data is needed: other events appear only as hashes.
"""
