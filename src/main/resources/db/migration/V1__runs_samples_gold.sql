-- evalgate schema, version 1: benchmark runs, their scored samples, uploaded gold sets.
-- Samples are append-only and keyed by a per-completion id, so writing one twice is a no-op (ON CONFLICT DO NOTHING).

CREATE TABLE eval_run (
    name        text PRIMARY KEY,
    created_at  timestamptz NOT NULL
);

CREATE TABLE eval_sample (
    id          uuid PRIMARY KEY,
    run         text NOT NULL REFERENCES eval_run (name),
    task        text NOT NULL,
    doc_id      text NOT NULL,
    request     text,                -- JSON: completion id, prompt/completion tokens, max_tokens, temperature, finish reasons
    raw_outputs text NOT NULL,       -- JSON list of the generated texts
    answer      text,                -- JSON: the answer as a MERA submission carries it
    score       double precision,
    ttft_ms     double precision,
    total_ms    double precision,
    model       text,
    engine      text,
    created_at  timestamptz NOT NULL,
    written_by  text NOT NULL        -- the gateway instance that served it
);

CREATE INDEX eval_sample_by_run ON eval_sample (run, created_at, id);

CREATE TABLE gold_set (
    task         text PRIMARY KEY,
    file_name    text NOT NULL,
    content      text NOT NULL,
    uploaded_at  timestamptz NOT NULL
);
