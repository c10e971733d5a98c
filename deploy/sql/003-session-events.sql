-- RecSys event log, part 2: anonymous session events (POST /v1/sessions/{sessionId}/events) are logged too. A row
-- belongs to exactly one subject: a user (user_id set, as every row written before this script) or a session
-- (session_id set, user_id null). Sessions and users are separate id spaces, so the same id and eventId may
-- appear once as a user event and once as a session event.
--
-- Idempotent and cheap to re-run: the silo applies every script at each start, and ALTER TABLE or CREATE INDEX
-- IF NOT EXISTS would still take a lock on recsys_events (pausing every event write) each time, so each change
-- is made only when the catalogue shows it missing.
--
-- Compatibility: an Api from before this script keeps writing user rows (its ON CONFLICT (user_id, event_id) still
-- has its constraint); a `recsys replay` from before it cannot read session rows (null user_id): upgrade it too.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                   WHERE table_schema = current_schema() AND table_name = 'recsys_events' AND column_name = 'session_id') THEN
        -- Adding a nullable column without a default is a catalogue change; the check reads the table once
        -- (existing rows all have a user_id, so it holds).
        ALTER TABLE recsys_events
            ALTER COLUMN user_id DROP NOT NULL,
            ADD COLUMN session_id text NULL,
            ADD CONSTRAINT recsys_events_one_subject CHECK ((user_id IS NULL) <> (session_id IS NULL));
    END IF;

    -- Retries of a session event are written once per session and eventId, the scope the session grains
    -- de-duplicate in. Partial: user rows (most of the table) stay out of it, so user writes maintain no extra
    -- index entry. User rows keep recsys_events_user_event; session rows (null user_id) never conflict there.
    IF NOT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'recsys_events_session_event') THEN
        CREATE UNIQUE INDEX recsys_events_session_event ON recsys_events (session_id, event_id) WHERE session_id IS NOT NULL;
    END IF;
END
$$;
