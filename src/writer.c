/*-------------------------------------------------------------------------
 *
 * writer.c
 *		Direct table access for the ingestion path.
 *
 * Every row the extension writes goes through here.  Instead of running a
 * SQL statement per row (SPI or PL/pgSQL: a full executor start-up each
 * time), the writer opens each relation and its indexes once per call (once
 * per batch), and for each row does what INSERT or UPDATE would have done:
 *
 *	- columns the caller did not set get their SQL DEFAULT, identity values
 *	  included (build_column_default, as COPY does), and stored generated
 *	  columns are computed from the table's own expressions;
 *	- NOT NULL and CHECK constraints are checked from the catalog
 *	  (ExecConstraints), so the SQL script stays their only definition;
 *	- heap and index entries are inserted, unique indexes checked.
 *
 * What it deliberately does not do: fire triggers (the only triggers on our
 * tables are the extension's own, whose work the C code does directly: the
 * ingest trigger is this very path, and updated_at is set in ca_update) and
 * check table privileges (the EXECUTE privilege on the logging function is
 * the permission; writers hold no table privilege at all).
 *
 * Lookups for writing use a dirty snapshot, as the logical replication
 * apply worker does: they see rows committed after our snapshot was taken
 * and our own earlier writes, and wait for an in-progress writer.  Combined
 * with the per-bot lock (ca_lock_bot), a probe of a bot's rows sees exactly
 * the rows that exist.  Rows written by the current command must not be
 * updated again by it (heap rule); callers that process several rounds in
 * one statement call CommandCounterIncrement() between rounds.
 *
 * IDENTIFICATION
 *	  src/writer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "commands/sequence.h"
#include "lib/stringinfo.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "rewrite/rewriteHandler.h"
#include "storage/bufmgr.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "storage/smgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"

#include "crash_analytics.h"

/* locktag_field4 value that keeps our bot locks apart from SQL advisory locks */
#define CA_BOT_LOCK_CLASS 0xCA01

/* a row held back by a deferred writer (see "Deferred writing" below) */
typedef struct DeferredRow
{
	CaRow	   *row;			/* in the writer's context */
	char	   *key;			/* serialized key */
	int			keylen;
	Datum	   *owned;			/* by attribute: variable-length values we allocated */
	bool		is_new;			/* insert at flush */
	bool		dirty;			/* update at flush */
	bool		touched;		/* in the touched list */
} DeferredRow;

typedef struct DeferredBucket
{
	uint64		hash;			/* hash table key */
	List	   *rows;			/* DeferredRow *, usually one */
} DeferredBucket;

struct CaWriter
{
	EState	   *estate;
	ResultRelInfo *rri[CA_NUM_TABLES];
	TupleTableSlot *vslot[CA_NUM_TABLES];	/* virtual: rows to write */
	TupleTableSlot *fslot[CA_NUM_TABLES];	/* table AM: rows fetched */
	/*
	 * Indexes are opened (and locked) when first needed: a probe opens the
	 * one it searches, a new heap tuple all of its table's.  A roll-up that
	 * is only read and updated in place (HOT) never opens the others.
	 */
	struct CaCompiledTable *comp[CA_NUM_TABLES];	/* as compiled when rri[t] was made */
	bool		all_open[CA_NUM_TABLES];	/* every index of the table is open */
	int			idxpos[CA_NUM_INDEXES]; /* a probed index's place in comp[t] */
	/* deferred mode */
	bool		deferred;
	MemoryContext cxt;			/* the writer's own, for what it holds back */
	HTAB	   *held;			/* DeferredBucket by key hash */
	List	   *held_order;		/* DeferredRow *, in creation order (flush order) */
	List	   *touched;		/* DeferredRow * changed since the last ca_writer_adopt */
	List	   *pending_signals;	/* DeferredRow * of signals emitted, still open */
	List	   *resolved;		/* DeferredRow * of signals written, freed at adopt */
	List	   *replays;		/* char *: bots with a round played before their latest */
};

/* ----------------------------------------------------------------------
 * The compiled cache.
 *
 * What the executor would compile for every statement (CHECK expressions,
 * column defaults, generation expressions, index predicates, the equality
 * procedures of the keys we probe) is compiled once per backend and lent to
 * each call's fresh ResultRelInfo.  Without it, most of a round's cost was
 * re-reading constraint and default expressions from their stored text and
 * re-planning them.  A relcache invalidation of any of our relations (DDL,
 * also VACUUM and ANALYZE) marks the tables it touches stale.  A writer
 * compiles a stale table again when it opens it, after its lock is taken
 * (the invalidations of concurrent DDL are read then), and the next writer
 * frees what was superseded; nothing a writer has opened is recompiled
 * under it, since its ResultRelInfos point into the cache.
 * ----------------------------------------------------------------------
 */
typedef struct CaCompiledIndex
{
	Oid			relid;
	IndexInfo  *info;			/* with ii_PredicateState and ii_ExpressionsState compiled */
	int			nkeys;
	RegProcedure eqproc[INDEX_MAX_KEYS];
	Oid			collation[INDEX_MAX_KEYS];
} CaCompiledIndex;

typedef struct CaCompiledTable
{
	Oid			relid;			/* InvalidOid: never compiled */
	bool		stale;			/* an invalidation touched it: recompile before use */
	bool		compiling;		/* being compiled (or an error stopped that) */
	int			natts;
	ExprState **checks;			/* ri_ConstraintExprs */
	ExprState **defaults;		/* per attribute, NULL if none */
	ExprState **generated;		/* ri_GeneratedExprs */
	int			ngenerated;
	int			nindexes;
	CaCompiledIndex *indexes;
} CaCompiledTable;

static MemoryContext compiled_cxt = NULL;
static CaCompiledTable compiled[CA_NUM_TABLES];
static bool compiled_stale = false;

/* the writer in use, if any, and the subtransaction that began it */
static CaWriter *active_writer = NULL;
static SubTransactionId active_subxid = InvalidSubTransactionId;

static void
compiled_relcache_callback(Datum arg pg_attribute_unused(), Oid relid)
{
	int			t,
				i;

	for (t = 0; t < CA_NUM_TABLES; t++)
	{
		bool		hit = !OidIsValid(relid) || compiled[t].relid == relid;

		for (i = 0; i < compiled[t].nindexes && !hit; i++)
			hit = compiled[t].indexes[i].relid == relid;
		if (hit)
		{
			compiled[t].stale = true;
			compiled_stale = true;
		}
	}
}

/* An error left a writer unfinished: it is gone with its (sub)transaction. */
static void
writer_xact_callback(XactEvent event, void *arg pg_attribute_unused())
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		active_writer = NULL;
}

static void
writer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid pg_attribute_unused(), void *arg pg_attribute_unused())
{
	if (event == SUBXACT_EVENT_ABORT_SUB && active_writer != NULL && active_subxid == mySubid)
		active_writer = NULL;
}

void
ca_writer_init(void)
{
	CacheRegisterRelcacheCallback(compiled_relcache_callback, (Datum) 0);
	RegisterXactCallback(writer_xact_callback, NULL);
	RegisterSubXactCallback(writer_subxact_callback, NULL);
}

static Expr *
plan_expr(Node *node)
{
	return expression_planner((Expr *) node);
}

