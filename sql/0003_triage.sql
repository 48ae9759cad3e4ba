-- 0003 triage: every referral is triaged and routed to a hub's inbox by the same
-- statement that stores it, and each child in it is kept in a form that later
-- referrals can be matched against (the child's history).
--
-- Intake writes these columns and tables for every referral, so they carry no
-- foreign keys: each would run a query and lock the referenced row once per row
-- inserted, and every referral would lock the same few hub and version rows. What
-- the keys would guarantee holds by construction instead: a threshold version is
-- read from threshold_versions before it is used and versions are never removed;
-- `mashctl rules apply` refuses a document that routes to a hub not in hubs, and
-- hubs are never removed; children are inserted by the statement that inserts
-- their referral, from the rows it returned; whatever removes a referral removes
-- its children with it.

-- The triage of a referral: the threshold version, rule and modifiers that produced
-- it, and what they decided. A referral with a hub and status 'queued' is in that
-- hub's inbox. Referrals stored before this migration keep nulls here.
ALTER TABLE referrals
    ADD COLUMN threshold_version integer,
    ADD COLUMN level             smallint CHECK (level BETWEEN 1 AND 4),
    ADD COLUMN rag               text CHECK (rag IN ('red', 'amber', 'green')),
    ADD COLUMN hub_id            text,
    ADD COLUMN deadline          timestamptz,
    ADD COLUMN flags             jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN triage_rule       text,
    ADD COLUMN triage_modifiers  jsonb NOT NULL DEFAULT '[]',
    ADD CONSTRAINT referrals_triaged_together CHECK (
        (threshold_version IS NULL) = (level IS NULL) AND (level IS NULL) = (rag IS NULL)
        AND (rag IS NULL) = (hub_id IS NULL) AND (hub_id IS NULL) = (deadline IS NULL)
        AND (deadline IS NULL) = (triage_rule IS NULL));

-- Documents of a few kilobytes are compressed as they are stored; lz4 does it for
-- a fraction of the CPU of the default pglz, which showed in the intake profile.
ALTER TABLE referrals ALTER COLUMN document SET COMPRESSION lz4;

-- An inbox: a hub's referrals by status, earliest deadline first.
CREATE INDEX referrals_inbox ON referrals (hub_id, status, deadline) WHERE hub_id IS NOT NULL;

-- The children named in each referral, as history is matched: the NHS number; the
-- family name lower-cased without spaces, hyphens or apostrophes, with the date of
-- birth and postcode; for an unborn child, the expected due date. The referral's
-- arrival time is kept with each child so that every way of matching reads a
-- child's latest referrals straight from its index, newest first, and stops at
-- the limit however often the child was referred.
--
-- Only the indexes history reads: each costs every intake an insert per child.
-- A child with an NHS number is matched by name and date of birth only against
-- earlier records without one, by filtering the name index; that reads every
-- earlier child sharing the name and date of birth, which are few (twins).
CREATE TABLE referral_children (
    referral_id       uuid NOT NULL,
    received_at       timestamptz NOT NULL,
    nhs_number        text,
    family_name_key   text,
    date_of_birth     date,
    expected_due_date date,
    postcode          text
);
CREATE INDEX referral_children_nhs ON referral_children (nhs_number, received_at) WHERE nhs_number IS NOT NULL;
CREATE INDEX referral_children_name_birth ON referral_children (family_name_key, date_of_birth, received_at)
    WHERE date_of_birth IS NOT NULL;
CREATE INDEX referral_children_due ON referral_children (expected_due_date, received_at) WHERE expected_due_date IS NOT NULL;

-- Supplementary information an agency sent about its referral (CONTRACT §2,
-- updates), in the order received. Each is triaged again with the referral:
-- what that triage decided is kept here, and `raised` says whether it raised the
-- referral's level or urgency (an update never lowers either). An update to a
-- referral already decided or closed is kept but not triaged (nulls).
CREATE TABLE referral_updates (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id       uuid NOT NULL REFERENCES referrals (id),
    reference         text NOT NULL,
    document          jsonb NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    threshold_version integer REFERENCES threshold_versions (version),
    level             smallint CHECK (level BETWEEN 1 AND 4),
    rag               text CHECK (rag IN ('red', 'amber', 'green')),
    hub_id            text REFERENCES hubs (id),
    deadline          timestamptz,
    triage_rule       text,
    raised            boolean NOT NULL DEFAULT false,
    UNIQUE (referral_id, reference),
    CHECK ((threshold_version IS NULL) = (level IS NULL) AND (level IS NULL) = (rag IS NULL)
           AND (rag IS NULL) = (hub_id IS NULL) AND (hub_id IS NULL) = (deadline IS NULL)
           AND (deadline IS NULL) = (triage_rule IS NULL))
);
