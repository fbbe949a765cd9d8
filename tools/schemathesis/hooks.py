"""Schemathesis hooks for the authority's API fuzz test (apps/authority/src/openapi/api-fuzz.int.spec.ts)."""
import hashlib
import json
import os
import sqlite3

import schemathesis


@schemathesis.serializer("application/secevent+jwt")
def secevent_jwt(ctx, value):
    """SSF push bodies (RFC 8935) are a compact JWS: send the generated string as it is."""
    if value is None:
        return None
    return str(value).encode("utf-8")


# What each table of the authority's store is compared by (None: not compared). A refused request
# may, by design, write the audit log, ship audit entries and the anomaly alerts they raise through
# the outbox, and count failed logins; background tasks move the SSF dispatcher's cursor, the topic
# guard's watermarks, the outbox's published_at and the leader lease's renewals. The same list as
# the spec's storeState.
COMPARED_BY = {
    "audit_log": None,
    "audit_checkpoints": None,
    "leader_lease": None,
    "login_throttle": None,
    "ssf_out_cursor": None,
    "topic_watermarks": None,
    "outbox": "SELECT event_id, revocation_id, topic, record_key, value FROM outbox"
    " WHERE topic NOT LIKE '%audit.v1' AND topic NOT LIKE '%alerts.v1' ORDER BY seq",
}


def store_state(path):
    """Row count and digest of every compared table of the SQLite store at `path` (read-only)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        state = {}
        for name in tables:
            query = COMPARED_BY.get(name, f'SELECT * FROM "{name}"')
            if query is None:
                continue
            rows = db.execute(query).fetchall()
            digest = hashlib.sha256(json.dumps(rows, default=lambda v: v.hex() if isinstance(v, bytes) else str(v)).encode()).hexdigest()[:16]
            state[name] = f"{len(rows)} rows {digest}"
        return state
    finally:
        db.close()


_before = {}


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    """Remembers the store's state before each request, when the spec names the store."""
    path = os.environ.get("REVMESH_FUZZ_STORE")
    if path:
        _before.clear()
        _before[case.id] = store_state(path)


@schemathesis.check
def no_state_change_after_4xx(ctx, response, case):
    """A request the authority refuses (4xx) changes nothing in its store."""
    path = os.environ.get("REVMESH_FUZZ_STORE")
    before = _before.get(case.id)
    if not path or before is None or not 400 <= response.status_code < 500:
        return None
    after = store_state(path)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    if changed:
        raise AssertionError(f"{response.status_code} answered, yet the store changed: {', '.join(changed)}")
    return None
