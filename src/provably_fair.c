/*-------------------------------------------------------------------------
 *
 * provably_fair.c
 *		Provably-fair verification: crash points recomputed from the data a
 *		platform reveals, for the algorithms the platforms publish, with
 *		PostgreSQL's own HMAC and SHA-256 (common/hmac.h, common/cryptohash.h).
 *
 * Two families of published algorithms:
 *
 *	 hash chains   The platform generates a chain of SHA-256 hashes from a
 *	               secret and plays it backwards: the hash of game n is the
 *	               SHA-256 of the hash of game n + 1 (of its lowercase hex
 *	               text, or of its 32 bytes for bustabit's current chain), so
 *	               a revealed hash proves every earlier game.  Each game hash
 *	               is mixed by HMAC-SHA256 with a salt fixed in public before
 *	               it was known (the hash of a future Bitcoin block):
 *
 *	   bustabit v1       HMAC(key = hash as text, message = salt); 1 game in
 *	   (2015)            101 busts at once (the 256-bit digest divisible by
 *	                     101); else h = top 52 bits, e = 2^52,
 *	                     floor((100e - h) / (e - h)) hundredths.  Salt: block
 *	                     339300.  Its code returns 0 for the instant bust; it
 *	                     is reported here as 1.00, the floor of a multiplier.
 *	   bustabit v2       HMAC(key = salt as text, message = the hash's 32
 *	   (2018), vx        bytes); X = top 52 bits / 2^52; max(100,
 *	   (2024) and        floor(99 / (1 - X))) hundredths.  Salts: block
 *	   current           505750 (v2), the salt of the fourth seeding event
 *	                     (current).  In the vx era (the third seeding event)
 *	                     the key is the game's Vx signature (BLS, 96 bytes),
 *	                     which this module takes as given: verifying a BLS
 *	                     signature needs pairings PostgreSQL does not have.
 *	   stake_chain       Stake's multiplayer Crash: HMAC(key = hash as text,
 *	                     message = salt); i = first 32 bits;
 *	                     max(1, 2^32 / (i + 1) * 0.99), shown cut to
 *	                     hundredths.  Salt: block 584500.
 *	   roobet            HMAC(key = hash as text, message = salt); 1 game in
 *	                     25 busts at once (digest divisible by 25); else the
 *	                     v1 formula.  Salt: block 610546.
 *
 *	 seeds         stake: a server seed committed by its SHA-256, a client
 *	               seed and a nonce; bytes = HMAC(key = server seed as text,
 *	               message = "client_seed:nonce:0"); float = the first four
 *	               bytes as base-256 fraction; crash = max(1, floor(1e8 /
 *	               (float * 1e8) * 0.99 * 100) / 100).
 *
 * Arithmetic follows the published JavaScript step by step in IEEE doubles
 * (what the platforms and their verifiers run), so a result agrees with
 * theirs to the last hundredth, rounding quirks included; the HMAC digests
 * and the 52- and 32-bit integers taken from them are exact.  Results are
 * numeric with two decimals.
 *
 * Every check has a strict form for the SQL functions (bad input raises an
 * error with its SQLSTATE) and a soft form for verify_logged_rounds (the
 * problem is reported in the row, the scan goes on): both call the same
 * routines, which fill a PfError instead of raising.
 *
 * IDENTIFICATION
 *	  src/provably_fair.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/array.h"
#include "utils/builtins.h"

#include "crash_analytics.h"

PG_FUNCTION_INFO_V1(ca_verify_crash_bustabit);
PG_FUNCTION_INFO_V1(ca_verify_crash_stake);
PG_FUNCTION_INFO_V1(ca_verify_crash_stake_chain);
PG_FUNCTION_INFO_V1(ca_verify_crash_roobet);
PG_FUNCTION_INFO_V1(ca_verify_hash_chain);
PG_FUNCTION_INFO_V1(ca_verify_hash_chain_array);
PG_FUNCTION_INFO_V1(ca_recompute_round);

#define PF_HASH_LEN		PG_SHA256_DIGEST_LENGTH /* 32 bytes, 64 hex digits */
#define PF_VX_SIG_LEN	96		/* a compressed BLS12-381 G2 signature */
#define PF_TWO_52		4503599627370496.0
#define PF_INFINITE		(-1)	/* crash point of a zero float (stake) */

