--
-- One source of truth for the version: the library reports what the catalog says.
--
SELECT infraguard.version() = extversion AS version_matches
  FROM pg_extension WHERE extname = 'infraguard';
SELECT infraguard.version() ~ '^\d+\.\d+(\.\d+)?$' AS looks_like_a_version;
