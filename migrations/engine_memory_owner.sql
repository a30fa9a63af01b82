-- Conversation owners for @bupple/nestjs-ai-engine (PostgreSQL 10 or later), for a table made before them.
-- Existing rows get '' (no owner) and stay readable as before. Idempotent.
ALTER TABLE "engine_memory" ADD COLUMN IF NOT EXISTS owner varchar(200) NOT NULL DEFAULT '';