typedef enum PfAlgorithm
{
	PF_BUSTABIT_V1,
	PF_BUSTABIT_V2,
	PF_BUSTABIT_VX,
	PF_BUSTABIT_CURRENT,
	PF_STAKE,
	PF_STAKE_CHAIN,
	PF_ROOBET,
	PF_NUM_ALGORITHMS
} PfAlgorithm;

typedef struct PfAlgorithmInfo
{
	const char *name;			/* verify_logged_rounds' algorithm */
	const char *era;			/* verify_crash_bustabit's era, or NULL */
	const char *salt;			/* the published salt, or NULL */
	bool		binary_chain;	/* chain links hash the 32 bytes */
} PfAlgorithmInfo;

/*
 * The published salts are the lowercase hex hashes of Bitcoin blocks mined
 * after each chain was committed:
 *	 339300  bustabit's first seeding event (bitcointalk topic 922898)
 *	 505750  bustabit v2 (topic 2807542)
 *	 the fourth bustabit seeding event (topic 5560454), from bustabit's
 *	         verifier (github.com/bustabit/verifier, src/constants.ts)
 *	 584500  Stake's Crash seeding event (topic 5162888)
 *	 610546  Roobet's seed event (its published verification script)
 */
static const PfAlgorithmInfo pf_algorithms[PF_NUM_ALGORITHMS] = {
	[PF_BUSTABIT_V1] = {"bustabit_v1", "v1",
	"000000000000000007a9a31ff7f07463d91af6b5454241d5faf282e5e0fe1b3a", false},
	[PF_BUSTABIT_V2] = {"bustabit_v2", "v2",
	"0000000000000000004d6ec16dafe9d8370958664c1dc422f452892264c59526", false},
	[PF_BUSTABIT_VX] = {"bustabit_vx", "vx", NULL, true},
	[PF_BUSTABIT_CURRENT] = {"bustabit_current", "current",
	"00000000000000000001e08b7fd44f95e3e950ac65650a8031a6d5e1750e34be", true},
	[PF_STAKE] = {"stake", NULL, NULL, false},
	[PF_STAKE_CHAIN] = {"stake_chain", NULL,
	"0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4", false},
	[PF_ROOBET] = {"roobet", NULL,
	"0000000000000000000fa3b65e43e4240d71762a5bf397d5304b2596d116859c", false},
};

/* A problem with an input: raised by the SQL functions, reported in bulk. */
typedef struct PfError
{
	int			sqlstate;
	char	   *message;
	char	   *detail;
} PfError;

static bool
pf_fail(PfError *err, int sqlstate, char *message, char *detail)
{
	err->sqlstate = sqlstate;
	err->message = message;
	err->detail = detail;
	return false;
}

static void
pf_raise(const PfError *err)
{
	ereport(ERROR,
			(errcode(err->sqlstate),
			 errmsg("%s", err->message),
			 err->detail ? errdetail("%s", err->detail) : 0));
}

/* ----------------------------------------------------------------------
 * Hashing, through PostgreSQL's own implementations
 * ----------------------------------------------------------------------
 */
static void
pf_hmac_sha256(const uint8 *key, size_t keylen, const uint8 *msg, size_t msglen,
			   uint8 *dest)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_hmac_init(ctx, key, keylen) < 0 ||
		pg_hmac_update(ctx, msg, msglen) < 0 ||
		pg_hmac_final(ctx, dest, PF_HASH_LEN) < 0)
	{
		char	   *why = pstrdup(pg_hmac_error(ctx));

		pg_hmac_free(ctx);
		elog(ERROR, "could not compute HMAC-SHA256: %s", why);	/* internal error */
	}
	pg_hmac_free(ctx);
}

static void
pf_sha256(const uint8 *data, size_t len, uint8 *dest)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, data, len) < 0 ||
		pg_cryptohash_final(ctx, dest, PF_HASH_LEN) < 0)
	{
		char	   *why = pstrdup(pg_cryptohash_error(ctx));

		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute SHA-256: %s", why);	/* internal error */
	}
	pg_cryptohash_free(ctx);
}

/* ----------------------------------------------------------------------
 * Input checks (soft: they fill err and return false)
 * ----------------------------------------------------------------------
 */
