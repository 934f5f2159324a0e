"""The built-in CA's cryptography, on `cryptography` alone: certificate profiles and signing
(profiles), CRLs and OCSP responses (status), CSRs and keys (csr), private keys at rest
(keystore) and download bundles (bundles). No ORM: the models and services call these."""
