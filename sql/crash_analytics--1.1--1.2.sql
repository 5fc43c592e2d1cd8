/* sql/crash_analytics--1.1--1.2.sql */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION crash_analytics UPDATE TO '1.2'" to load this file. \quit

/*
 * Version 1.2.  A fresh CREATE EXTENSION runs crash_analytics--1.0.sql,
 * crash_analytics--1.0--1.1.sql and then this script, so a new install and
 * an updated one are built by the same statements.
 *
 * A function whose body changes is dropped and created again (extension
 * scripts never use CREATE OR REPLACE); the grants made on it are carried
 * over to the new one (section 6), and a user's view or function that
 * depends on it stops the update with PostgreSQL's dependency error,
 * nothing changed.
 */

/* ========================================================================
 * 0. The grants on the functions this script re-creates, saved (section 6
 *    gives them back)
 * ======================================================================== */

-- (end of section 0)

/* ========================================================================
 * 1. Daily roll-ups
 * ======================================================================== */

-- (end of section 1)

/* ========================================================================
 * 2. Indexes
 * ======================================================================== */

-- (end of section 2)

/* ========================================================================
 * 3. Constraints
 * ======================================================================== */

-- (end of section 3)

/* ========================================================================
 * 4. Analytics functions
 * ======================================================================== */

-- (end of section 4)

/* ========================================================================
 * 5. Errors and access
 * ======================================================================== */

-- (end of section 5)

/* ========================================================================
 * 6. Grants of the profiles
 * ======================================================================== */

-- (end of section 6)
