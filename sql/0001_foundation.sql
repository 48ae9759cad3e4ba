-- 0001 foundation: partner agencies, hubs, credentials, referrals as received,
-- quarantined submissions and the daemons seen. Applied in one transaction by
-- `mashctl migrate`; forward-only.

-- A partner agency that sends referrals.
CREATE TABLE agencies (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind        text NOT NULL CHECK (kind IN ('police', 'health', 'education', 'local_authority',
                                              'probation', 'housing', 'voluntary', 'other')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    disabled_at timestamptz
);

-- A team with an inbox: MASH screening, early help, child protection, LADO, EDT...
CREATE TABLE hubs (
    id              text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    capacity        integer NOT NULL DEFAULT 120 CHECK (capacity > 0),
    delivery_window interval NOT NULL DEFAULT interval '5 days' CHECK (delivery_window > interval '0'),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- A bearer credential for one agency or one hub. Only the SHA-256 of the secret
-- is kept; several may be live at once so that secrets can be rotated.
CREATE TABLE tokens (
    id          text PRIMARY KEY,
    agency_id   text REFERENCES agencies (id),
    hub_id      text REFERENCES hubs (id),
    secret_hash bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT current_user,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    CHECK ((agency_id IS NULL) <> (hub_id IS NULL))
);

-- A referral as accepted at intake. `reference` is the agency's own message id:
-- unique per agency, which is what makes retries idempotent.
CREATE TABLE referrals (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    agency_id   text NOT NULL REFERENCES agencies (id),
    reference   text NOT NULL,
    document    jsonb NOT NULL,
    warnings    jsonb NOT NULL DEFAULT '[]',
    status      text NOT NULL DEFAULT 'received'
                CHECK (status IN ('received', 'queued', 'leased', 'in_review', 'delivered',
                                  'decided', 'undelivered', 'closed')),
    received_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agency_id, reference)
);
CREATE INDEX referrals_received_at ON referrals (received_at);

-- An authenticated submission refused as malformed or invalid, kept so the MASH
-- can chase the sender. `body` is the raw request body, exactly as received.
CREATE TABLE quarantine (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id    text NOT NULL REFERENCES agencies (id),
    received_at  timestamptz NOT NULL DEFAULT now(),
    content_type text,
    body         bytea NOT NULL,
    http_status  smallint NOT NULL,
    problems     jsonb NOT NULL
);
CREATE INDEX quarantine_received_at ON quarantine (received_at);

-- Every running mashd, with a heartbeat, for `mashctl status`.
CREATE TABLE daemons (
    id         uuid PRIMARY KEY,
    host       text NOT NULL,
    pid        integer NOT NULL,
    version    text NOT NULL,
    listen     text NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now()
);