/* Compile what a table needs, once; the relation is open and locked. */
static CaCompiledTable *
compile_table(CaTable t, Relation rel)
{
	CaCompiledTable *c = &compiled[t];
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext oldcxt;
	List	   *indexoids;
	ListCell   *lc;
	int			i;

	/*
	 * Invalidations are read when a lock is taken, so a writer that began
	 * with a fresh cache may learn only now, having locked this table, that
	 * an index was added (CREATE INDEX CONCURRENTLY) or dropped (REINDEX
	 * CONCURRENTLY) since: the table is compiled again from the relcache as
	 * it is now, as the executor would open it.  The superseded entry stays
	 * in compiled_cxt until the next writer resets the cache: nothing of it
	 * is in use (a writer compiles a table when it first opens it), but
	 * freeing it piecemeal is not worth the bookkeeping.
	 */
	if (c->relid == RelationGetRelid(rel) && !c->stale && !c->compiling)
		return c;

	/*
	 * The entry names its table from the start: opening the indexes below
	 * takes locks, which read invalidations, and one that concerns this
	 * table (REINDEX CONCURRENTLY marking an index dead, say) must mark the
	 * entry stale rather than go unnoticed while the entry is unnamed; the
	 * index list read below is still right for this transaction, which holds the
	 * table's lock (the index's drop waits for it), but the next one must
	 * compile again.  "compiling" stays set if an error ends the
	 * compilation halfway.
	 */
	c->relid = RelationGetRelid(rel);
	c->stale = false;
	c->compiling = true;
	oldcxt = MemoryContextSwitchTo(compiled_cxt);
	c->natts = desc->natts;
	c->checks = NULL;
	if (desc->constr && desc->constr->num_check > 0)
	{
		c->checks = palloc0(sizeof(ExprState *) * desc->constr->num_check);
		for (i = 0; i < desc->constr->num_check; i++)
			c->checks[i] = ExecInitExpr(plan_expr(stringToNode(desc->constr->check[i].ccbin)), NULL);
	}
	c->defaults = palloc0(sizeof(ExprState *) * desc->natts);
	c->generated = NULL;
	c->ngenerated = 0;
	for (i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Node	   *expr;

		if (att->attisdropped)
			continue;
		expr = build_column_default(rel, i + 1);
		if (expr == NULL)
			continue;
		if (att->attgenerated)
		{
			if (c->generated == NULL)
				c->generated = palloc0(sizeof(ExprState *) * desc->natts);
			c->generated[i] = ExecInitExpr(plan_expr(expr), NULL);
			c->ngenerated++;
		}
		else
			c->defaults[i] = ExecInitExpr(plan_expr(expr), NULL);
	}

	indexoids = RelationGetIndexList(rel);
	c->nindexes = list_length(indexoids);
	c->indexes = palloc0(sizeof(CaCompiledIndex) * Max(c->nindexes, 1));
	i = 0;
	foreach(lc, indexoids)
	{
		CaCompiledIndex *ci = &c->indexes[i++];
		Relation	index = index_open(lfirst_oid(lc), RowExclusiveLock);
		int			k;

		ci->relid = RelationGetRelid(index);
		ci->info = BuildIndexInfo(index);
		/*
		 * An operator may add indexes of their own to our tables, expression
		 * indexes included.  Compile the expressions here, as the predicate:
		 * left NIL, FormIndexDatum would compile them into the first call's
		 * executor state, which the cache outlives.
		 */
		if (ci->info->ii_Expressions != NIL)
			ci->info->ii_ExpressionsState =
				ExecInitExprList((List *) plan_expr((Node *) ci->info->ii_Expressions), NULL);
		if (ci->info->ii_Predicate != NIL)
			ci->info->ii_PredicateState =
				ExecInitQual((List *) plan_expr((Node *) ci->info->ii_Predicate), NULL);
		ci->nkeys = IndexRelationGetNumberOfKeyAttributes(index);
		for (k = 0; k < ci->nkeys; k++)
		{
			Oid			eqop = get_opfamily_member(index->rd_opfamily[k], index->rd_opcintype[k],
												   index->rd_opcintype[k], BTEqualStrategyNumber);

			ci->eqproc[k] = OidIsValid(eqop) ? get_opcode(eqop) : InvalidOid;
			ci->collation[k] = index->rd_indcollation[k];
		}
		index_close(index, NoLock);
	}
	MemoryContextSwitchTo(oldcxt);
	c->compiling = false;
	return c;
}

/*
 * Open the writer: an executor state whose range table lists every table,
 * so that constraint-violation messages can describe the failing row.
 */
static CaWriter *
writer_begin(bool deferred)
{
	CaWriter   *w = palloc0(sizeof(CaWriter));
	List	   *rtable = NIL;
	MemoryContext oldcxt;
	int			t;

	if (active_writer != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("crash_analytics is already logging in this statement"),
				 errdetail("An INSERT or COPY into crash_game_rounds, or a logging function, is still running."),
				 errhint("Log rounds in separate statements.")));
	if (compiled_cxt == NULL)
		compiled_cxt = AllocSetContextCreate(CacheMemoryContext, "crash_analytics compiled cache",
											 ALLOCSET_DEFAULT_SIZES);
	if (compiled_stale)
	{
		MemoryContextReset(compiled_cxt);
		memset(compiled, 0, sizeof(compiled));
		compiled_stale = false;
	}
	active_writer = w;
	active_subxid = GetCurrentSubTransactionId();

	w->estate = CreateExecutorState();
	oldcxt = MemoryContextSwitchTo(w->estate->es_query_cxt);
	for (t = 0; t < CA_NUM_TABLES; t++)
	{
		RangeTblEntry *rte = makeNode(RangeTblEntry);

		rte->rtekind = RTE_RELATION;
		rte->relid = ca_table((CaTable) t)->relid;
		rte->relkind = RELKIND_RELATION;
		rte->rellockmode = RowExclusiveLock;
		rtable = lappend(rtable, rte);
	}
	ExecInitRangeTable(w->estate, rtable);
	MemoryContextSwitchTo(oldcxt);
	w->deferred = deferred;
	if (deferred)
	{
		HASHCTL		ctl;

		w->cxt = AllocSetContextCreate(CurrentMemoryContext, "crash_analytics deferred rows",
									   ALLOCSET_DEFAULT_SIZES);
		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(DeferredBucket);
		ctl.hcxt = w->cxt;
		w->held = hash_create("crash_analytics deferred rows", 256, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return w;
}

CaWriter *
ca_writer_begin(void)
{
	return writer_begin(false);
}

/*
 * A writer for many rounds in one statement (a batch, a COPY): rows that
 * every round would update again (session figures, roll-ups, series state,
 * bot registrations) are held in memory and written once by
 * ca_writer_flush; signals are written once resolved.  See "Deferred
 * writing" below.
 */
CaWriter *
ca_writer_begin_deferred(void)
{
	return writer_begin(true);
}

bool
ca_writer_is_deferred(CaWriter *w)
{
	return w->deferred;
}

/*
 * A round of this bot was played before the bot's latest round (or before
 * its session's start): what the incremental roll-ups did is in the wrong
 * order.  The caller replays the bot once its writer has ended
 * (ca_writer_replays, ca_replay_bots).
 */
void
ca_writer_note_replay(CaWriter *w, Datum bot_id)
{
	char	   *name = TextDatumGetCString(bot_id);
	ListCell   *lc;
	MemoryContext old;

	foreach(lc, w->replays)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return;
	old = MemoryContextSwitchTo(w->estate->es_query_cxt);
	w->replays = lappend(w->replays, pstrdup(name));
	MemoryContextSwitchTo(old);
}

/* The bots to replay, as text *, copied into the caller's memory. */
List *
ca_writer_replays(CaWriter *w)
{
	List	   *result = NIL;
	ListCell   *lc;

	foreach(lc, w->replays)
		result = lappend(result, cstring_to_text((char *) lfirst(lc)));
	return result;
}

void
ca_writer_end(CaWriter *w)
{
	int			t,
				i;

	for (t = 0; t < CA_NUM_TABLES; t++)
	{
		if (w->rri[t] == NULL)
			continue;
		/* keep the locks until commit: releasing them costs, and gains nothing */
		for (i = 0; i < w->comp[t]->nindexes; i++)
			if (w->rri[t]->ri_IndexRelationDescs[i] != NULL)
				index_close(w->rri[t]->ri_IndexRelationDescs[i], NoLock);
		table_close(w->rri[t]->ri_RelationDesc, NoLock);
	}
	ExecResetTupleTable(w->estate->es_tupleTable, false);
	FreeExecutorState(w->estate);
	if (w->cxt != NULL)
		MemoryContextDelete(w->cxt);
	pfree(w);
	active_writer = NULL;
}

static ResultRelInfo *
writer_rel(CaWriter *w, CaTable t)
{
	if (w->rri[t] == NULL)
	{
		EState	   *estate = w->estate;
		MemoryContext oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);
		Relation	rel = table_open(ca_table(t)->relid, RowExclusiveLock);
		ResultRelInfo *rri = makeNode(ResultRelInfo);
		CaCompiledTable *c = compile_table(t, rel);
		int			i;

		InitResultRelInfo(rri, rel, t + 1, NULL, 0);
		/* lend the compiled expressions: ExecConstraints uses them as they are */
		rri->ri_ConstraintExprs = c->checks;
		rri->ri_GeneratedExprs = c->generated;
		rri->ri_NumGeneratedNeeded = c->ngenerated;
		/* the indexes are opened on demand (writer_open_index), with the compiled IndexInfos */
		rri->ri_NumIndices = 0;
		rri->ri_IndexRelationDescs = palloc0(sizeof(Relation) * Max(c->nindexes, 1));
		rri->ri_IndexRelationInfo = palloc0(sizeof(IndexInfo *) * Max(c->nindexes, 1));
		w->comp[t] = c;
		w->vslot[t] = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
		w->fslot[t] = table_slot_create(rel, &estate->es_tupleTable);
		w->rri[t] = rri;

		/*
		 * Resolve the indexes we probe now, while the names (catalog.c) and
		 * the index list agree: an invalidation read later in this call,
		 * such as REINDEX CONCURRENTLY giving a name to a new index, must
		 * not send a probe to an index not in this writer's list.  Opening
		 * an index of the list later in the call is safe: the table's lock,
		 * held since it was compiled, keeps every index of the list from
		 * being dropped (DROP and REINDEX CONCURRENTLY wait for it), and no
		 * index built since can take inserts before this transaction ends.
		 */
		for (i = 0; i < CA_NUM_INDEXES; i++)
		{
			Oid			relid;
			int			k;

			if (ca_index_table((CaIndex) i) != t)
				continue;
			relid = ca_index_relid((CaIndex) i);
			w->idxpos[i] = -1;
			if (!OidIsValid(relid))
				continue;		/* an index of a later version, absent (catalog.c) */
			for (k = 0; k < c->nindexes; k++)
				if (c->indexes[k].relid == relid)
					w->idxpos[i] = k;
			if (w->idxpos[i] < 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("an index of table \"%s.%s\" that crash_analytics needs is missing or not ready",
								CA_SCHEMA_NAME, ca_table_name(t)),
						 errhint("Reinstall the extension crash_analytics.")));
		}
		MemoryContextSwitchTo(oldcxt);
	}
	return w->rri[t];
}

