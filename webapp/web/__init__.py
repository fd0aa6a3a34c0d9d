"""Web plumbing shared by every blueprint: security headers and CSP, gzip, access logs without
addresses, self-hosted vendor assets, error pages and the interface language."""
