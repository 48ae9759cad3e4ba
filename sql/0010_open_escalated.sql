-- 0010 open escalated: open referrals already escalated, by hub. With
-- referrals_escalation (0006: open referrals not yet escalated) it covers every
-- open referral, so the inbox gauges, which every daemon reads every ten seconds,
-- read the open referrals only rather than every referral ever received (by
-- hand, 150,000 referrals of which 150 open: 25 ms a read before, 2.6 ms after).
-- Intake pays nothing, as a new referral is not escalated; a lease, an ack or a
-- decision of an escalated referral pays an entry.
CREATE INDEX referrals_open_escalated ON referrals (hub_id)
    WHERE escalated_at IS NOT NULL AND status IN ('queued', 'leased', 'in_review', 'delivered', 'undelivered');