static int
pf_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A hex string of exactly nbytes bytes: its bytes into out and, when lower
 * is given (2 * nbytes + 1 chars), its lowercase text, which is what the
 * published algorithms hash when they take a hash as text.
 */
static bool
pf_parse_hex(const char *field, const char *s, int nbytes, uint8 *out, char *lower,
			 PfError *err)
{
	int			len = strlen(s);
	int			i;

	for (i = 0; i < len; i++)
	{
		if (pf_hex_digit(s[i]) < 0)
			return pf_fail(err, ERRCODE_INVALID_TEXT_REPRESENTATION,
						   psprintf("invalid hexadecimal digit in %s", field),
						   psprintf("Character %d is \"%.*s\".",
									pg_mbstrlen_with_len(s, i) + 1, pg_mblen(s + i), s + i));
	}
	if (len != 2 * nbytes)
		return pf_fail(err, ERRCODE_INVALID_PARAMETER_VALUE,
					   psprintf("%s must be %d hexadecimal digits", field, 2 * nbytes),
					   psprintf("It has %d.", len));
	for (i = 0; i < nbytes; i++)
		out[i] = (uint8) (pf_hex_digit(s[2 * i]) << 4 | pf_hex_digit(s[2 * i + 1]));
	if (lower != NULL)
	{
		for (i = 0; i < len; i++)
			lower[i] = (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i];
		lower[len] = '\0';
	}
	return true;
}

/* a seed or salt used as text: not empty, not huge */
static bool
pf_check_seed_text(const char *field, const char *s, PfError *err)
{
	int			len = strlen(s);

	if (len == 0)
		return pf_fail(err, ERRCODE_INVALID_PARAMETER_VALUE,
					   psprintf("%s must not be empty", field), NULL);
	if (len > CA_MAX_SHORT_TEXT)
		return pf_fail(err, ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
					   psprintf("%s is too long", field),
					   psprintf("It has %d bytes; the limit is %d.", len, CA_MAX_SHORT_TEXT));
	return true;
}

/* ----------------------------------------------------------------------
 * The published formulas, on a digest; results in hundredths
 * ----------------------------------------------------------------------
 */

/* the first 13 hex digits of a digest: its top 52 bits */
static uint64
pf_top52(const uint8 *d)
{
	return ((uint64) d[0] << 44) | ((uint64) d[1] << 36) | ((uint64) d[2] << 28) |
		((uint64) d[3] << 20) | ((uint64) d[4] << 12) | ((uint64) d[5] << 4) |
		((uint64) d[6] >> 4);
}

/* is the digest, as a 256-bit integer, divisible by mod (their divisible()) */
static bool
pf_divisible(const uint8 *d, uint32 mod)
{
	uint32		v = 0;
	int			i;

	for (i = 0; i < PF_HASH_LEN; i++)
		v = (v * 256 + d[i]) % mod;
	return v == 0;
}

/*
 * bustabit v1 and Roobet: instant bust when divisible by mod, else
 * Math.floor((100 * e - h) / (e - h)), in doubles as published.
 */
static int64
pf_formula_instant(const uint8 *d, uint32 mod)
{
	double		e = PF_TWO_52;
	double		h = (double) pf_top52(d);
	double		x;

	if (pf_divisible(d, mod))
		return 100;
	x = 100.0 * e - h;
	x = x / (e - h);
	return (int64) floor(x);
}

/* bustabit v2 and later: X = r / 2^52; X = 99 / (1 - X); max(100, floor(X)) */
static int64
pf_formula_99(const uint8 *d)
{
	double		x = (double) pf_top52(d) / PF_TWO_52;
	int64		cents;

	x = 99.0 / (1.0 - x);
	cents = (int64) floor(x);
	return Max(cents, 100);
}

/* Stake's Crash chain: Math.max(1, (2 ** 32 / (int + 1)) * (1 - 0.01)), cut to hundredths */
static int64
pf_formula_stake_chain(const uint8 *d)
{
	uint32		i = ((uint32) d[0] << 24) | ((uint32) d[1] << 16) | ((uint32) d[2] << 8) | d[3];
	double		x = 4294967296.0 / ((double) i + 1.0);
	int64		cents;

	x = x * (1.0 - 0.01);
	cents = (int64) floor(x * 100.0);
	return Max(cents, 100);
}