/* Index k of table t's list, opened and locked if this writer had not yet. */
static Relation
writer_open_index(CaWriter *w, CaTable t, int k)
{
	ResultRelInfo *rri = w->rri[t];

	if (rri->ri_IndexRelationDescs[k] == NULL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(w->estate->es_query_cxt);
		IndexInfo  *info = makeNode(IndexInfo);

		/*
		 * A copy per writer: index AMs cache per-statement state in the
		 * IndexInfo (BRIN keeps a descriptor that points at this call's
		 * relcache entry), which must not outlive the call.
		 */
		memcpy(info, w->comp[t]->indexes[k].info, sizeof(IndexInfo));
		info->ii_AmCache = NULL;
		info->ii_Context = w->estate->es_query_cxt;
		rri->ri_IndexRelationInfo[k] = info;
		rri->ri_IndexRelationDescs[k] = index_open(w->comp[t]->indexes[k].relid, RowExclusiveLock);
		MemoryContextSwitchTo(oldcxt);
	}
	return rri->ri_IndexRelationDescs[k];
}

/* Every index of table t open, for ExecInsertIndexTuples. */
static void
writer_open_indexes(CaWriter *w, CaTable t)
{
	int			k;

	if (w->all_open[t])
		return;
	for (k = 0; k < w->comp[t]->nindexes; k++)
		(void) writer_open_index(w, t, k);
	w->rri[t]->ri_NumIndices = w->comp[t]->nindexes;
	w->all_open[t] = true;
}

/* ----------------------------------------------------------------------
 * Rows
 * ----------------------------------------------------------------------
 */
/* A row of table t, every column unset; the table's shape must be current. */
static CaRow *
row_alloc(CaTable t)
{
	const CaTableInfo *info = ca_table(t);
	CaRow	   *row = palloc(sizeof(CaRow));
	int			i;

	row->table = t;
	row->natts = info->natts;
	row->values = palloc0(sizeof(Datum) * info->natts);
	row->isnull = palloc(sizeof(bool) * info->natts);
	row->isset = palloc0(sizeof(bool) * info->natts);
	for (i = 0; i < info->natts; i++)
		row->isnull[i] = true;
	ItemPointerSetInvalid(&row->tid);
	row->xmin = InvalidTransactionId;
	return row;
}

CaRow *
ca_row_new(CaTable t)
{
	/*
	 * Lock the table before sizing the row: taking the lock reads the
	 * invalidations of DDL committed since, so a column added just before
	 * is counted (a row one attribute short would leave the slot's last
	 * value unset when written); and no ALTER TABLE can change the table
	 * until the transaction ends.  Usually the lock is already held.
	 * Rows read from a table (below) need no such lock: their caller holds
	 * one already.
	 */
	LockRelationOid(ca_table(t)->relid, AccessShareLock);
	return row_alloc(t);
}

CaRow *
ca_row_copy(const CaRow *src)
{
	CaRow	   *row = palloc(sizeof(CaRow));

	*row = *src;
	row->values = palloc(sizeof(Datum) * src->natts);
	row->isnull = palloc(sizeof(bool) * src->natts);
	row->isset = palloc(sizeof(bool) * src->natts);
	memcpy(row->values, src->values, sizeof(Datum) * src->natts);
	memcpy(row->isnull, src->isnull, sizeof(bool) * src->natts);
	memcpy(row->isset, src->isset, sizeof(bool) * src->natts);
	return row;
}

/*
 * A copy whose values are copied too, into the current memory context: for
 * rows kept beyond the memory they were read into (the bot cache).
 */
CaRow *
ca_row_copy_deep(const CaRow *src)
{
	const CaTableInfo *info = ca_table(src->table);
	CaRow	   *row = ca_row_copy(src);
	int			i;

	if (info->natts != src->natts)
		elog(ERROR, "row of \"%s\" has %d attributes, the table %d",
			 ca_table_name(src->table), src->natts, info->natts);
	for (i = 0; i < src->natts; i++)
		if (!src->isnull[i] && OidIsValid(info->atttypids[i]))
			row->values[i] = datumCopy(src->values[i], info->attbyvals[i], info->attlens[i]);
	return row;
}

static inline int
row_index(const CaRow *row, int col)
{
	const CaTableInfo *info = ca_table(row->table);

	Assert(col >= 0 && col < info->ncols);
	return info->attnums[col] - 1;
}

void
ca_row_set(CaRow *row, int col, Datum value)
{
	int			i = row_index(row, col);

	row->values[i] = value;
	row->isnull[i] = false;
	row->isset[i] = true;
}

void
ca_row_set_null(CaRow *row, int col)
{
	int			i = row_index(row, col);

	row->values[i] = (Datum) 0;
	row->isnull[i] = true;
	row->isset[i] = true;
}

void
ca_row_set_maybe(CaRow *row, int col, Datum value, bool isnull)
{
	if (isnull)
		ca_row_set_null(row, col);
	else
		ca_row_set(row, col, value);
}

Datum
ca_row_get(const CaRow *row, int col, bool *isnull)
{
	int			i = row_index(row, col);

	if (isnull)
		*isnull = row->isnull[i];
	return row->values[i];
}

bool
ca_row_isnull(const CaRow *row, int col)
{
	return row->isnull[row_index(row, col)];
}

Oid
ca_row_coltype(const CaRow *row, int col)
{
	return ca_table(row->table)->atttypids[row_index(row, col)];
}

int
ca_row_coltype_len(const CaRow *row, int col)
{
	return ca_table(row->table)->attlens[row_index(row, col)];
}

HeapTuple
ca_row_form_tuple(const CaRow *row)
{
	Relation	rel = table_open(ca_table(row->table)->relid, NoLock);
	HeapTuple	tuple = heap_form_tuple(RelationGetDescr(rel), row->values, row->isnull);

	table_close(rel, NoLock);
	return tuple;
}

/*
 * Load a row from a tuple.  Variable-length values are detoasted (and
 * short-header values expanded) once here, so that the rest of the code can
 * hand them straight to numeric and text routines.
 */
static void
row_load(CaRow *row, TupleDesc desc, Datum *values, bool *isnull)
{
	int			i;

	for (i = 0; i < row->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		row->isnull[i] = isnull[i];
		row->isset[i] = !isnull[i];
		if (isnull[i] || att->attisdropped)
			row->values[i] = (Datum) 0;
		else if (att->attlen == -1)
			row->values[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(values[i]));
		else
			row->values[i] = datumCopy(values[i], att->attbyval, att->attlen);
	}
}

CaRow *
ca_row_from_tuple(CaTable t, HeapTuple tuple)
{
	Relation	rel = table_open(ca_table(t)->relid, NoLock);
	TupleDesc	desc = RelationGetDescr(rel);
	CaRow	   *row = row_alloc(t);
	Datum	   *values = palloc(sizeof(Datum) * desc->natts);
	bool	   *isnull = palloc(sizeof(bool) * desc->natts);

	if (desc->natts != row->natts)
		elog(ERROR, "tuple descriptor of \"%s\" changed", ca_table_name(t));
	heap_deform_tuple(tuple, desc, values, isnull);
	row_load(row, desc, values, isnull);
	row->tid = tuple->t_self;
	table_close(rel, NoLock);
	return row;
}

