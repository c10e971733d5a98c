-- RecSys: Orleans 10 ADO.NET clustering and grain storage on PostgreSQL (invariant "Npgsql").
--
-- Our own schema, written to the query contract the Orleans 10.4.2 providers expect (they read
-- OrleansQuery at start and refuse to start when a key is missing). Idempotent: safe to run on every start;
-- the silo applies it under an advisory lock (RecSys.Silo.Persistence.PostgresSchema), and operators may run it
-- with `psql -v ON_ERROR_STOP=1 -f`. Query texts are upserted, so running a newer version updates them.
--
-- Each conditional write is a single statement (data-modifying CTEs), so it needs no PL/pgSQL and is atomic
-- under READ COMMITTED: the optimistic-concurrency check and the write commit or fail together.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey varchar(64) NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

-- ---------------------------------------------------------------------------------------------------------
-- Clustering (membership)
-- ---------------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp timestamptz(3) NOT NULL DEFAULT now(),
    Version integer NOT NULL DEFAULT 0,
    CONSTRAINT PK_OrleansMembershipVersionTable_DeploymentId PRIMARY KEY (DeploymentId)
);

CREATE TABLE IF NOT EXISTS OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address varchar(45) NOT NULL,
    Port integer NOT NULL,
    Generation integer NOT NULL,
    SiloName varchar(150) NOT NULL,
    HostName varchar(150) NOT NULL,
    Status integer NOT NULL,
    ProxyPort integer NULL,
    SuspectTimes varchar(8000) NULL,
    StartTime timestamptz(3) NOT NULL,
    IAmAliveTime timestamptz(3) NOT NULL,
    CONSTRAINT PK_MembershipTable_DeploymentId PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_MembershipTable_MembershipVersionTable_DeploymentId
        FOREIGN KEY (DeploymentId) REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Returns 1 when the version row was created, 0 when it already existed.
