"""Domain control validation (SPEC §5). The probes ask the world and answer in words:
`txt` (DNS TXT), `http` (the file), `caa` (before issuance), sharing `lookup` (the result
and the resolver); they touch no model. `workflow` checks domains, re-checks them with
backoff, gives up at the deadline and moves the application on; `methods` switches how a
domain is proven and runs the emailed links."""