static CaRow *
row_from_slot(CaTable t, TupleTableSlot *slot)
{
	CaRow	   *row = row_alloc(t);

	bool		isnull;

	slot_getallattrs(slot);
	row_load(row, slot->tts_tupleDescriptor, slot->tts_values, slot->tts_isnull);
	row->tid = slot->tts_tid;
	row->xmin = DatumGetTransactionId(slot_getsysattr(slot, MinTransactionIdAttributeNumber, &isnull));
	return row;
}

/* ----------------------------------------------------------------------
 * Writing
 * ----------------------------------------------------------------------
 */

/*
 * Every backend caches the bot registrations it logs for (ingest.c) and
 * drops them on a relcache invalidation of bot_vm_registration, which SQL
 * changes send from the table's statement trigger; our own changes, which
 * fire no trigger, send it here.  (A new registration needs none: misses
 * are not cached.)
 */
static inline void
registration_changed(CaTable t)
{
	if (t == CA_BOTS)
		CacheInvalidateRelcacheByRelid(ca_table(t)->relid);
}

static void tid_cache_remember(CaWriter *w, CaRow *row);

static void
row_to_slot(CaRow *row, TupleTableSlot *slot)
{
	ExecClearTuple(slot);
	memcpy(slot->tts_values, row->values, sizeof(Datum) * row->natts);
	memcpy(slot->tts_isnull, row->isnull, sizeof(bool) * row->natts);
	ExecStoreVirtualTuple(slot);
}

/*
 * Insert a row: defaults for unset columns, generated columns, constraints,
 * heap, indexes.  On return the row holds every stored value (the identity
 * id, for one) and its TID.
 */
static void
insert_now(CaWriter *w, CaRow *row)
{
	CaTable		t = row->table;
	ResultRelInfo *rri = writer_rel(w, t);
	Relation	rel = rri->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = w->vslot[t];
	ExprContext *econtext = GetPerTupleExprContext(w->estate);
	int			i;

	ResetPerTupleExprContext(w->estate);
	for (i = 0; i < row->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		ExprState  *def;

		if (row->isset[i] || att->attisdropped || att->attgenerated)
			continue;
		def = compiled[t].defaults[i];
		if (def != NULL)
		{
			Datum		d = ExecEvalExpr(def, econtext, &row->isnull[i]);

			/* copy out of the per-tuple context: the row outlives it */
			row->values[i] = row->isnull[i] ? (Datum) 0 :
				datumCopy(d, att->attbyval, att->attlen);
		}
	}

	row_to_slot(row, slot);
	if (desc->constr && desc->constr->has_generated_stored)
		ExecComputeStoredGenerated(rri, w->estate, slot, CMD_INSERT);
	if (desc->constr)
		ExecConstraints(rri, slot, w->estate);

	table_tuple_insert(rel, slot, GetCurrentCommandId(true), 0, NULL);
	writer_open_indexes(w, t);
	if (rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(rri, slot, w->estate, false, false, NULL, NIL);

	if (desc->constr && desc->constr->has_generated_stored)
	{
		slot_getallattrs(slot);
		for (i = 0; i < row->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (!att->attgenerated)
				continue;
			row->isnull[i] = slot->tts_isnull[i];
			row->values[i] = slot->tts_isnull[i] ? (Datum) 0 :
				datumCopy(slot->tts_values[i], att->attbyval, att->attlen);
		}
	}
	row->tid = slot->tts_tid;
	tid_cache_remember(w, row);
}

/*
 * Write a new version of a fetched row.  updated_at is set here, to the same
 * value the set_updated_at() trigger gives a SQL UPDATE.
 */
static void
update_now(CaWriter *w, CaRow *row)
{
	CaTable		t = row->table;
	const CaTableInfo *info = ca_table(t);
	ResultRelInfo *rri = writer_rel(w, t);
	Relation	rel = rri->ri_RelationDesc;
	TupleDesc	desc = RelationGetDescr(rel);
	TupleTableSlot *slot = w->vslot[t];
	TM_FailureData tmfd;
	LockTupleMode lockmode;
	bool		update_indexes;
	TM_Result	result;

	Assert(ItemPointerIsValid(&row->tid));
	ResetPerTupleExprContext(w->estate);
	if (info->updated_at != InvalidAttrNumber)
	{
		row->values[info->updated_at - 1] = TimestampTzGetDatum(ca_now());
		row->isnull[info->updated_at - 1] = false;
	}
	row_to_slot(row, slot);
	if (desc->constr)
		ExecConstraints(rri, slot, w->estate);

	result = table_tuple_update(rel, &row->tid, slot, GetCurrentCommandId(true),
								GetActiveSnapshot(), InvalidSnapshot, true,
								&tmfd, &lockmode, &update_indexes);
	switch (result)
	{
		case TM_Ok:
			break;
		case TM_Updated:
		case TM_Deleted:
			/* only a concurrent UPDATE/DELETE from plain SQL can get here */
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to concurrent update of \"%s\"",
							ca_table_name(t))));
			break;
		default:
			elog(ERROR, "unexpected table_tuple_update status %u for \"%s\"",
				 result, ca_table_name(t));
	}
	if (update_indexes)
		writer_open_indexes(w, t);
	if (update_indexes && rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(rri, slot, w->estate, true, false, NULL, NIL);
	row->tid = slot->tts_tid;
	tid_cache_remember(w, row);
	registration_changed(t);
}

/* ----------------------------------------------------------------------
 * Lookups
 * ----------------------------------------------------------------------
 */

/* Equality scan keys for the first nkeys columns of one of our btree indexes. */
static void
build_scan_keys(Relation index, const Datum *keys, int nkeys, ScanKey skeys)
{
	CaCompiledIndex *ci = NULL;
	int			t,
				i;

	for (t = 0; t < CA_NUM_TABLES && ci == NULL; t++)
		for (i = 0; i < compiled[t].nindexes; i++)
			if (compiled[t].indexes[i].relid == RelationGetRelid(index))
				ci = &compiled[t].indexes[i];
	if (nkeys > IndexRelationGetNumberOfKeyAttributes(index))
		elog(ERROR, "index \"%s\" has fewer than %d key columns",
			 RelationGetRelationName(index), nkeys);
	for (i = 0; i < nkeys; i++)
	{
		RegProcedure proc;
		Oid			collation;

		if (ci != NULL)
		{
			proc = ci->eqproc[i];
			collation = ci->collation[i];
		}
		else
		{
			/* a read-only scan of an index no writer compiled yet */
			Oid			eqop = get_opfamily_member(index->rd_opfamily[i], index->rd_opcintype[i],
												   index->rd_opcintype[i], BTEqualStrategyNumber);

			proc = OidIsValid(eqop) ? get_opcode(eqop) : InvalidOid;
			collation = index->rd_indcollation[i];
		}
		if (!RegProcedureIsValid(proc))
			elog(ERROR, "missing equality operator in index \"%s\"", RelationGetRelationName(index));
		ScanKeyEntryInitialize(&skeys[i], 0, (AttrNumber) (i + 1), BTEqualStrategyNumber,
							   InvalidOid, collation, proc, keys[i]);
	}
}

/*
 * Rows of the index's table whose leading nkeys index columns equal keys.
 * With snapshot NULL, a dirty snapshot is used and in-progress writers are
 * waited for, as in RelationFindReplTupleByIndex().
 */
static List *
index_lookup(Relation heap, Relation index, TupleTableSlot *slot, CaTable t,
			 const Datum *keys, int nkeys, int limit, bool backward,
			 Snapshot snapshot)
{
	ScanKeyData skeys[INDEX_MAX_KEYS];
	SnapshotData dirty;
	IndexScanDesc scan;
	List	   *rows;

	build_scan_keys(index, keys, nkeys, skeys);
	if (snapshot == NULL)
	{
		InitDirtySnapshot(dirty);
		snapshot = &dirty;
	}
	scan = index_beginscan(heap, index, snapshot, nkeys, 0);
retry:
	rows = NIL;
	index_rescan(scan, skeys, nkeys, NULL, 0);
	while (index_getnext_slot(scan, backward ? BackwardScanDirection : ForwardScanDirection, slot))
	{
		if (snapshot == &dirty)
		{
			TransactionId xwait = TransactionIdIsValid(dirty.xmin) ? dirty.xmin : dirty.xmax;

			if (TransactionIdIsValid(xwait))
			{
				XactLockTableWait(xwait, NULL, NULL, XLTW_None);
				list_free(rows);
				goto retry;
			}
		}
		rows = lappend(rows, row_from_slot(t, slot));
		if (limit > 0 && list_length(rows) >= limit)
			break;
	}
	index_endscan(scan);
	return rows;
}