/*
 * Stake's seeds: float from four bytes, then
 * floatPoint = 1e8 / (float * 1e8) * 0.99; Math.floor(floatPoint * 100) / 100;
 * Math.max(crashPoint, 1).
 */
static int64
pf_formula_stake(const uint8 *d)
{
	double		f = 0.0;
	double		x;
	int64		cents;

	f = f + d[0] / 256.0;
	f = f + d[1] / 65536.0;
	f = f + d[2] / 16777216.0;
	f = f + d[3] / 4294967296.0;
	if (f == 0.0)
		return PF_INFINITE;		/* 1e8 / 0: Infinity in their code too */
	x = 1e8 / (f * 1e8);
	x = x * 0.99;
	cents = (int64) floor(x * 100.0);
	return Max(cents, 100);
}

static Numeric
pf_cents_numeric(int64 cents)
{
	if (cents == PF_INFINITE)
		return ca_num("Infinity");
	return ca_num(psprintf(INT64_FORMAT ".%02d", cents / 100, (int) (cents % 100)));
}

/* ----------------------------------------------------------------------
 * One crash point from its inputs
 * ----------------------------------------------------------------------
 */
typedef struct PfRound
{
	PfAlgorithm alg;
	const char *hash_field;		/* names, for messages */
	const char *hash;			/* game hash (chains) or server seed (stake) */
	const char *salt_field;
	const char *salt;			/* chains: NULL for the published one */
	const char *client_seed;	/* stake */
	int64		nonce;			/* stake */
} PfRound;

static bool
pf_crash_cents(const PfRound *r, int64 *cents, PfError *err)
{
	const PfAlgorithmInfo *info = &pf_algorithms[r->alg];
	uint8		hash[PF_HASH_LEN];
	char		hash_text[2 * PF_HASH_LEN + 1];
	uint8		digest[PF_HASH_LEN];
	const char *salt = r->salt ? r->salt : info->salt;

	if (!pf_parse_hex(r->hash_field, r->hash, PF_HASH_LEN, hash, hash_text, err))
		return false;

	switch (r->alg)
	{
		case PF_STAKE:
			{
				char	   *msg;

				if (!pf_check_seed_text("client_seed", r->client_seed, err))
					return false;
				if (r->nonce < 0)
					return pf_fail(err, ERRCODE_INVALID_PARAMETER_VALUE,
								   pstrdup("nonce must not be negative"),
								   psprintf("It is " INT64_FORMAT ".", r->nonce));
				/* the cursor's first round: four bytes is all a crash point needs */
				msg = psprintf("%s:" INT64_FORMAT ":0", r->client_seed, r->nonce);
				pf_hmac_sha256((const uint8 *) hash_text, strlen(hash_text),
							   (const uint8 *) msg, strlen(msg), digest);
				*cents = pf_formula_stake(digest);
				return true;
			}
		case PF_BUSTABIT_VX:
			{
				uint8		sig[PF_VX_SIG_LEN];

				if (r->salt == NULL)
					return pf_fail(err, ERRCODE_NULL_VALUE_NOT_ALLOWED,
								   psprintf("%s must be the game's Vx signature in the vx era",
											r->salt_field),
								   pstrdup("Vx signed each game; there is no published salt."));
				if (!pf_parse_hex(r->salt_field, r->salt, PF_VX_SIG_LEN, sig, NULL, err))
					return false;
				pf_hmac_sha256(sig, PF_VX_SIG_LEN, hash, PF_HASH_LEN, digest);
				*cents = pf_formula_99(digest);
				return true;
			}
		default:
			break;
	}

	if (!pf_check_seed_text(r->salt_field, salt, err))
		return false;
	switch (r->alg)
	{
		case PF_BUSTABIT_V1:
			pf_hmac_sha256((const uint8 *) hash_text, strlen(hash_text),
						   (const uint8 *) salt, strlen(salt), digest);
			*cents = pf_formula_instant(digest, 101);
			break;
		case PF_ROOBET:
			pf_hmac_sha256((const uint8 *) hash_text, strlen(hash_text),
						   (const uint8 *) salt, strlen(salt), digest);
			*cents = pf_formula_instant(digest, 25);
			break;
		case PF_STAKE_CHAIN:
			pf_hmac_sha256((const uint8 *) hash_text, strlen(hash_text),
						   (const uint8 *) salt, strlen(salt), digest);
			*cents = pf_formula_stake_chain(digest);
			break;
		case PF_BUSTABIT_V2:
		case PF_BUSTABIT_CURRENT:
			pf_hmac_sha256((const uint8 *) salt, strlen(salt), hash, PF_HASH_LEN, digest);
			*cents = pf_formula_99(digest);
			break;
		default:
			elog(ERROR, "unexpected provably-fair algorithm %d", (int) r->alg);	/* internal error */
	}
	return true;
}

