-- 0014 awaiting delivery: referrals in an inbox and not leased, oldest first, so
-- that the leader's ten-second check of the delivery window reads only those
-- past it. Before it, the check read every queued referral every round, to find
-- none past the window nearly every time: 0.6 s a round with 1.5 million
-- queued, a second of the machine's CPU in one burst that intake's latency felt
-- (docs/BENCHMARKS.md, "A backlog in the inbox"). Intake pays one entry per
-- referral, at the index's right-hand end; a lease, and the `undelivered` mark,
-- take it out.
CREATE INDEX referrals_awaiting_delivery ON referrals (received_at) WHERE status = 'queued';
