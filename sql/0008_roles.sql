-- 0008 roles: the group roles the programs connect through, each granted what
-- its program runs and nothing else (docs/DATABASE.md has the table). An operator
-- makes LOGIN roles members of one of them, e.g.
--     CREATE ROLE mashd LOGIN IN ROLE mash_daemon;
-- Migrations run as the owner of the database and its tables, who needs no grant.
--
-- Grants are explicit, table by table: a migration that adds a table, sequence or
-- function grants it to the roles that need it, in the same migration (a test
-- fails while some table is granted to no role or a function is left to PUBLIC).

-- Roles belong to the cluster, not the database, so another database of the same
-- cluster may have created them already, or be creating them at this moment: the
-- loser of that race waits for the winner's commit and gets unique_violation.
-- Existing roles are left alone, so that a migrating owner without CREATEROLE
-- can migrate once a superuser has created them.
DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['mash_daemon', 'mash_coordinator', 'mash_ops'] LOOP
        CONTINUE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = name);
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', name);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- created by a migration of another database meanwhile
        END;
    END LOOP;
END $$;

DO $$
BEGIN
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO mash_daemon, mash_coordinator, mash_ops', current_database());
END $$;

-- No role but the owner creates anything here (PostgreSQL 15's default; a cluster
-- upgraded from an earlier version may still let PUBLIC create).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO mash_daemon, mash_coordinator, mash_ops;

-- mash_daemon: mashd. Intake, updates, delivery, hub decisions, authentication,
-- quarantine, heartbeats and the delivery watch. No DDL, no TRUNCATE, and the
-- audit log only appended to (and read: the chaining trigger reads the last entry).
GRANT SELECT ON mash_schema_migrations, agencies, hubs, tokens, threshold_versions TO mash_daemon;
GRANT SELECT, INSERT, UPDATE ON referrals TO mash_daemon;
GRANT SELECT, INSERT ON referral_children, referral_updates, referral_events TO mash_daemon;
GRANT INSERT ON quarantine TO mash_daemon;
GRANT SELECT, INSERT, UPDATE, DELETE ON daemons TO mash_daemon;
GRANT SELECT, INSERT ON audit_log TO mash_daemon;

-- mash_coordinator: mashctl's desk (inbox, overdue, next, show, rerate, route,
-- decide, assign, handover, caseloads, history, export, report, audit,
-- quarantine) and the read-only rules commands (check, show, explain).
GRANT SELECT ON agencies, hubs, threshold_versions, referral_children, referral_updates, quarantine TO mash_coordinator;
GRANT SELECT, UPDATE ON referrals TO mash_coordinator;
GRANT SELECT, INSERT ON referral_events, audit_log TO mash_coordinator;

-- mash_ops: mashctl's administration (status, agency, hub, token, rules apply,
-- report) and retention, which deletes referrals and what hangs off them, and
-- records each purge in the audit log (never deletes from it).
GRANT SELECT ON mash_schema_migrations, daemons TO mash_ops;
GRANT SELECT, INSERT, UPDATE ON agencies, hubs, tokens TO mash_ops;
GRANT SELECT, INSERT ON threshold_versions, audit_log TO mash_ops;
GRANT SELECT, DELETE ON referrals, referral_children, referral_updates, referral_events, quarantine TO mash_ops;
-- Retention marks a referral whose delivery history it purged (that column only:
-- it is also what lets it lock the rows it deletes, FOR UPDATE); legal holds are
-- placed and released by ops (0007).
GRANT UPDATE (delivery_history_purged_at) ON referrals TO mash_ops;
GRANT SELECT, INSERT, DELETE ON legal_holds TO mash_ops;

-- Whoever appends to the audit log draws its entry numbers. (Identity columns
-- need no grant on their sequences.)
GRANT USAGE ON SEQUENCE audit_log_id_seq TO mash_daemon, mash_coordinator, mash_ops;

-- Functions: none for PUBLIC, this migrating role's future ones included. The
-- chaining trigger and `audit verify` hash entries; trigger functions need no
-- grant to fire.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_entry_hash(bytea, bigint, timestamptz, text, text, text, uuid, text, jsonb),
    audit_log_chain(), audit_log_refuse_change() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_entry_hash(bytea, bigint, timestamptz, text, text, text, uuid, text, jsonb)
    TO mash_daemon, mash_coordinator, mash_ops;
