-- 0012 documents as sent: a referral's document, and an update's, are kept as
-- `json`, the text the agency sent, rather than `jsonb`.
--
-- mashd parses and validates every document before storing it, so PostgreSQL's
-- own parse is only a check. `jsonb` rebuilt each document as a tree (about
-- 16 µs for the 2.4 kB bench referral, against about 7 µs for `json`'s check
-- of its syntax), and printed it back as text for every lease (the lease's
-- json_build_object with a stored document: about 19 µs as `jsonb`, 5 µs as
-- `json`); measured in docs/BENCHMARKS.md. Hub systems now get the document byte for byte as sent,
-- white space and key order included.
--
-- Nothing queries into documents on the hot paths; where a document is compared
-- (an intake retry with the same reference) or read into (reports) it is cast to
-- `jsonb`, which every stored document survives: the validator refuses NUL in
-- every string, the one thing `json` keeps and `jsonb` does not.
--
-- Rewrites both tables (and their indexes) once, holding them exclusively.
ALTER TABLE referrals ALTER COLUMN document TYPE json USING document::json;
ALTER TABLE referrals ALTER COLUMN document SET COMPRESSION lz4;
ALTER TABLE referral_updates ALTER COLUMN document TYPE json USING document::json;