('InsertMembershipVersionKey', '
WITH inserted AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT count(*)::int FROM inserted;
'),

-- Inserts a silo row only if the table version still equals @Version, bumping it in the same statement.
-- Returns 1 on success, 0 when another writer got there first (Orleans then re-reads and retries).
('InsertMembershipKey', '
WITH version_bump AS (
    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = @DeploymentId
      AND Version = CAST(@Version AS integer)
      AND NOT EXISTS (
          SELECT 1 FROM OrleansMembershipTable m
          WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
            AND m.Port = CAST(@Port AS integer) AND m.Generation = CAST(@Generation AS integer))
    RETURNING DeploymentId
), inserted AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName, Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT DeploymentId, @Address, CAST(@Port AS integer), CAST(@Generation AS integer), @SiloName, @HostName,
           CAST(@Status AS integer), CAST(@ProxyPort AS integer), @StartTime, @IAmAliveTime
    FROM version_bump
    RETURNING 1
)
SELECT count(*)::int FROM inserted;
'),

-- Updates a silo row only if the table version still equals @Version, bumping it in the same statement.
('UpdateMembershipKey', '
WITH version_bump AS (
    UPDATE OrleansMembershipVersionTable
    SET Version = Version + 1, Timestamp = now()
    WHERE DeploymentId = @DeploymentId
      AND Version = CAST(@Version AS integer)
      AND EXISTS (
          SELECT 1 FROM OrleansMembershipTable m
          WHERE m.DeploymentId = @DeploymentId AND m.Address = @Address
            AND m.Port = CAST(@Port AS integer) AND m.Generation = CAST(@Generation AS integer))
    RETURNING DeploymentId
), updated AS (
    UPDATE OrleansMembershipTable m
    SET Status = CAST(@Status AS integer), SuspectTimes = @SuspectTimes, IAmAliveTime = @IAmAliveTime
    FROM version_bump v
    WHERE m.DeploymentId = v.DeploymentId AND m.Address = @Address
      AND m.Port = CAST(@Port AS integer) AND m.Generation = CAST(@Generation AS integer)
    RETURNING 1
)
SELECT count(*)::int FROM updated;
'),

-- Heartbeat: never bumps the table version.
('UpdateIAmAlivetimeKey', '
UPDATE OrleansMembershipTable
SET IAmAliveTime = @IAmAliveTime
WHERE DeploymentId = @DeploymentId AND Address = @Address
  AND Port = CAST(@Port AS integer) AND Generation = CAST(@Generation AS integer);
'),

-- The version row LEFT JOIN members, so the version comes back even when the silo has no row yet.
('MembershipReadRowKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT OUTER JOIN OrleansMembershipTable m
    ON v.DeploymentId = m.DeploymentId
   AND m.Address = @Address AND m.Port = CAST(@Port AS integer) AND m.Generation = CAST(@Generation AS integer)
WHERE v.DeploymentId = @DeploymentId;
'),

('MembershipReadAllKey', '
SELECT v.DeploymentId, m.Address, m.Port, m.Generation, m.SiloName, m.HostName, m.Status, m.ProxyPort,
       m.SuspectTimes, m.StartTime, m.IAmAliveTime, v.Version
FROM OrleansMembershipVersionTable v
LEFT OUTER JOIN OrleansMembershipTable m ON v.DeploymentId = m.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
'),

('GatewaysQueryKey', '
SELECT Address, ProxyPort, Generation
FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = CAST(@Status AS integer) AND ProxyPort > 0;
'),

('DeleteMembershipTableEntriesKey', '
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
'),

-- Removes rows of silos declared Dead (status 6) whose last heartbeat is older than @IAmAliveTime.
-- Required by the 10.4.2 provider. Deliberately narrower than the older published "Status <> Active": a silo
-- still joining or shutting down is never removed under it; it is cleaned once the cluster declares it dead.
('CleanupDefunctSiloEntriesKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND IAmAliveTime < @IAmAliveTime AND Status = 6;
'),

-- Removes one Dead row, only if it is unchanged since the provider read it.
('CleanupDefunctSiloEntryKey', '
DELETE FROM OrleansMembershipTable
WHERE DeploymentId = @DeploymentId AND Status = 6
  AND Address = @Address AND Port = CAST(@Port AS integer) AND Generation = CAST(@Generation AS integer)
  AND IAmAliveTime = @IAmAliveTime AND StartTime = @StartTime
  AND SuspectTimes IS NOT DISTINCT FROM @SuspectTimes;
')

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;

-- ---------------------------------------------------------------------------------------------------------
-- Grain storage
-- ---------------------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash integer NOT NULL,
    GrainIdN0 bigint NOT NULL,
    GrainIdN1 bigint NOT NULL,
    GrainTypeHash integer NOT NULL,
    GrainTypeString varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId varchar(150) NOT NULL,
    PayloadBinary bytea NULL,
    ModifiedOn timestamptz NOT NULL,
    Version integer NULL
);

-- One row per grain state. The unique index both serves lookups (it leads with the two hashes) and makes a
-- concurrent first write lose cleanly (ON CONFLICT DO NOTHING -> unchanged version -> Orleans reports an
-- ETag conflict) instead of creating a duplicate row. Checked first because CREATE INDEX IF NOT EXISTS still
-- takes a SHARE lock on the table, which would pause every grain write in the cluster at each silo start.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'ux_orleansstorage_grain') THEN
        CREATE UNIQUE INDEX UX_OrleansStorage_Grain
            ON OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, GrainTypeString,
                               (COALESCE(GrainIdExtensionString, '')), ServiceId);
    END IF;
END
$$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('ReadFromStorageKey', '
SELECT PayloadBinary, now() AS ReadAt, Version
FROM OrleansStorage
WHERE GrainIdHash = CAST(@GrainIdHash AS integer) AND GrainTypeHash = CAST(@GrainTypeHash AS integer)
  AND GrainIdN0 = CAST(@GrainIdN0 AS bigint) AND GrainIdN1 = CAST(@GrainIdN1 AS bigint)
  AND GrainTypeString = @GrainTypeString
  AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
  AND ServiceId = @ServiceId;
'),

-- Insert when @GrainStateVersion is null (first write), else update only when the stored version equals it.
-- Returns the new version, or the unchanged one when the write lost (Orleans raises an ETag conflict).
('WriteToStorageKey', '
WITH updated AS (
    UPDATE OrleansStorage
    SET PayloadBinary = @PayloadBinary, ModifiedOn = now(), Version = Version + 1
    WHERE CAST(@GrainStateVersion AS integer) IS NOT NULL
      AND GrainIdHash = CAST(@GrainIdHash AS integer) AND GrainTypeHash = CAST(@GrainTypeHash AS integer)
      AND GrainIdN0 = CAST(@GrainIdN0 AS bigint) AND GrainIdN1 = CAST(@GrainIdN1 AS bigint)
      AND GrainTypeString = @GrainTypeString
      AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
      AND ServiceId = @ServiceId
      AND Version = CAST(@GrainStateVersion AS integer)
    RETURNING Version
), inserted AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
         PayloadBinary, ModifiedOn, Version)
    SELECT CAST(@GrainIdHash AS integer), CAST(@GrainIdN0 AS bigint), CAST(@GrainIdN1 AS bigint),
           CAST(@GrainTypeHash AS integer), @GrainTypeString, CAST(@GrainIdExtensionString AS varchar), @ServiceId,
           @PayloadBinary, now(), 1
    WHERE CAST(@GrainStateVersion AS integer) IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT COALESCE((SELECT Version FROM updated), (SELECT Version FROM inserted), CAST(@GrainStateVersion AS integer))
       AS NewGrainStateVersion;
'),

('ClearStorageKey', '
UPDATE OrleansStorage
SET PayloadBinary = NULL, ModifiedOn = now(), Version = Version + 1
WHERE GrainIdHash = CAST(@GrainIdHash AS integer) AND GrainTypeHash = CAST(@GrainTypeHash AS integer)
  AND GrainIdN0 = CAST(@GrainIdN0 AS bigint) AND GrainIdN1 = CAST(@GrainIdN1 AS bigint)
  AND GrainTypeString = @GrainTypeString
  AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
  AND ServiceId = @ServiceId
  AND Version = CAST(@GrainStateVersion AS integer)
RETURNING Version AS NewGrainStateVersion;
')

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
