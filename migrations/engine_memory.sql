-- Conversation memory of @bupple/nestjs-ai-engine (PostgreSQL 10 or later).
-- One row per message. Messages are ordered by "id" (an identity column), never by created_at.
CREATE TABLE IF NOT EXISTS "engine_memory" (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_type varchar(200) NOT NULL,
  parent_id   varchar(200) NOT NULL,
  owner       varchar(200) NOT NULL DEFAULT '',
  message_id  varchar(200) NOT NULL,
  role        varchar(16)  NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content     text         NOT NULL,
  type        varchar(16)  NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'image', 'audio', 'video')),
  metadata    jsonb        NOT NULL DEFAULT '{}'::jsonb,
  engine      varchar(100),
  created_at  timestamptz  NOT NULL DEFAULT now()
);

-- A table made before conversations had owners gets the column ('' = no owner: its rows stay readable).
ALTER TABLE "engine_memory" ADD COLUMN IF NOT EXISTS owner varchar(200) NOT NULL DEFAULT '';

-- Reading a conversation in order: WHERE parent_type = $1 AND parent_id = $2 AND owner = $3 ORDER BY id.
CREATE INDEX IF NOT EXISTS "engine_memory_parent_idx" ON "engine_memory" (parent_type, parent_id, id);
