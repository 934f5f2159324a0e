"""What the tests (and bench/) share: processes, servers, the browser, the admin's forms,
the ACME client walk, PKI fixtures and the follow-up spy. No tests here."""