/*
 * SHA-256 of a hash as its chain hashes it: its lowercase hex text, or its
 * 32 bytes (binary).
 */
static void
pf_chain_step(const uint8 *bytes, const char *text, bool binary, uint8 *dest)
{
	if (binary)
		pf_sha256(bytes, PF_HASH_LEN, dest);
	else
		pf_sha256((const uint8 *) text, 2 * PF_HASH_LEN, dest);
}

/* does SHA-256 of next (game n + 1) give game (game n)?  Both already parsed. */
static bool
pf_link(const uint8 *game, const uint8 *next, const char *next_text, bool binary)
{
	uint8		d[PF_HASH_LEN];

	pf_chain_step(next, next_text, binary, d);
	return memcmp(d, game, PF_HASH_LEN) == 0;
}

/* ----------------------------------------------------------------------
 * Names
 * ----------------------------------------------------------------------
 */
static PfAlgorithm
pf_algorithm_by_name(const char *name)
{
	int			i;

	for (i = 0; i < PF_NUM_ALGORITHMS; i++)
		if (strcmp(pf_algorithms[i].name, name) == 0)
			return (PfAlgorithm) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown provably-fair algorithm \"%s\"", name),
			 errhint("The algorithms are bustabit_v1, bustabit_v2, bustabit_vx, bustabit_current, stake, stake_chain and roobet.")));
	pg_unreachable();
}

static PfAlgorithm
pf_era_by_name(const char *era)
{
	int			i;

	for (i = 0; i < PF_NUM_ALGORITHMS; i++)
		if (pf_algorithms[i].era && strcmp(pf_algorithms[i].era, era) == 0)
			return (PfAlgorithm) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown bustabit era \"%s\"", era),
			 errhint("The eras are v1 (2015), v2 (2018), vx (2024, the salt being the game's Vx signature) and current (the fourth seeding event).")));
	pg_unreachable();
}

static bool
pf_encoding_is_binary(const char *encoding)
{
	if (strcmp(encoding, "hex") == 0)
		return false;
	if (strcmp(encoding, "binary") == 0)
		return true;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown hash-chain encoding \"%s\"", encoding),
			 errhint("Use \"hex\" (each hash is the SHA-256 of the next one's lowercase hex text: bustabit v1 and v2, Stake, Roobet) or \"binary\" (of its 32 bytes: bustabit since 2024).")));
	pg_unreachable();
}

static char *
pf_arg_cstring(FunctionCallInfo fcinfo, int argno)
{
	return PG_ARGISNULL(argno) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(argno));
}

static Datum
pf_verify(PfRound *r)
{
	PfError		err;
	int64		cents;

	if (!pf_crash_cents(r, &cents, &err))
		pf_raise(&err);
	PG_RETURN_NUMERIC(pf_cents_numeric(cents));
}

/* ----------------------------------------------------------------------
 * SQL-callable functions
 * ----------------------------------------------------------------------
 */

/* verify_crash_bustabit(game_hash text, salt text DEFAULT NULL, era text DEFAULT 'v1') */
Datum
ca_verify_crash_bustabit(PG_FUNCTION_ARGS)
{
	PfRound		r = {0};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
		PG_RETURN_NULL();
	r.alg = pf_era_by_name(pf_arg_cstring(fcinfo, 2));
	r.hash_field = "game_hash";
	r.hash = pf_arg_cstring(fcinfo, 0);
	r.salt_field = "salt";
	r.salt = pf_arg_cstring(fcinfo, 1);
	return pf_verify(&r);
}

