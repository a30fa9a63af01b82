-- Conversation memory of @bupple/nestjs-ai-engine (PostgreSQL 10 or later).
-- One row per message. Messages are ordered by "id" (an identity column), never by created_at.
CREATE TABLE IF NOT EXISTS "engine_memory" (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  parent_type varchar(200) NOT NULL,
  parent_id   varchar(200) NOT NULL,
  message_id  varchar(200) NOT NULL,
  role        varchar(16)  NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
  content     text         NOT NULL,
  type        varchar(16)  NOT NULL DEFAULT 'text' CHECK (type IN ('text', 'image', 'audio', 'video')),
  metadata    jsonb        NOT NULL DEFAULT '{}'::jsonb,
  engine      varchar(100),
  created_at  timestamptz  NOT NULL DEFAULT now()
);

-- Reading a conversation in order: WHERE parent_type = $1 AND parent_id = $2 ORDER BY id.
CREATE INDEX IF NOT EXISTS "engine_memory_parent_idx" ON "engine_memory" (parent_type, parent_id, id);
