-- 0006 operations: the deadline watch. A referral still open when its deadline
-- passes is escalated once, by whichever daemon leads periodic work: it gains the
-- flag `overdue`, an `escalated` entry in its delivery history, a notification on
-- `mash_escalations`, and `mashctl overdue` lists it first.

ALTER TABLE referrals ADD COLUMN escalated_at timestamptz;

ALTER TABLE referral_events DROP CONSTRAINT referral_events_event_check;
ALTER TABLE referral_events ADD CONSTRAINT referral_events_event_check
    CHECK (event IN ('leased', 'acked', 'released', 'lease_expired', 'decided', 'undelivered', 'escalated'));

-- Open referrals not yet escalated, by deadline: the watch reads only the head of
-- it. Intake pays one index entry per referral; escalation and decision take it out.
CREATE INDEX referrals_escalation ON referrals (deadline)
    WHERE escalated_at IS NULL AND status IN ('queued', 'leased', 'in_review', 'delivered', 'undelivered');
