-- evalgate schema, version 2: a run belongs to the API key that created it (a hash prefix of the key, never the key).
-- Runs from before keys, or created without client keys, have no owner and stay open to all.

ALTER TABLE eval_run ADD COLUMN owner text;
