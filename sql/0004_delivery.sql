-- 0004 delivery: hub systems lease referrals out of their hub's inbox and
-- acknowledge them (CONTRACT §2), record screening decisions, and a referral
-- nobody took within its hub's delivery window is reported undelivered. Every
-- step is kept in the referral's delivery history.
--
-- A referral's delivery states: 'queued' (in the inbox) -> 'leased' (offered to
-- one consumer until lease_expires_at) -> 'delivered' (acked) or back to 'queued'
-- (released, or the lease expired); 'decided' from any open state. 'undelivered'
-- is 'queued' after the delivery window passed: still offered to the hub, since a
-- late delivery is better than none, and listed by `mashctl overdue`.

ALTER TABLE referrals
    -- Red first: the inbox's priority as a column, so that an index can hold the order.
    ADD COLUMN rag_rank smallint GENERATED ALWAYS AS (
        CASE rag WHEN 'red' THEN 1 WHEN 'amber' THEN 2 WHEN 'green' THEN 3 END) STORED,
    -- The latest lease, kept after it ends so that a repeated ack or release can
    -- be told from one on a lease that was superseded.
    ADD COLUMN lease_id         uuid,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN delivered_at     timestamptz,
    -- When the delivery window passed with the referral still in the inbox.
    ADD COLUMN undelivered_at   timestamptz,
    -- The screening decision: what the referring agency sees.
    ADD COLUMN outcome          text CHECK (outcome IN ('nfa', 'advice', 'early_help', 'child_in_need_assessment',
                                                        'strategy_discussion', 'refer_other_agency', 'existing_case')),
    ADD COLUMN decided_at       timestamptz,
    ADD COLUMN decided_by       text,
    ADD COLUMN decision_reason  text CHECK (length(decision_reason) BETWEEN 1 AND 2000),
    ADD COLUMN decision_feedback text CHECK (length(decision_feedback) <= 4000),
    -- The children's history as intake found it, for the summary a hub system gets
    -- with each lease: how many earlier referrals named them, and the latest.
    ADD COLUMN prior_referrals  integer NOT NULL DEFAULT 0,
    ADD COLUMN last_referred_at timestamptz,
    ADD CONSTRAINT referrals_leased_with_lease CHECK (status <> 'leased' OR (lease_id IS NOT NULL AND lease_expires_at IS NOT NULL)),
    ADD CONSTRAINT referrals_decided_together CHECK (
        (outcome IS NULL) = (decided_at IS NULL) AND (decided_at IS NULL) = (decision_reason IS NULL)
        AND (decided_at IS NULL) = (decided_by IS NULL) AND (status <> 'decided' OR outcome IS NOT NULL));

-- Every index of referrals costs intake an insert per referral and every lease
-- and ack another (their updates cannot be HOT: they change indexed columns).
-- Nothing reads this one; a report that needs arrival-time ranges can add it back.
DROP INDEX referrals_received_at;

-- What a consumer can lease, in the order it gets it. Intake inserts into this
-- index in place of the one it replaces, so it costs intake nothing more.
DROP INDEX referrals_inbox;
CREATE INDEX referrals_deliverable ON referrals (hub_id, rag_rank, deadline, received_at)
    WHERE status IN ('queued', 'undelivered');
-- Each delivered referral leaves a dead entry in referrals_deliverable, at the head
-- where the next lease starts reading, until VACUUM removes it: vacuum referrals
-- after 1% of it changed rather than PostgreSQL's default 20%.
ALTER TABLE referrals SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000);
-- Leases to end when they expire; only leased referrals are in it.
CREATE INDEX referrals_lease_expiry ON referrals (lease_expires_at) WHERE status = 'leased';
-- Acks and releases find their referral by lease.
CREATE UNIQUE INDEX referrals_lease ON referrals (lease_id) WHERE lease_id IS NOT NULL;

-- A referral's delivery history: every lease, ack, release, expiry, decision and
-- passing of the delivery window, oldest first. `actor` is the hub whose token
-- acted (`hub:<id>`), `mashd` for what the daemon did by itself, or the database
-- user for `mashctl`. No foreign key, like referral_children: written in the
-- statement that changes the referral.
CREATE TABLE referral_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id uuid NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    event       text NOT NULL CHECK (event IN ('leased', 'acked', 'released', 'lease_expired', 'decided', 'undelivered')),
    hub_id      text,
    lease_id    uuid,
    actor       text NOT NULL,
    detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, id);
-- Which referral and hub a lease belonged to, even after it was superseded.
CREATE INDEX referral_events_lease ON referral_events (lease_id) WHERE event = 'leased';
