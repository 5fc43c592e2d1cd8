-- The PL/pgSQL reference of log_crash_round (the benchmark's baseline) writes
-- exactly the rows of the C function and raises the same SQLSTATEs.  The test
-- lives beside the reference in test/bench/; this wrapper puts it in the suite.
\ir ../bench/reference_identity.sql
