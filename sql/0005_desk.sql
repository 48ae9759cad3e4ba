-- 0005 the coordinator's desk: referrals claimed and allocated to workers, each
-- hub's caseload limit, and the audit log of every action on and every view of a
-- referral (CONTRACT §5).

-- The worker a referral is allocated to: whoever claimed it with `mashctl next`
-- (status 'in_review') or was given it by `assign`. A worker's caseload is the
-- open referrals (CONTRACT §2's open statuses: not decided or closed) allocated
-- to them; a decision ends the allocation's place in the caseload, not the record.
ALTER TABLE referrals
    ADD COLUMN assigned_to text CHECK (length(assigned_to) BETWEEN 1 AND 200),
    ADD COLUMN assigned_at timestamptz,
    ADD CONSTRAINT referrals_assigned_together CHECK ((assigned_to IS NULL) = (assigned_at IS NULL));
CREATE INDEX referrals_assigned ON referrals (assigned_to) WHERE assigned_to IS NOT NULL;

-- How many open referrals one worker of the hub may hold before `caseloads` flags them.
ALTER TABLE hubs ADD COLUMN worker_limit integer NOT NULL DEFAULT 20 CHECK (worker_limit > 0);

-- The audit log: who did what to which referral, when and why, and who looked at
-- it. `db_user` is the database user that wrote the entry (set by the database,
-- not the caller); `actor` is the person or system acting through it: the
-- database user for mashctl, `agency:<id>` or `hub:<id>` for the API.
--
-- Append-only, enforced here rather than in code: a trigger refuses every UPDATE,
-- DELETE and TRUNCATE, for the table's owner too. Tamper-evident: each entry
-- carries the SHA-256 of its content and of the previous entry's hash, so an entry
-- altered, inserted or removed by someone who can bypass the trigger (a superuser)
-- breaks the chain at that entry, which `mashctl audit verify` names.
CREATE TABLE audit_log (
    id            bigint PRIMARY KEY,
    at            timestamptz NOT NULL,
    db_user       text NOT NULL,
    actor         text NOT NULL,
    action        text NOT NULL CHECK (action IN ('view', 'claim', 'rerate', 'route', 'decide', 'assign', 'handover', 'export')),
    referral_id   uuid,
    reason        text CHECK (length(reason) BETWEEN 1 AND 2000),
    detail        jsonb NOT NULL DEFAULT '{}',
    previous_hash bytea,
    hash          bytea NOT NULL
);
-- Entries are numbered in chain order by the trigger, after it holds the lock.
CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_referral ON audit_log (referral_id, id) WHERE referral_id IS NOT NULL;

-- An entry's hash: SHA-256 over the previous entry's hash and the entry's fields
-- as a JSON array (unambiguous whatever the fields contain), the time as
-- microseconds since the epoch so that no session setting changes it. The
-- chaining trigger and `audit verify` both use it.
CREATE FUNCTION audit_entry_hash(previous bytea, id bigint, at timestamptz, db_user text, actor text, action text,
                                 referral_id uuid, reason text, detail jsonb) RETURNS bytea
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN sha256(coalesce(previous, '\x'::bytea) || convert_to(
        jsonb_build_array(id, (extract(epoch FROM at) * 1000000)::bigint, db_user, actor, action, referral_id, reason, detail)::text,
        'UTF8'));

-- Chains each new entry to the last one. The transaction-scoped advisory lock
-- (key: 'mash' audit, 1) makes appends one at a time until commit, so the last
-- committed entry is the previous one, and ids and times follow the chain.
-- Read committed only: a snapshot taken earlier would not see the last entry.
CREATE FUNCTION audit_log_chain() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit entries are written in read committed transactions only';
    END IF;
    PERFORM pg_advisory_xact_lock(1835102568, 1);
    SELECT hash INTO NEW.previous_hash FROM audit_log ORDER BY id DESC LIMIT 1;
    NEW.id := nextval('audit_log_id_seq');
    NEW.at := clock_timestamp();
    NEW.db_user := current_user;
    NEW.hash := audit_entry_hash(NEW.previous_hash, NEW.id, NEW.at, NEW.db_user, NEW.actor, NEW.action,
                                 NEW.referral_id, NEW.reason, NEW.detail);
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_chain();

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
