from tests.oidc.fixture import fresh_oidc_provider, oidc_provider  # noqa: F401  (fixtures)
