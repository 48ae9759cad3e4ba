-- 0011 agencies kept: referrals name their agency without a foreign key, and
-- neither agencies nor hubs can be removed.
--
-- The foreign key from referrals to agencies (0001) ran a query for every
-- referral intake stored and locked its agency's row; concurrent batches from
-- one agency share that lock, which PostgreSQL records as a multixact, in WAL.
-- perf at intake put the key's checks at about 4% of PostgreSQL's CPU
-- (docs/BENCHMARKS.md). What it guaranteed holds otherwise, as 0003 says of
-- hubs: intake takes the agency from the token that authenticated the request,
-- and a token's agency is a foreign key; and an agency or a hub is never
-- removed (an agency is disabled instead), which the triggers below now
-- enforce for every role, the tables' owner included.
ALTER TABLE referrals DROP CONSTRAINT referrals_agency_id_fkey;

CREATE FUNCTION refuse_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% are never removed: referrals name them (an agency is disabled instead)', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER agencies_never_removed BEFORE DELETE OR TRUNCATE ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
CREATE TRIGGER hubs_never_removed BEFORE DELETE OR TRUNCATE ON hubs
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_removal();
