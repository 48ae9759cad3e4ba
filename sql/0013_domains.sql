-- 0013 domains: the values a referral's own columns may hold are named types
-- (domains) instead of CHECK constraints of the table. The rules are the same.
--
-- PostgreSQL reads every CHECK constraint of a table from its stored form,
-- plans it and evaluates it for each statement that writes a row, whichever
-- columns the statement changes: for referrals eleven constraints, 14 kB of
-- stored expressions, on every intake batch, lease, ack and decision. A
-- domain's check is kept parsed for the session and runs only when a value is
-- assigned to a column of its type. Timed with pgbench, one client, two
-- single-row updates of a referral a transaction (as a lease and its ack make),
-- synchronous_commit off: 0.34 ms with the constraints as they were, 0.29 ms
-- with these domains, 0.26 ms with no checks at all (docs/BENCHMARKS.md).
--
-- The four rules that tie columns together (triaged, leased, decided and
-- assigned together) stay table constraints: a domain sees one value.
-- rag_rank is generated from rag, and PostgreSQL will not change the type of a
-- column a generated column reads, so it is dropped (with referrals_deliverable)
-- and made again. Rewrites referrals, referral_updates and referral_events once.

CREATE DOMAIN referral_status AS text
    CHECK (VALUE IN ('received', 'queued', 'leased', 'in_review', 'delivered', 'decided', 'undelivered', 'closed'));
CREATE DOMAIN rag_rating AS text CHECK (VALUE IN ('red', 'amber', 'green'));
CREATE DOMAIN need_level AS smallint CHECK (VALUE BETWEEN 1 AND 4);
CREATE DOMAIN decision_outcome AS text
    CHECK (VALUE IN ('nfa', 'advice', 'early_help', 'child_in_need_assessment', 'strategy_discussion',
                     'refer_other_agency', 'existing_case'));
CREATE DOMAIN reason_text AS text CHECK (length(VALUE) BETWEEN 1 AND 2000);
CREATE DOMAIN feedback_text AS text CHECK (length(VALUE) <= 4000);
CREATE DOMAIN worker_name AS text CHECK (length(VALUE) BETWEEN 1 AND 200);
CREATE DOMAIN delivery_event AS text
    CHECK (VALUE IN ('leased', 'acked', 'released', 'lease_expired', 'decided', 'undelivered', 'escalated'));

ALTER TABLE referrals
    DROP CONSTRAINT referrals_status_check,
    DROP CONSTRAINT referrals_rag_check,
    DROP CONSTRAINT referrals_level_check,
    DROP CONSTRAINT referrals_outcome_check,
    DROP CONSTRAINT referrals_decision_reason_check,
    DROP CONSTRAINT referrals_decision_feedback_check,
    DROP CONSTRAINT referrals_assigned_to_check,
    DROP COLUMN rag_rank;

ALTER TABLE referrals
    ALTER COLUMN status TYPE referral_status,
    ALTER COLUMN rag TYPE rag_rating,
    ALTER COLUMN level TYPE need_level,
    ALTER COLUMN outcome TYPE decision_outcome,
    ALTER COLUMN decision_reason TYPE reason_text,
    ALTER COLUMN decision_feedback TYPE feedback_text,
    ALTER COLUMN assigned_to TYPE worker_name,
    -- As 0004 made it: the inbox's priority as a column, so that an index can hold the order.
    ADD COLUMN rag_rank smallint GENERATED ALWAYS AS (
        CASE rag WHEN 'red' THEN 1 WHEN 'amber' THEN 2 WHEN 'green' THEN 3 END) STORED;
CREATE INDEX referrals_deliverable ON referrals (hub_id, rag_rank, deadline, received_at)
    WHERE status IN ('queued', 'undelivered');

ALTER TABLE referral_updates
    DROP CONSTRAINT referral_updates_level_check,
    DROP CONSTRAINT referral_updates_rag_check,
    ALTER COLUMN level TYPE need_level,
    ALTER COLUMN rag TYPE rag_rating;

ALTER TABLE referral_events
    DROP CONSTRAINT referral_events_event_check,
    ALTER COLUMN event TYPE delivery_event;