static Relation
writer_index(CaWriter *w, CaIndex idx)
{
	CaTable		t = ca_index_table(idx);

	(void) writer_rel(w, t);
	return writer_open_index(w, t, w->idxpos[idx]);
}

/* ----------------------------------------------------------------------
 * Where the rows every round reads and updates are.
 *
 * Each round of a bot reads, then updates, the same few rows: its session,
 * its roll-up, its hourly roll-up and its series state (and its
 * registration).  Searching their unique index for each costs more than
 * the update itself, so each backend remembers, by key, the TID of the
 * version it last read or wrote, and reads that version directly.  The TID
 * is only a hint, checked every time:
 *	- the block must still exist (a VACUUM may have truncated the table) and
 *	  belong to the same relation file (VACUUM FULL, CLUSTER and TRUNCATE
 *	  make a new one);
 *	- the tuple must be visible to a dirty snapshot, with no other
 *	  transaction inserting or deleting it: a version someone else updated
 *	  or deleted since, one that rolled back, a line pointer pruned or
 *	  reused, all fail here;
 *	- and it must carry the key.  Among the rows that pass, the unique key
 *	  admits exactly one: the row an index search would find.
 * Anything else falls back to the index search, which also waits for an
 * in-progress writer as before.  Pages are pruned as an index fetch would
 * prune them, so updates stay HOT.  Only an immediate writer uses this; a
 * deferred one holds these rows for its whole statement.
 * ----------------------------------------------------------------------
 */
#define TID_CACHE_MAX 4096		/* keys remembered; hourly keys come and go */

typedef struct TidCacheEntry
{
	uint64		hash;			/* of the serialized key: the hash table's key */
	char	   *key;			/* serialized key (serialize_key), in tid_cache_cxt */
	int			keylen;
	Oid			relfilenode;
	ItemPointerData tid;
} TidCacheEntry;

static HTAB *tid_cache = NULL;
static MemoryContext tid_cache_cxt = NULL;

static const int *held_key(CaTable t, int *nkeys);
static bool held_index(CaIndex idx);
static char *serialize_key(CaTable t, const int *cols, int ncols, const Datum *keys, int *len);
static char *row_key(CaRow *row, int *len);