/* verify_crash_stake(server_seed text, client_seed text, nonce bigint): STRICT */
Datum
ca_verify_crash_stake(PG_FUNCTION_ARGS)
{
	PfRound		r = {0};

	r.alg = PF_STAKE;
	r.hash_field = "server_seed";
	r.hash = pf_arg_cstring(fcinfo, 0);
	r.client_seed = pf_arg_cstring(fcinfo, 1);
	r.nonce = PG_GETARG_INT64(2);
	return pf_verify(&r);
}

/* verify_crash_stake_chain(game_hash text, salt text DEFAULT NULL) */
Datum
ca_verify_crash_stake_chain(PG_FUNCTION_ARGS)
{
	PfRound		r = {0};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r.alg = PF_STAKE_CHAIN;
	r.hash_field = "game_hash";
	r.hash = pf_arg_cstring(fcinfo, 0);
	r.salt_field = "salt";
	r.salt = pf_arg_cstring(fcinfo, 1);
	return pf_verify(&r);
}

/* verify_crash_roobet(game_hash text, salt text DEFAULT NULL) */
Datum
ca_verify_crash_roobet(PG_FUNCTION_ARGS)
{
	PfRound		r = {0};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	r.alg = PF_ROOBET;
	r.hash_field = "game_hash";
	r.hash = pf_arg_cstring(fcinfo, 0);
	r.salt_field = "salt";
	r.salt = pf_arg_cstring(fcinfo, 1);
	return pf_verify(&r);
}

/* verify_hash_chain(game_hash text, next_hash text, encoding text DEFAULT 'hex'): STRICT */
Datum
ca_verify_hash_chain(PG_FUNCTION_ARGS)
{
	bool		binary = pf_encoding_is_binary(pf_arg_cstring(fcinfo, 2));
	uint8		game[PF_HASH_LEN],
				next[PF_HASH_LEN];
	char		next_text[2 * PF_HASH_LEN + 1];
	PfError		err;

	if (!pf_parse_hex("game_hash", pf_arg_cstring(fcinfo, 0), PF_HASH_LEN, game, NULL, &err) ||
		!pf_parse_hex("next_hash", pf_arg_cstring(fcinfo, 1), PF_HASH_LEN, next, next_text, &err))
		pf_raise(&err);
	PG_RETURN_BOOL(pf_link(game, next, next_text, binary));
}

/*
 * verify_hash_chain(hashes text[], encoding text DEFAULT 'hex'): STRICT.
 * The hashes of consecutive games in the order they were played: each one is
 * the SHA-256 of the one after it.  All are checked for form first, so a
 * malformed element is an error even after a broken link.
 */
Datum
ca_verify_hash_chain_array(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	bool		binary = pf_encoding_is_binary(pf_arg_cstring(fcinfo, 1));
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	uint8	   *bytes;
	char	   *texts;
	bool		ok = true;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("hashes must be a one-dimensional array")));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a hash chain needs at least two hashes"),
				 errdetail("The array has %d.", n)));
	bytes = palloc(n * PF_HASH_LEN);
	texts = palloc(n * (2 * PF_HASH_LEN + 1));
	for (i = 0; i < n; i++)
	{
		char		field[32];
		PfError		err;

		snprintf(field, sizeof(field), "hashes[%d]", i + 1);
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", field)));
		if (!pf_parse_hex(field, TextDatumGetCString(elems[i]), PF_HASH_LEN,
						  bytes + i * PF_HASH_LEN, texts + i * (2 * PF_HASH_LEN + 1), &err))
			pf_raise(&err);
	}
	for (i = 0; i + 1 < n && ok; i++)
		ok = pf_link(bytes + i * PF_HASH_LEN, bytes + (i + 1) * PF_HASH_LEN,
					 texts + (i + 1) * (2 * PF_HASH_LEN + 1), binary);
	PG_RETURN_BOOL(ok);
}

/*
 * recompute_round(algorithm, server_seed, server_seed_hash, client_seed,
 *				   nonce, round_hash, previous_round_hash)
 *	 returns (crash_point numeric, seed_hash_ok boolean, chain_ok boolean,
 *			  problem text)
 *
 * One logged round, as verify_logged_rounds reads it (the columns of
 * crash_game_rounds).  Which column holds what:
 *	 chains  game hash = round_hash, else server_seed; salt = client_seed,
 *			 else the published one (bustabit_vx: client_seed holds the Vx
 *			 signature); nonce unused.
 *	 stake   server_seed, client_seed and nonce.
 * seed_hash_ok: the server seed hashes (as its chain would: text or bytes)
 * to server_seed_hash; NULL when either is missing.  chain_ok: the game hash
 * of the previous platform round is the SHA-256 of this one; NULL when there
 * is none (or for stake).  Bad data never raises: crash_point is then NULL
 * and problem says why.  An unknown algorithm does raise (22023).
 */
