"""Schemathesis hooks for the authority's API fuzz test (apps/authority/src/openapi/api-fuzz.int.spec.ts)."""
import schemathesis


@schemathesis.serializer("application/secevent+jwt")
def secevent_jwt(ctx, value):
    """SSF push bodies (RFC 8935) are a compact JWS: send the generated string as it is."""
    if value is None:
        return None
    return str(value).encode("utf-8")
