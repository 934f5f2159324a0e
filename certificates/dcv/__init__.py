"""Domain control validation's probes (SPEC §5): they ask the world and answer in words —
`txt` (DNS TXT, and the dns-01 value), `http` (the file, http-01), `caa` (before
issuance), sharing `lookup` (the result and the resolver). Pure: no model; they read only
the settings that tune them (resolver, timeouts, port, CAA identities). The workflow that
runs them and records what they found is a service: certificates/services/domain_checks.py
(check, re-check, give up) and domain_methods.py (how a domain is proven, emailed links)."""
