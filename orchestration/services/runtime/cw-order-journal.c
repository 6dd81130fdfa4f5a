#include "cw-services-runtime.h"

#include "cw-order-journal.h"

typedef struct {
	gint64 bot_id;
	CwOrder order;
	gboolean cancel; /* only the cancel's intent: the row goes pending_cancel */
} CwJournalRow;

struct _CwOrderJournal {
	CwStore *store;
	GArray *rows;       /* of CwJournalRow: the candle's, in the order decided */
	GPtrArray *writers; /* borrowed: applied in the open transaction */
	gboolean in_candle;
	gboolean open; /* begin_commit succeeded, not finished */
	guint64 n_commits;
	guint64 n_rows;
};

/**
 * cw_order_journal_new:
 * @store: the service's store (borrowed; outlives the journal)
 *
 * Returns: (transfer full): an empty journal
 */
CwOrderJournal *
cw_order_journal_new(CwStore *store)
{
	CwOrderJournal *self = g_new0(CwOrderJournal, 1);

	self->store = store;
	/* room for a busy candle of a thousand bots without growing */
	self->rows = g_array_sized_new(FALSE, FALSE, sizeof(CwJournalRow), 1024);
	self->writers = g_ptr_array_sized_new(64);
	return self;
}

void
cw_order_journal_free(CwOrderJournal *self)
{
	if (self == NULL)
		return;
	if (self->open)
		cw_store_rollback(self->store, NULL);
	g_array_unref(self->rows);
	g_ptr_array_unref(self->writers);
	g_free(self);
}

void
cw_order_journal_begin_candle(CwOrderJournal *self)
{
	self->in_candle = TRUE;
}

void
cw_order_journal_end_candle(CwOrderJournal *self)
{
	self->in_candle = FALSE;
}

gboolean
cw_order_journal_in_candle(CwOrderJournal *self)
{
	return self->in_candle;
}

/* One row now, in its own transaction (or the caller's). */
static gboolean
cw_order_journal_write_now(CwOrderJournal *self, gint64 bot_id, const CwOrder *order,
			   GError **error)
{
	gboolean own = !cw_store_in_transaction(self->store);

	if (own && !cw_store_begin(self->store, error))
		return FALSE;
	if (!cw_store_order_upsert(self->store, bot_id, order, error)) {
		if (own)
			cw_store_rollback(self->store, NULL);
		return FALSE;
	}
	if (own && !cw_store_commit(self->store, error)) {
		cw_store_rollback(self->store, NULL);
		return FALSE;
	}
	self->n_rows++;
	self->n_commits += own;
	return TRUE;
}

gboolean
cw_order_journal_record(CwOrderJournal *self, gint64 bot_id, const CwOrder *order, GError **error)
{
	CwJournalRow row;

	if (!self->in_candle)
		return cw_order_journal_write_now(self, bot_id, order, error);
	row.bot_id = bot_id;
	row.order = *order;
	row.cancel = FALSE;
	g_array_append_val(self->rows, row);
	return TRUE;
}

/* The cancel's intent, in its own transaction (or the caller's). */
static gboolean
cw_order_journal_cancel_now(CwOrderJournal *self, gint64 bot_id, const char *client_order_id,
			    gint64 at, GError **error)
{
	gboolean own = !cw_store_in_transaction(self->store);

	if (own && !cw_store_begin(self->store, error))
		return FALSE;
	if (!cw_store_order_request_cancel(self->store, bot_id, client_order_id, at, error)) {
		if (own)
			cw_store_rollback(self->store, NULL);
		return FALSE;
	}
	if (own && !cw_store_commit(self->store, error)) {
		cw_store_rollback(self->store, NULL);
		return FALSE;
	}
	self->n_rows++;
	self->n_commits += own;
	return TRUE;
}

/**
 * cw_order_journal_cancel:
 * @client_order_id: a working order of @bot_id about to be cancelled
 * @at: the time of the request, ms since the epoch
 *
 * Makes the cancel durable before it is sent: the order's row becomes
 * `pending_cancel` (cw_store_order_request_cancel()), queued for the
 * candle's group commit in a candle, else committed at once.
 */
gboolean
cw_order_journal_cancel(CwOrderJournal *self, gint64 bot_id, const char *client_order_id, gint64 at,
			GError **error)
{
	CwJournalRow row = {0};

	if (!self->in_candle)
		return cw_order_journal_cancel_now(self, bot_id, client_order_id, at, error);
	row.bot_id = bot_id;
	g_strlcpy(row.order.client_order_id, client_order_id, sizeof row.order.client_order_id);
	row.order.updated_at = at;
	row.cancel = TRUE;
	g_array_append_val(self->rows, row);
	return TRUE;
}

gboolean
cw_order_journal_update(CwOrderJournal *self, gint64 bot_id, const CwOrder *order)
{
	/* the order of the row just queued: the last row of that bot */
	for (guint i = self->rows->len; i > 0; i--) {
		CwJournalRow *row = &g_array_index(self->rows, CwJournalRow, i - 1);

		if (row->bot_id != bot_id || row->cancel)
			continue;
		if (strcmp(row->order.client_order_id, order->client_order_id) != 0)
			return FALSE;
		row->order = *order;
		return TRUE;
	}
	return FALSE;
}

guint
cw_order_journal_get_n_queued(CwOrderJournal *self)
{
	return self->rows->len;
}

gboolean
cw_order_journal_begin_commit(CwOrderJournal *self, GError **error)
{
	g_ptr_array_set_size(self->writers, 0);
	if (!cw_store_begin(self->store, error)) {
		g_array_set_size(self->rows, 0);
		return FALSE;
	}
	self->open = TRUE;
	for (guint i = 0; i < self->rows->len; i++) {
		const CwJournalRow *row = &g_array_index(self->rows, CwJournalRow, i);

		if (row->cancel
			? !cw_store_order_request_cancel(self->store, row->bot_id,
							 row->order.client_order_id,
							 row->order.updated_at, error)
			: !cw_store_order_upsert(self->store, row->bot_id, &row->order, error)) {
			g_prefix_error(error, "order %s: ", row->order.client_order_id);
			return FALSE;
		}
	}
	return TRUE;
}

gboolean
cw_order_journal_add_writer(CwOrderJournal *self, CwStoreWriter *writer, GError **error)
{
	if (!self->open)
		return TRUE;
	if (!cw_store_writer_apply_pending(writer, error))
		return FALSE;
	g_ptr_array_add(self->writers, writer);
	return TRUE;
}

gboolean
cw_order_journal_finish_commit(CwOrderJournal *self, gboolean ok, GError **error)
{
	guint n = self->rows->len;

	g_array_set_size(self->rows, 0);
	if (!self->open)
		return FALSE;
	self->open = FALSE;
	if (!ok || !cw_store_commit(self->store, error)) {
		cw_store_rollback(self->store, NULL);
		g_ptr_array_set_size(self->writers, 0);
		return FALSE;
	}
	for (guint i = 0; i < self->writers->len; i++)
		cw_store_writer_commit_applied(g_ptr_array_index(self->writers, i), NULL, NULL);
	g_ptr_array_set_size(self->writers, 0);
	self->n_commits++;
	self->n_rows += n;
	return TRUE;
}

guint64
cw_order_journal_get_n_commits(CwOrderJournal *self)
{
	return self->n_commits;
}

guint64
cw_order_journal_get_n_rows(CwOrderJournal *self)
{
	return self->n_rows;
}
