-- RecSys event log: every event accepted by POST /v1/events in PostgreSQL mode, appended in batches before the
-- grains see it and acknowledged only after the batch commits. The source of truth for `recsys replay` and for
-- retraining; grain state is derived from it. Idempotent, like every script here.

CREATE TABLE IF NOT EXISTS recsys_events
(
    -- Commit order within a writer; `recsys replay --since <seq>` resumes from it.
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text NOT NULL,
    -- The client's eventId, or a server-generated UUID when the client sent none (such events are logged, but a
    -- client retry of them is a new event: only the client can make a retry recognisable).
    event_id text NOT NULL,
    item_id text NOT NULL,
    -- The API's lower-case names (view, click, like, rating, purchase, skip): readable by analysts and by replay.
    type text NOT NULL,
    value double precision NULL,
    occurred_at timestamptz NOT NULL,
    -- now() is the transaction's start time: every row of one batch shares it.
    received_at timestamptz NOT NULL DEFAULT now(),
    -- Retries of an event are written once per user and eventId, the same scope the user grains de-duplicate in.
    CONSTRAINT recsys_events_user_event UNIQUE (user_id, event_id)
);
-- No second index: replay of one user finds its rows through the unique index (user_id leads it) and sorts
-- that user's few rows by seq; every extra index would slow every batch.