static TidCacheEntry *
tid_cache_find(const char *key, int keylen, bool create)
{
	uint64		h = hash_bytes_extended((const unsigned char *) key, keylen, 0);
	TidCacheEntry *e;
	bool		found;

	if (tid_cache == NULL || (create && hash_get_num_entries(tid_cache) >= TID_CACHE_MAX))
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		if (tid_cache_cxt == NULL)
			tid_cache_cxt = AllocSetContextCreate(TopMemoryContext, "crash_analytics row locations",
												  ALLOCSET_DEFAULT_SIZES);
		MemoryContextReset(tid_cache_cxt);
		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(TidCacheEntry);
		ctl.hcxt = tid_cache_cxt;
		tid_cache = hash_create("crash_analytics row locations", 256, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = hash_search(tid_cache, &h, create ? HASH_ENTER : HASH_FIND, &found);
	if (e == NULL)
		return NULL;
	if (found && e->keylen == keylen && memcmp(e->key, key, keylen) == 0)
		return e;
	if (!create)
		return NULL;			/* another key with the same hash */
	if (found)
		pfree(e->key);
	e->key = MemoryContextAlloc(tid_cache_cxt, keylen);
	memcpy(e->key, key, keylen);
	e->keylen = keylen;
	ItemPointerSetInvalid(&e->tid);
	return e;
}

/* The row was read or written at row->tid: remember it. */
static void
tid_cache_remember(CaWriter *w, CaRow *row)
{
	int			nkeys,
				keylen;
	char	   *key;
	TidCacheEntry *e;

	if (w->deferred || held_key(row->table, &nkeys) == NULL || !ItemPointerIsValid(&row->tid))
		return;
	key = row_key(row, &keylen);
	e = tid_cache_find(key, keylen, true);
	e->relfilenode = w->rri[row->table]->ri_RelationDesc->rd_node.relNode;
	e->tid = row->tid;
	pfree(key);
}

/*
 * Whether block blkno of the table exists, without asking the kernel when we
 * can tell.  RelationGetNumberOfBlocks is a system call (lseek) each time,
 * five a logged round.  The size this backend last saw is kept in the
 * relation's SMgrRelation (smgrnblocks sets it, our own smgrextend advances
 * it); a table shrinks only by truncation, which first sends an invalidation
 * that closes every backend's SMgrRelation of it (a new one starts with the
 * size unknown), and which needs a lock that conflicts with the one the
 * writer holds.  We read invalidations when we lock the table, so a size seen
 * in this backend is never more than the file has, and a block below it is
 * there for as long as we hold the lock.
 */
static bool
block_exists(Relation rel, BlockNumber blkno)
{
	BlockNumber seen = RelationGetSmgr(rel)->smgr_cached_nblocks[MAIN_FORKNUM];

	if (seen != InvalidBlockNumber && blkno < seen)
		return true;
	return blkno < RelationGetNumberOfBlocks(rel);
}

/* The row with this serialized key at its remembered TID, or NULL. */
static CaRow *
tid_cache_fetch(CaWriter *w, CaTable t, const char *key, int keylen)
{
	TidCacheEntry *e = tid_cache_find(key, keylen, false);
	Relation	rel;
	TupleTableSlot *slot;
	SnapshotData dirty;
	HeapTupleData tuple;
	Buffer		buf = InvalidBuffer;
	CaRow	   *row;
	char	   *rkey;
	int			rlen;
	bool		same;

	if (e == NULL || !ItemPointerIsValid(&e->tid))
		return NULL;
	rel = writer_rel(w, t)->ri_RelationDesc;
	if (e->relfilenode != rel->rd_node.relNode ||
		!block_exists(rel, ItemPointerGetBlockNumber(&e->tid)))
		return NULL;
	slot = w->fslot[t];
	tuple.t_self = e->tid;
	InitDirtySnapshot(dirty);
	if (!heap_fetch(rel, &dirty, &tuple, &buf, true) ||
		TransactionIdIsValid(dirty.xmin) || TransactionIdIsValid(dirty.xmax))
		row = NULL;				/* gone, or being written: the index search waits */
	else
	{
		ExecStoreBufferHeapTuple(&tuple, slot, buf);
		row = row_from_slot(t, slot);
		ExecClearTuple(slot);
	}
	/* prune as index fetches do, now that nothing points into the page */
	if (BufferIsValid(buf))
	{
		heap_page_prune_opt(rel, buf);
		ReleaseBuffer(buf);
	}
	if (row == NULL)
		return NULL;
	rkey = row_key(row, &rlen);
	same = rlen == keylen && memcmp(rkey, key, keylen) == 0;
	pfree(rkey);
	return same ? row : NULL;
}

/* The row with this key in a unique index, or NULL. */
static CaRow *
fetch_now(CaWriter *w, CaIndex idx, const Datum *keys)
{
	CaTable		t = ca_index_table(idx);
	Relation	index;
	List	   *rows;
	CaRow	   *row;
	char	   *key = NULL;
	int			keylen = 0;

	if (!w->deferred && held_index(idx))
	{
		int			nkeys;
		const int  *cols = held_key(t, &nkeys);

		key = serialize_key(t, cols, nkeys, keys, &keylen);
		row = tid_cache_fetch(w, t, key, keylen);
		if (row != NULL)
		{
			pfree(key);
			return row;
		}
	}
	index = writer_index(w, idx);
	rows = index_lookup(w->rri[t]->ri_RelationDesc, index, w->fslot[t], t, keys,
						IndexRelationGetNumberOfKeyAttributes(index), 1, false, NULL);
	row = rows == NIL ? NULL : (CaRow *) linitial(rows);
	if (row != NULL && key != NULL)
		tid_cache_remember(w, row);
	if (key != NULL)
		pfree(key);
	return row;
}

/* Up to limit (0: all) rows matching the leading nkeys columns, in index order. */
static List *
fetch_all_now(CaWriter *w, CaIndex idx, const Datum *keys, int nkeys, int limit,
			  bool backward)
{
	CaTable		t = ca_index_table(idx);
	Relation	index = writer_index(w, idx);

	return index_lookup(w->rri[t]->ri_RelationDesc, index, w->fslot[t], t, keys,
						nkeys, limit, backward, NULL);
}


/* ----------------------------------------------------------------------
 * Deferred writing.
 *
 * In a deferred writer, the rows of the tables below are held in memory,
 * keyed by their unique key, from the first time a round fetches or
 * inserts them until ca_writer_flush writes each once (insert or update).
 * Without this, a batch of N rounds would update a bot's roll-up N times:
 * N heap versions, N index probes, and, inside one transaction, a combo
 * command id per update kept until commit (memory growing with the batch).
 * Signals emitted in the batch are inserted once resolved (or at flush if
 * still open), so they too are written once.  Held rows are visible only
 * through this writer: callers hold the lock of every bot involved, so no
 * other writer could read them anyway.
 *
 * Rows hold values allocated in per-round memory; ca_writer_adopt copies
 * them into the writer's context at the end of each round.
 * ----------------------------------------------------------------------
 */
static const int held_key_sessions[] = {SE_BOT_ID, SE_SESSION_ID};
static const int held_key_bot_rollups[] = {BR_BOT_ID};
static const int held_key_hourly[] = {HR_BOT_ID, HR_GAME, HR_PLATFORM, HR_STRATEGY, HR_HOUR};
static const int held_key_daily[] = {DY_BOT_ID, DY_GAME, DY_PLATFORM, DY_STRATEGY, DY_DAY};
static const int held_key_series[] = {SS_BOT_ID, SS_GAME, SS_PLATFORM};
static const int held_key_bots[] = {BT_BOT_ID};

/* the key columns of a held table, or NULL if the table is not held */
static const int *
held_key(CaTable t, int *nkeys)
{
	switch (t)
	{
		case CA_SESSIONS:
			*nkeys = lengthof(held_key_sessions);
			return held_key_sessions;
		case CA_BOT_ROLLUPS:
			*nkeys = lengthof(held_key_bot_rollups);
			return held_key_bot_rollups;
		case CA_HOURLY_ROLLUPS:
			*nkeys = lengthof(held_key_hourly);
			return held_key_hourly;
		case CA_DAILY_ROLLUPS:
			*nkeys = lengthof(held_key_daily);
			return held_key_daily;
		case CA_SERIES_STATE:
			*nkeys = lengthof(held_key_series);
			return held_key_series;
		case CA_BOTS:
			*nkeys = lengthof(held_key_bots);
			return held_key_bots;
		default:
			*nkeys = 0;
			return NULL;
	}
}

static bool
held_index(CaIndex idx)
{
	return idx == CA_IDX_SESSION_KEY || idx == CA_IDX_BOT_ROLLUP_KEY ||
		idx == CA_IDX_HOURLY_KEY || idx == CA_IDX_DAILY_KEY || idx == CA_IDX_SERIES_KEY ||
		idx == CA_IDX_BOT_KEY;
}

/* table, then each key value's bytes with its length */
static char *
serialize_key(CaTable t, const int *cols, int ncols, const Datum *keys, int *len)
{
	CaRow		probe = {.table = t};	/* only for the columns' types */
	int			size = 1,
				i;
	char	   *buf,
			   *p;

	for (i = 0; i < ncols; i++)
		size += ca_row_coltype_len(&probe, cols[i]) == -1 ?
			sizeof(int32) + VARSIZE_ANY_EXHDR(DatumGetPointer(keys[i])) : sizeof(int64);
	buf = p = palloc(size);
	*p++ = (char) t;
	for (i = 0; i < ncols; i++)
	{
		if (ca_row_coltype_len(&probe, cols[i]) == -1)
		{
			int32		n = VARSIZE_ANY_EXHDR(DatumGetPointer(keys[i]));

			memcpy(p, &n, sizeof(n));
			memcpy(p + sizeof(n), VARDATA_ANY(DatumGetPointer(keys[i])), n);
			p += sizeof(n) + n;
		}
		else
		{
			int64		v = DatumGetInt64(keys[i]);	/* by-value keys: timestamptz */

			memcpy(p, &v, sizeof(v));
			p += sizeof(v);
		}
	}
	Assert(p - buf == size);
	*len = size;
	return buf;
}

static char *
row_key(CaRow *row, int *len)
{
	int			ncols,
				i;
	const int  *cols = held_key(row->table, &ncols);
	Datum		keys[INDEX_MAX_KEYS];

	for (i = 0; i < ncols; i++)
		keys[i] = ca_row_get(row, cols[i], NULL);
	return serialize_key(row->table, cols, ncols, keys, len);
}

static DeferredRow *
held_lookup(CaWriter *w, const char *key, int keylen)
{
	uint64		h = hash_bytes_extended((const unsigned char *) key, keylen, 0);
	DeferredBucket *b = hash_search(w->held, &h, HASH_FIND, NULL);
	ListCell   *lc;

	if (b == NULL)
		return NULL;
	foreach(lc, b->rows)
	{
		DeferredRow *d = lfirst(lc);

		if (d->keylen == keylen && memcmp(d->key, key, keylen) == 0)
			return d;
	}
	return NULL;
}

static void
touch(CaWriter *w, DeferredRow *d)
{
	if (!d->touched)
	{
		MemoryContext old = MemoryContextSwitchTo(w->cxt);

		w->touched = lappend(w->touched, d);
		d->touched = true;
		MemoryContextSwitchTo(old);
	}
}

/* Take a row into the writer's keeping: a copy of its arrays in w->cxt. */
static DeferredRow *
hold(CaWriter *w, CaRow *row, const char *key, int keylen, bool add_to_table)
{
	MemoryContext old = MemoryContextSwitchTo(w->cxt);
	DeferredRow *d = palloc0(sizeof(DeferredRow));

	d->row = ca_row_copy(row);
	d->owned = palloc0(sizeof(Datum) * row->natts);
	if (add_to_table)
	{
		uint64		h = hash_bytes_extended((const unsigned char *) key, keylen, 0);
		bool		found;
		DeferredBucket *b = hash_search(w->held, &h, HASH_ENTER, &found);

		if (!found)
			b->rows = NIL;
		d->key = palloc(keylen);
		memcpy(d->key, key, keylen);
		d->keylen = keylen;
		b->rows = lappend(b->rows, d);
		w->held_order = lappend(w->held_order, d);
	}
	MemoryContextSwitchTo(old);
	touch(w, d);
	return d;
}

static DeferredRow *
held_by_row(CaWriter *w, CaRow *row)
{
	int			keylen;
	char	   *key = row_key(row, &keylen);

	return held_lookup(w, key, keylen);
}

/*
 * Copy the variable-length values of the rows touched since the last call
 * into the writer's context, freeing the values they replace: call before
 * the memory of a round is reset.
 */
void
ca_writer_adopt(CaWriter *w)
{
	MemoryContext old;
	ListCell   *lc;

	if (!w->deferred || (w->touched == NIL && w->resolved == NIL))
		return;
	old = MemoryContextSwitchTo(w->cxt);
	foreach(lc, w->touched)
	{
		DeferredRow *d = lfirst(lc);
		CaRow	   *row = d->row;
		const int16 *lens = ca_table(row->table)->attlens;
		int			i;

		for (i = 0; i < row->natts; i++)
		{
			if (lens[i] != -1)
				continue;
			if (!row->isnull[i] && row->values[i] != d->owned[i])
			{
				Datum		copy = datumCopy(row->values[i], false, -1);

				if (d->owned[i] != (Datum) 0)
					pfree(DatumGetPointer(d->owned[i]));
				row->values[i] = d->owned[i] = copy;
			}
			else if (row->isnull[i] && d->owned[i] != (Datum) 0)
			{
				pfree(DatumGetPointer(d->owned[i]));
				d->owned[i] = (Datum) 0;
			}
		}
		d->touched = false;
	}
	list_free(w->touched);
	w->touched = NIL;

	/*
	 * Signals resolved during the round were written then; the round is over,
	 * so nothing points at them any more.  Freeing them keeps the writer's
	 * memory bounded by what it still holds (sessions, roll-ups, open
	 * signals), not by the number of rounds in the batch.
	 */
	foreach(lc, w->resolved)
	{
		DeferredRow *d = lfirst(lc);
		CaRow	   *row = d->row;
		int			i;

		for (i = 0; i < row->natts; i++)
			if (d->owned[i] != (Datum) 0)
				pfree(DatumGetPointer(d->owned[i]));
		pfree(d->owned);
		pfree(row->values);
		pfree(row->isnull);
		pfree(row->isset);
		pfree(row);
		pfree(d);
	}
	list_free(w->resolved);
	w->resolved = NIL;
	MemoryContextSwitchTo(old);
}

/* Write what a deferred writer holds: each row once. */
void
ca_writer_flush(CaWriter *w)
{
	ListCell   *lc;

	if (!w->deferred)
		return;
	ca_writer_adopt(w);
	foreach(lc, w->held_order)
	{
		DeferredRow *d = lfirst(lc);

		if (d->is_new)
			insert_now(w, d->row);
		else if (d->dirty)
			update_now(w, d->row);
		d->is_new = d->dirty = false;
	}
	foreach(lc, w->pending_signals)
		insert_now(w, ((DeferredRow *) lfirst(lc))->row);
	list_free(w->pending_signals);
	w->pending_signals = NIL;
}

static bool
signal_is_open(CaRow *row)
{
	return strcmp(TextDatumGetCString(ca_row_get(row, SG_STATUS, NULL)), "open") == 0;
}

void
ca_insert(CaWriter *w, CaRow *row)
{
	int			nkeys,
				keylen;
	char	   *key;

	if (!w->deferred)
	{
		insert_now(w, row);
		return;
	}
	if (row->table == CA_SIGNALS && signal_is_open(row))
	{
		MemoryContext old = MemoryContextSwitchTo(w->cxt);
		DeferredRow *d = hold(w, row, NULL, 0, false);

		w->pending_signals = lappend(w->pending_signals, d);
		MemoryContextSwitchTo(old);
		return;
	}
	if (held_key(row->table, &nkeys) == NULL)
	{
		insert_now(w, row);
		return;
	}
	key = row_key(row, &keylen);
	if (held_lookup(w, key, keylen) != NULL)
		elog(ERROR, "deferred row of \"%s\" inserted twice", ca_table_name(row->table));
	if (row->table == CA_BOTS)
	{
		/* registrations are read, not updated, by rounds: write at once */
		insert_now(w, row);
		(void) hold(w, row, key, keylen, true);
		return;
	}
	hold(w, row, key, keylen, true)->is_new = true;
}

void
ca_update(CaWriter *w, CaRow *row)
{
	int			nkeys;
	DeferredRow *d;

	if (!w->deferred)
	{
		update_now(w, row);
		return;
	}
	if (row->table == CA_SIGNALS)
	{
		ListCell   *lc;

		foreach(lc, w->pending_signals)
		{
			d = lfirst(lc);
			if (d->row == row)
			{
				if (!signal_is_open(row))
				{
					/* resolved: final, so written now, once */
					MemoryContext old;

					insert_now(w, row);
					w->pending_signals = foreach_delete_current(w->pending_signals, lc);
					old = MemoryContextSwitchTo(w->cxt);
					w->resolved = lappend(w->resolved, d);
					MemoryContextSwitchTo(old);
				}
				else
					touch(w, d);
				return;
			}
		}
		update_now(w, row);
		return;
	}
	if (held_key(row->table, &nkeys) == NULL)
	{
		update_now(w, row);
		return;
	}
	d = held_by_row(w, row);
	if (d == NULL)
		elog(ERROR, "deferred update of a row of \"%s\" that was not fetched", ca_table_name(row->table));
	if (d->row != row)
	{
		memcpy(d->row->values, row->values, sizeof(Datum) * row->natts);
		memcpy(d->row->isnull, row->isnull, sizeof(bool) * row->natts);
	}
	d->dirty = true;
	touch(w, d);
}

CaRow *
ca_fetch(CaWriter *w, CaIndex idx, const Datum *keys)
{
	CaTable		t = ca_index_table(idx);
	int			nkeys,
				keylen;
	const int  *cols;
	char	   *key;
	DeferredRow *d;
	CaRow	   *row;

	if (!w->deferred || !held_index(idx))
		return fetch_now(w, idx, keys);
	cols = held_key(t, &nkeys);
	key = serialize_key(t, cols, nkeys, keys, &keylen);
	d = held_lookup(w, key, keylen);
	if (d != NULL)
	{
		touch(w, d);
		return d->row;
	}
	row = fetch_now(w, idx, keys);
	if (row == NULL)
		return NULL;
	return hold(w, row, key, keylen, true)->row;
}

List *
ca_fetch_all(CaWriter *w, CaIndex idx, const Datum *keys, int nkeys, int limit,
			 bool backward)
{
	List	   *rows = fetch_all_now(w, idx, keys, nkeys, limit, backward);
	ListCell   *lc;

	/* open signals still held by this writer belong to the answer too */
	if (w->deferred && idx == CA_IDX_SIGNALS_OPEN)
	{
		static const int cols[] = {SG_BOT_ID, SG_GAME, SG_PLATFORM};
		int			keylen;
		char	   *key = serialize_key(CA_SIGNALS, cols, nkeys, keys, &keylen);

		foreach(lc, w->pending_signals)
		{
			DeferredRow *d = lfirst(lc);
			Datum		rk[3];
			int			rlen,
						i;
			char	   *rkey;

			for (i = 0; i < nkeys; i++)
				rk[i] = ca_row_get(d->row, cols[i], NULL);
			rkey = serialize_key(CA_SIGNALS, cols, nkeys, rk, &rlen);
			if (rlen == keylen && memcmp(rkey, key, keylen) == 0)
			{
				rows = lappend(rows, d->row);
				touch(w, d);
			}
		}
	}
	return rows;
}

/*
 * Read one row by a unique key under an MVCC snapshot, for the read-only
 * statistics functions.
 */
CaRow *
ca_read(CaIndex idx, const Datum *keys, Snapshot snapshot)
{
	CaTable		t = ca_index_table(idx);
	Relation	heap = table_open(ca_table(t)->relid, AccessShareLock);
	Relation	index = index_open(ca_index_relid(idx), AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	List	   *rows;

	rows = index_lookup(heap, index, slot, t, keys,
						IndexRelationGetNumberOfKeyAttributes(index), 1, false, snapshot);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
	return rows == NIL ? NULL : (CaRow *) linitial(rows);
}

/* Delete a fetched row (maintenance only: purge and rebuild). */
void
ca_delete(CaWriter *w, CaRow *row)
{
	ResultRelInfo *rri = writer_rel(w, row->table);
	TM_FailureData tmfd;
	TM_Result	result;

	result = table_tuple_delete(rri->ri_RelationDesc, &row->tid, GetCurrentCommandId(true),
								GetActiveSnapshot(), InvalidSnapshot, true, &tmfd, false);
	if (result == TM_Updated || result == TM_Deleted)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("could not serialize access due to concurrent update of \"%s\"",
						ca_table_name(row->table))));
	if (result != TM_Ok)
		elog(ERROR, "unexpected table_tuple_delete status %u for \"%s\"",
			 result, ca_table_name(row->table));
	registration_changed(row->table);
}

