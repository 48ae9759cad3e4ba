-- 0007 retention: the retention policy's purges and legal holds (docs/RETENTION.md).
-- What a purge deletes and why is decided in code (MashStore's Retention.swift);
-- this schema gives it a place in the audit log, the holds it must respect and the
-- indexes that let a daily run find what is due without reading what is kept.

-- A legal hold keeps a referral, and everything kept about it, whatever the
-- retention policy says: for litigation, an inquiry, a child safeguarding practice
-- review or a subject-access request in progress. One row per referral under hold;
-- releasing the hold deletes the row. Who placed and released it, when and why, is
-- in the audit log (actions `hold` and `release`). The foreign key also orders a
-- hold and a purge of the same referral: the hold's insert locks the referral's
-- row against the purge's delete, so whichever commits first wins and a purge
-- never removes a referral whose hold it could not see.
CREATE TABLE legal_holds (
    referral_id uuid PRIMARY KEY REFERENCES referrals (id),
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    held_at     timestamptz NOT NULL DEFAULT now(),
    held_by     text NOT NULL DEFAULT current_user
);

-- Placing and releasing a hold, and each purge, are audited like any other action.
-- (A CHECK is validated by reading the rows: the append-only triggers do not fire.)
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check,
    ADD CONSTRAINT audit_log_action_check CHECK (action IN (
        'view', 'claim', 'rerate', 'route', 'decide', 'assign', 'handover', 'export', 'hold', 'release', 'purge'));

-- When the retention policy deleted the referral's delivery history (its leases,
-- acks and the rest), keeping the referral itself: null until then.
ALTER TABLE referrals ADD COLUMN delivery_history_purged_at timestamptz;

-- What each retention rule reads, oldest decision first. Open referrals have no
-- decision, so intake, leases and acks never write to these indexes; a referral
-- enters them once, when it is decided, and leaves them when it is purged (or, for
-- the last, when its delivery history is).
CREATE INDEX referrals_nfa_decided ON referrals (decided_at) WHERE outcome = 'nfa';
CREATE INDEX referrals_other_decided ON referrals (decided_at) WHERE outcome <> 'nfa';
CREATE INDEX referrals_delivery_history_kept ON referrals (decided_at)
    WHERE decided_at IS NOT NULL AND delivery_history_purged_at IS NULL;
