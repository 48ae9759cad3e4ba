-- 0003 triage: every referral is triaged and routed to a hub's inbox by the same
-- statement that stores it, and each child in it is kept in a form that later
-- referrals can be matched against (the child's history).

-- The triage of a referral: the threshold version, rule and modifiers that produced
-- it, and what they decided. A referral with a hub and status 'queued' is in that
-- hub's inbox. Referrals stored before this migration keep nulls here.
ALTER TABLE referrals
    ADD COLUMN threshold_version integer REFERENCES threshold_versions (version),
    ADD COLUMN level             smallint CHECK (level BETWEEN 1 AND 4),
    ADD COLUMN rag               text CHECK (rag IN ('red', 'amber', 'green')),
    ADD COLUMN hub_id            text REFERENCES hubs (id),
    ADD COLUMN deadline          timestamptz,
    ADD COLUMN flags             jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN triage_rule       text,
    ADD COLUMN triage_modifiers  jsonb NOT NULL DEFAULT '[]',
    ADD CONSTRAINT referrals_triaged_together CHECK (
        (threshold_version IS NULL) = (level IS NULL) AND (level IS NULL) = (rag IS NULL)
        AND (rag IS NULL) = (hub_id IS NULL) AND (hub_id IS NULL) = (deadline IS NULL));

-- An inbox in priority order: red, amber, green, then the earliest deadline.
CREATE INDEX referrals_inbox ON referrals (hub_id, status, deadline) WHERE hub_id IS NOT NULL;

-- The children named in each referral, as history is matched: the NHS number; the
-- family name lower-cased without spaces, hyphens or apostrophes, with the date of
-- birth and postcode; for an unborn child, the expected due date.
CREATE TABLE referral_children (
    referral_id       uuid NOT NULL REFERENCES referrals (id) ON DELETE CASCADE,
    position          smallint NOT NULL,
    nhs_number        text,
    family_name_key   text,
    date_of_birth     date,
    expected_due_date date,
    postcode          text,
    PRIMARY KEY (referral_id, position)
);
CREATE INDEX referral_children_nhs ON referral_children (nhs_number) WHERE nhs_number IS NOT NULL;
CREATE INDEX referral_children_name_birth ON referral_children (family_name_key, date_of_birth) WHERE date_of_birth IS NOT NULL;
-- A child with an NHS number matches by name only earlier records that had none.
CREATE INDEX referral_children_name_birth_no_nhs ON referral_children (family_name_key, date_of_birth)
    WHERE date_of_birth IS NOT NULL AND nhs_number IS NULL;
CREATE INDEX referral_children_due ON referral_children (expected_due_date) WHERE expected_due_date IS NOT NULL;
