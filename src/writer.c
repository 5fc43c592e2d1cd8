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
#include "catalog/index.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/datum.h"
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

struct CaWriter
{
	EState	   *estate;
	ResultRelInfo *rri[CA_NUM_TABLES];
	TupleTableSlot *vslot[CA_NUM_TABLES];	/* virtual: rows to write */
	TupleTableSlot *fslot[CA_NUM_TABLES];	/* table AM: rows fetched */
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
 * also VACUUM and ANALYZE) marks the cache stale; it is rebuilt by the next
 * writer, never under an active one, whose ResultRelInfos point into it.
 * ----------------------------------------------------------------------
 */
typedef struct CaCompiledIndex
{
	Oid			relid;
	IndexInfo  *info;			/* with ii_PredicateState compiled */
	int			nkeys;
	RegProcedure eqproc[INDEX_MAX_KEYS];
	Oid			collation[INDEX_MAX_KEYS];
} CaCompiledIndex;

typedef struct CaCompiledTable
{
	Oid			relid;			/* InvalidOid: not compiled yet */
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
compiled_relcache_callback(Datum arg, Oid relid)
{
	int			t,
				i;

	if (!OidIsValid(relid))
	{
		compiled_stale = true;
		return;
	}
	for (t = 0; t < CA_NUM_TABLES; t++)
	{
		if (compiled[t].relid == relid)
			compiled_stale = true;
		for (i = 0; i < compiled[t].nindexes; i++)
			if (compiled[t].indexes[i].relid == relid)
				compiled_stale = true;
	}
}

/* An error left a writer unfinished: it is gone with its (sub)transaction. */
static void
writer_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		active_writer = NULL;
}

static void
writer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
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

	if (c->relid == RelationGetRelid(rel))
		return c;

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
		if (ci->info->ii_Expressions != NIL)
			elog(ERROR, "expression indexes are not supported on \"%s\"", ca_table_name(t));
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
	c->relid = RelationGetRelid(rel);
	return c;
}

/*
 * Open the writer: an executor state whose range table lists every table,
 * so that constraint-violation messages can describe the failing row.
 */
CaWriter *
ca_writer_begin(void)
{
	CaWriter   *w = palloc0(sizeof(CaWriter));
	List	   *rtable = NIL;
	MemoryContext oldcxt;
	int			t;

	if (active_writer != NULL)
		elog(ERROR, "crash_analytics writer is already in use");
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
	return w;
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
		for (i = 0; i < w->rri[t]->ri_NumIndices; i++)
			index_close(w->rri[t]->ri_IndexRelationDescs[i], NoLock);
		table_close(w->rri[t]->ri_RelationDesc, NoLock);
	}
	ExecResetTupleTable(w->estate->es_tupleTable, false);
	FreeExecutorState(w->estate);
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
		/* open the indexes ourselves, with the compiled IndexInfos */
		rri->ri_NumIndices = c->nindexes;
		rri->ri_IndexRelationDescs = palloc(sizeof(Relation) * Max(c->nindexes, 1));
		rri->ri_IndexRelationInfo = palloc(sizeof(IndexInfo *) * Max(c->nindexes, 1));
		for (i = 0; i < c->nindexes; i++)
		{
			rri->ri_IndexRelationDescs[i] = index_open(c->indexes[i].relid, RowExclusiveLock);
			rri->ri_IndexRelationInfo[i] = c->indexes[i].info;
		}
		w->vslot[t] = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
		w->fslot[t] = table_slot_create(rel, &estate->es_tupleTable);
		w->rri[t] = rri;
		MemoryContextSwitchTo(oldcxt);
	}
	return w->rri[t];
}

/* ----------------------------------------------------------------------
 * Rows
 * ----------------------------------------------------------------------
 */
CaRow *
ca_row_new(CaTable t)
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
	return row;
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
	CaRow	   *row = ca_row_new(t);
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
	CaRow	   *row = ca_row_new(t);

	slot_getallattrs(slot);
	row_load(row, slot->tts_tupleDescriptor, slot->tts_values, slot->tts_isnull);
	row->tid = slot->tts_tid;
	return row;
}

/* ----------------------------------------------------------------------
 * Writing
 * ----------------------------------------------------------------------
 */

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
void
ca_insert(CaWriter *w, CaRow *row)
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
}

/*
 * Write a new version of a fetched row.  updated_at is set here, to the same
 * value the set_updated_at() trigger gives a SQL UPDATE.
 */
void
ca_update(CaWriter *w, CaRow *row)
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
	if (update_indexes && rri->ri_NumIndices > 0)
		(void) ExecInsertIndexTuples(rri, slot, w->estate, true, false, NULL, NIL);
	row->tid = slot->tts_tid;
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
	ResultRelInfo *rri = writer_rel(w, ca_index_table(idx));
	Oid			relid = ca_index_relid(idx);
	int			i;

	for (i = 0; i < rri->ri_NumIndices; i++)
		if (RelationGetRelid(rri->ri_IndexRelationDescs[i]) == relid)
			return rri->ri_IndexRelationDescs[i];
	elog(ERROR, "index %u is not open", relid);
	return NULL;				/* keep compiler quiet */
}

/* The row with this key in a unique index, or NULL. */
CaRow *
ca_fetch(CaWriter *w, CaIndex idx, const Datum *keys)
{
	CaTable		t = ca_index_table(idx);
	Relation	index = writer_index(w, idx);
	List	   *rows;

	rows = index_lookup(w->rri[t]->ri_RelationDesc, index, w->fslot[t], t, keys,
						IndexRelationGetNumberOfKeyAttributes(index), 1, false, NULL);
	return rows == NIL ? NULL : (CaRow *) linitial(rows);
}

/* Up to limit (0: all) rows matching the leading nkeys columns, in index order. */
List *
ca_fetch_all(CaWriter *w, CaIndex idx, const Datum *keys, int nkeys, int limit,
			 bool backward)
{
	CaTable		t = ca_index_table(idx);
	Relation	index = writer_index(w, idx);

	return index_lookup(w->rri[t]->ri_RelationDesc, index, w->fslot[t], t, keys,
						nkeys, limit, backward, NULL);
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
	ScanKeyData skeys[INDEX_MAX_KEYS];
};

CaScan *
ca_scan_begin(CaIndex idx, const Datum *keys, int nkeys, Snapshot snapshot)
{
	CaScan	   *s = palloc0(sizeof(CaScan));

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
	if (!index_getnext_slot(s->scan, ForwardScanDirection, s->slot))
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

/*
 * Take the bot's lock for the rest of the transaction.  A lock per bot, not
 * per table, is what lets bots run in parallel while two writers of the same
 * bot (a retry racing its original, a batch and a single call) are ordered.
 */
void
ca_lock_bot(text *bot_id)
{
	LOCKTAG		tag;
	uint64		h;

	h = hash_bytes_extended((const unsigned char *) VARDATA_ANY(bot_id),
							VARSIZE_ANY_EXHDR(bot_id), 0x43524153);
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) (h >> 32), (uint32) h,
						 CA_BOT_LOCK_CLASS);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
}
