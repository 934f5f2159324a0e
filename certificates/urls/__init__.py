"""The console's URLs, one urlconf per namespace (scm_console/urls.py includes each):
`certificates` (the list, applying, a certificate's pages and steps), `records` (the team's
operation records), `overview` (the team's overview) and `ca` (the CA's public face:
roots, chains, CRLs, OCSP). The REST API's and the ACME server's URLs live with them
(certificates/api/urls.py, certificates/acme/urls.py)."""