/* ----------------------------------------------------------------------
 * Streaming scans: one row at a time, in index order, under an MVCC
 * snapshot, for work that reads a bot's whole history.
 * ----------------------------------------------------------------------
 */
struct CaScan
{
	CaTable		table;
	Relation	heap;
	Relation	index;
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Snapshot	snapshot;
	MemoryContext cxt;			/* where the scan lives: the caller's at begin */
	ScanKeyData skeys[INDEX_MAX_KEYS];
};

CaScan *
ca_scan_begin(CaIndex idx, const Datum *keys, int nkeys, Snapshot snapshot)
{
	CaScan	   *s = palloc0(sizeof(CaScan));

	s->cxt = CurrentMemoryContext;
	s->table = ca_index_table(idx);
	s->heap = table_open(ca_table(s->table)->relid, AccessShareLock);
	s->index = index_open(ca_index_relid(idx), AccessShareLock);
	s->slot = table_slot_create(s->heap, NULL);
	s->snapshot = RegisterSnapshot(snapshot);
	build_scan_keys(s->index, keys, nkeys, s->skeys);
	s->scan = index_beginscan(s->heap, s->index, s->snapshot, nkeys, 0);
	index_rescan(s->scan, s->skeys, nkeys, NULL, 0);
	return s;
}

/* The next row, allocated in the caller's memory context; NULL at the end. */
CaRow *
ca_scan_next(CaScan *s)
{
	MemoryContext caller = CurrentMemoryContext;
	bool		found;

	/*
	 * Advance in the scan's own memory: the index AM allocates scan state
	 * lazily (btree's list of killed items, when it meets dead entries), and
	 * that state must not live in the caller's per-row context, which the
	 * caller resets between rows.
	 */
	MemoryContextSwitchTo(s->cxt);
	found = index_getnext_slot(s->scan, ForwardScanDirection, s->slot);
	MemoryContextSwitchTo(caller);
	if (!found)
		return NULL;
	return row_from_slot(s->table, s->slot);
}

