-- Conversation memory of @bupple/nestjs-ai-engine: lets a table made by an earlier
-- engine_memory.sql store tool results (role 'tool'). Idempotent: a no-op once done.
DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM pg_constraint
    WHERE conrelid = to_regclass('"engine_memory"') AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%role%' AND pg_get_constraintdef(oid) NOT LIKE '%tool%'
  ) THEN
    ALTER TABLE "engine_memory" DROP CONSTRAINT IF EXISTS "engine_memory_role_check";
    ALTER TABLE "engine_memory" ADD CONSTRAINT "engine_memory_role_check" CHECK (role IN ('system', 'user', 'assistant', 'tool'));
  END IF;
END
$$;
