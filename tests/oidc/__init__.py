"""Integration tests against a real OpenID provider (panva/oidc-provider on Node)."""
