"""The REST API (SPEC §10), shaped like SCM's v3 API: an entry point beside the console's
views, calling the same services and run_transition; no rule is written here twice."""
