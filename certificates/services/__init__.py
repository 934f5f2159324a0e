"""Workflows that span models, by topic: buying (purchases), applying (applications),
renewing (renewals), expiry, the CA at work (issuance: CA creation, CRLs, OCSP) and the
rate limits. Views, the admin, tasks (and later the API and ACME) call these."""