void
ca_scan_end(CaScan *s)
{
	index_endscan(s->scan);
	ExecDropSingleTupleTableSlot(s->slot);
	UnregisterSnapshot(s->snapshot);
	index_close(s->index, AccessShareLock);
	table_close(s->heap, AccessShareLock);
	pfree(s);
}

static LOCKTAG
bot_lock_tag(const char *data, int len)
{
	LOCKTAG		tag;
	uint64		h = hash_bytes_extended((const unsigned char *) data, len, 0x43524153);

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h, CA_BOT_LOCK_CLASS);
	return tag;
}

/*
 * Bot locks and gates.
 *
 * Every writer of a bot holds the bot's lock, L(b), until it commits.  Each
 * bot also has a gate, G(b): a multi-bot batch closes the gates of its bots
 * (ExclusiveLock) while it gathers their locks, and a transaction that holds
 * no bot lock yet passes a bot's gate (ShareLock, taken and given back at
 * once) before it queues for L(b).  Without the gates a batch, which must not
 * wait for one lock while holding another, needed a moment when all its bots
 * were free at once; a fleet of single-round callers keeping every bot busy
 * starved it (2 to 10 batches in the 20 s of test/reliability/load.sh).  With
 * them, no new caller joins the bots' queues while the batch gathers: the
 * queues drain and the batch gets its locks.
 *
 * Why this cannot deadlock a batch.  The waits are:
 *   - on a gate: only by a transaction that holds no bot lock (a first call,
 *     or a batch in its first step, holding gates of bots sorted before the
 *     one it waits for: every batch closes its gates in the same order);
 *   - on a bot lock: by a batch holding no bot lock it took here (it gives
 *     them back before it waits, as it always did) and only gates; or by a
 *     transaction holding bot locks (a multi-bot INSERT/COPY, a transaction
 *     of several calls, a batch in one), which never waits on a gate.
 * In a cycle of waits every member holds what the previous one waits for.
 * A transaction holding bot locks never waits on a gate, and gate holders
 * hold no bot lock taken here, so a cycle through a bot-lock wait has only
 * bot-lock waiters that hold bot locks: INSERTs and multi-statement
 * transactions, never a batch.  A cycle of gate waits would need the gates
 * to be closed in two orders.  So a batch is never part of a deadlock,
 * whatever order other transactions meet the same bots in; what remains is
 * what PostgreSQL does for any two statements that lock rows in opposite
 * orders: two multi-bot INSERTs meeting bots in opposite orders can deadlock
 * (40P01, one of them rolled back), which rows sorted by bot_id avoid
 * (locks are keyed by a 64-bit hash of bot_id, so barring two bots of one
 * hash, bot_id order is lock order).
 *
 * The price on the hot path is one ShareLock taken and given back per
 * transaction (2,200 instructions, +0.36% of a single round, callgrind).
 *
 * "Holds no bot lock" is known from bot_locks_lxid, the transaction that last
 * took one.  It can only err by saying a transaction holds locks when a
 * rolled-back subtransaction released them, which just skips a gate.
 */
#define CA_BOT_GATE_CLASS 0xCA02

static LocalTransactionId bot_locks_lxid = InvalidLocalTransactionId;

static bool
holds_bot_locks(void)
{
	return bot_locks_lxid != InvalidLocalTransactionId && bot_locks_lxid == MyProc->lxid;
}

static LOCKTAG
gate_of(const LOCKTAG *bot_lock)
{
	LOCKTAG		gate = *bot_lock;

	gate.locktag_field4 = CA_BOT_GATE_CLASS;
	return gate;
}

/* the one order in which every batch closes gates: by hash, then database */
static int
compare_locktags(const void *a, const void *b)
{
	const LOCKTAG *x = (const LOCKTAG *) a;
	const LOCKTAG *y = (const LOCKTAG *) b;

	if (x->locktag_field2 != y->locktag_field2)
		return x->locktag_field2 < y->locktag_field2 ? -1 : 1;
	if (x->locktag_field3 != y->locktag_field3)
		return x->locktag_field3 < y->locktag_field3 ? -1 : 1;
	if (x->locktag_field1 != y->locktag_field1)
		return x->locktag_field1 < y->locktag_field1 ? -1 : 1;
	return 0;
}

/* one bot's lock: through its gate when the transaction holds no bot lock yet */
static void
lock_one(const LOCKTAG *tag)
{
	if (!holds_bot_locks())
	{
		LOCKTAG		gate = gate_of(tag);

		(void) LockAcquire(&gate, ShareLock, false, false);
		LockRelease(&gate, ShareLock, false);
	}
	(void) LockAcquire(tag, ExclusiveLock, false, false);
	bot_locks_lxid = MyProc->lxid;
}

/*
 * Take the locks of several bots without ever waiting for one while holding
 * another taken here: try them all; when one is busy, give back those just
 * taken, wait for the busy one alone, and try again keeping it.  A batch
 * then cannot close a cycle of waits, whatever order other transactions
 * meet the same bots in.  (Locks the transaction held before are kept.)
 * A transaction that holds no bot lock yet first closes the bots' gates, in
 * the canonical order, and opens them once it has all the locks (see "Bot
 * locks and gates" above); one that does (a batch after other calls in the
 * same transaction) goes without, as it cannot wait on a gate.
 */
void
ca_lock_bots(char **bot_ids, int n)
{
	LOCKTAG    *tags = palloc(sizeof(LOCKTAG) * Max(n, 1));
	LOCKTAG    *gates = NULL;
	bool	   *held = palloc0(sizeof(bool) * Max(n, 1));
	int			i,
				busy,
				ngates = 0;

	for (i = 0; i < n; i++)
		tags[i] = bot_lock_tag(bot_ids[i], strlen(bot_ids[i]));
	if (n == 1)
	{
		lock_one(&tags[0]);
		pfree(tags);
		pfree(held);
		return;
	}
	if (n > 1 && !holds_bot_locks())
	{
		gates = palloc(sizeof(LOCKTAG) * n);
		for (i = 0; i < n; i++)
			gates[i] = gate_of(&tags[i]);
		qsort(gates, n, sizeof(LOCKTAG), compare_locktags);
		for (i = 0; i < n; i++)
			if (ngates == 0 || compare_locktags(&gates[i], &gates[ngates - 1]) != 0)
				gates[ngates++] = gates[i];
		for (i = 0; i < ngates; i++)
			(void) LockAcquire(&gates[i], ExclusiveLock, false, false);
	}
	for (;;)
	{
		busy = -1;
		for (i = 0; i < n && busy < 0; i++)
		{
			if (held[i])
				continue;
			if (LockAcquire(&tags[i], ExclusiveLock, false, true) == LOCKACQUIRE_NOT_AVAIL)
				busy = i;
			else
				held[i] = true;
		}
		if (busy < 0)
			break;
		for (i = 0; i < n; i++)
			if (held[i])
			{
				LockRelease(&tags[i], ExclusiveLock, false);
				held[i] = false;
			}
		CHECK_FOR_INTERRUPTS();
		(void) LockAcquire(&tags[busy], ExclusiveLock, false, false);
		held[busy] = true;
	}
	if (n > 0)
		bot_locks_lxid = MyProc->lxid;
	for (i = 0; i < ngates; i++)
		LockRelease(&gates[i], ExclusiveLock, false);
	if (gates)
		pfree(gates);
	pfree(tags);
	pfree(held);
}

/*
 * Take the bot's lock for the rest of the transaction.  A lock per bot, not
 * per table, is what lets bots run in parallel while two writers of the same
 * bot (a retry racing its original, a batch and a single call) are ordered.
 * The first bot lock of a transaction passes the bot's gate; later ones are
 * taken as they come, waiting while the transaction holds the others: a
 * multi-bot INSERT/COPY takes them in the order its rows arrive (rows in
 * bot_id order never deadlock with each other; see "Bot locks and gates").
 */
void
ca_lock_bot(text *bot_id)
{
	LOCKTAG		tag = bot_lock_tag(VARDATA_ANY(bot_id), VARSIZE_ANY_EXHDR(bot_id));

	lock_one(&tag);
}

/* The next id of crash_game_rounds, from its identity sequence. */
int64
ca_next_round_id(void)
{
	static Oid	seq_of_relid = InvalidOid;
	static Oid	seqid = InvalidOid;
	const CaTableInfo *info = ca_table(CA_ROUNDS);

	if (seq_of_relid != info->relid)
	{
		seqid = getIdentitySequence(info->relid, info->attnums[RC_ID], false);
		seq_of_relid = info->relid;
	}
	return nextval_internal(seqid, false);
}