Datum
ca_recompute_round(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {true, true, true, true};
	PfAlgorithm alg;
	const PfAlgorithmInfo *info;
	char	   *server_seed = pf_arg_cstring(fcinfo, 1);
	char	   *seed_hash = pf_arg_cstring(fcinfo, 2);
	char	   *client_seed = pf_arg_cstring(fcinfo, 3);
	char	   *round_hash = pf_arg_cstring(fcinfo, 5);
	char	   *previous = pf_arg_cstring(fcinfo, 6);
	PfRound		r = {0};
	PfError		err = {0};
	bool		failed = false;
	int64		cents;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");	/* internal error */
	ca_require(fcinfo, 0, "algorithm");
	alg = pf_algorithm_by_name(pf_arg_cstring(fcinfo, 0));
	info = &pf_algorithms[alg];

	r.alg = alg;
	if (alg == PF_STAKE)
	{
		r.hash_field = "server_seed";
		r.hash = server_seed;
		r.client_seed = client_seed;
		if (server_seed == NULL || client_seed == NULL || PG_ARGISNULL(4))
		{
			pf_fail(&err, ERRCODE_NULL_VALUE_NOT_ALLOWED,
					psprintf("no %s", server_seed == NULL ? "server_seed" :
							 client_seed == NULL ? "client_seed" : "nonce"), NULL);
			failed = true;
		}
		else
			r.nonce = PG_GETARG_INT64(4);
	}
	else
	{
		r.hash_field = round_hash ? "round_hash" : "server_seed";
		r.hash = round_hash ? round_hash : server_seed;
		r.salt_field = "client_seed";
		r.salt = client_seed;
		if (r.hash == NULL)
		{
			pf_fail(&err, ERRCODE_NULL_VALUE_NOT_ALLOWED,
					pstrdup("no round_hash or server_seed"), NULL);
			failed = true;
		}
	}

	if (!failed && !pf_crash_cents(&r, &cents, &err))
		failed = true;
	if (!failed)
	{
		values[0] = NumericGetDatum(pf_cents_numeric(cents));
		nulls[0] = false;
	}

	/* the server seed against its commitment */
	if (server_seed != NULL && seed_hash != NULL)
	{
		uint8		seed[PF_HASH_LEN],
					committed[PF_HASH_LEN],
					d[PF_HASH_LEN];
		char		seed_text[2 * PF_HASH_LEN + 1];
		PfError		e2;

		if (pf_parse_hex("server_seed", server_seed, PF_HASH_LEN, seed, seed_text, &e2) &&
			pf_parse_hex("server_seed_hash", seed_hash, PF_HASH_LEN, committed, NULL, &e2))
		{
			pf_chain_step(seed, seed_text, info->binary_chain, d);
			values[1] = BoolGetDatum(memcmp(d, committed, PF_HASH_LEN) == 0);
			nulls[1] = false;
		}
		else if (!failed)
		{
			err = e2;
			failed = true;
		}
	}

	/* the link to the previous platform round */
	if (alg != PF_STAKE && previous != NULL && r.hash != NULL)
	{
		uint8		game[PF_HASH_LEN],
					prev[PF_HASH_LEN];
		char		game_text[2 * PF_HASH_LEN + 1];
		PfError		e2;

		if (pf_parse_hex(r.hash_field, r.hash, PF_HASH_LEN, game, game_text, &e2) &&
			pf_parse_hex("previous round's hash", previous, PF_HASH_LEN, prev, NULL, &e2))
		{
			values[2] = BoolGetDatum(pf_link(prev, game, game_text, info->binary_chain));
			nulls[2] = false;
		}
		else if (!failed)
		{
			err = e2;
			failed = true;
		}
	}

	if (failed)
	{
		values[3] = CStringGetTextDatum(err.detail
										? psprintf("%s: %s", err.message, err.detail)
										: err.message);
		nulls[3] = false;
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
