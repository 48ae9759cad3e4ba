-- 0002 thresholds: every version of the threshold document (CONTRACT §4) ever
-- applied, and which one each running daemon has in use.

-- A threshold document as applied by `mashctl rules apply`: checked first, then
-- kept verbatim, so that `rules show` gives back exactly what was applied and every
-- triage can name the version it used. Versions are never changed or removed.
CREATE TABLE threshold_versions (
    version    integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    document   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    applied_by text NOT NULL DEFAULT current_user
);

-- The version a daemon last loaded (null until one is applied).
ALTER TABLE daemons ADD COLUMN threshold_version integer REFERENCES threshold_versions (version);
