"""The ACME server (RFC 8555, SPEC §11): an entry point like the console's pages and the REST
API, on the same services and transitions."""
