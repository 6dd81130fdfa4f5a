#include "cw-services-runtime.h"

#include <math.h>

#include "cw-config.h"

/* What one sent message (or digest) may take at most: the store rows
 * coalesced, and how many sends a minute are remembered for max_per_minute. */
#define CW_WORKER_MAX_COALESCE 100
#define CW_WORKER_LOG_US       (10 * G_USEC_PER_SEC)

typedef struct {
	CwNotificationWorker *worker; /* not a ref */
	const CwOutboxTarget *target; /* owned by the router */
	CwNotifier *notifier;
	CwNotifierLimits limits;
	GCancellable *cancellable; /* set while a send is in flight */
	GPtrArray *in_flight;      /* CwStoreOutboxRow */
	gint64 next_allowed_ms;
	gint64 minute[64]; /* times of the last sends, a ring */
	guint minute_pos;
	gint64 logged_us;
	GCancellable *poll; /* set while a command poll is in flight */
	gint64 poll_next_ms;
	gint64 summary_done_ms; /* the last daily summary's time */
	guint64 n_ignored_logged;
} CwWorkerTarget;

struct _CwNotificationWorker {
	GObject parent_instance;
	CwStore *store;
	CwClock *clock;
	CwOutboxRouter *router;
	CwStrategyManager *manager; /* nullable: for the commands */
	GPtrArray *targets;         /* CwWorkerTarget */
	GRand *rand;
	guint tick_id;
	guint64 n_sent;
	guint64 n_failed;
	guint64 n_dead;
};

G_DEFINE_FINAL_TYPE(CwNotificationWorker, cw_notification_worker, G_TYPE_OBJECT)

static void
cw_worker_target_free(CwWorkerTarget *t)
{
	if (t->cancellable != NULL)
		g_cancellable_cancel(t->cancellable);
	g_clear_object(&t->cancellable);
	if (t->poll != NULL)
		g_cancellable_cancel(t->poll);
	g_clear_object(&t->poll);
	g_clear_pointer(&t->in_flight, g_ptr_array_unref);
	g_clear_object(&t->notifier);
	g_free(t);
}

static void
cw_notification_worker_dispose(GObject *object)
{
	CwNotificationWorker *self = CW_NOTIFICATION_WORKER(object);

	cw_notification_worker_stop(self);
	g_clear_pointer(&self->targets, g_ptr_array_unref);
	g_clear_object(&self->store);
	g_clear_object(&self->clock);
	g_clear_object(&self->router);
	g_clear_object(&self->manager);
	g_clear_pointer(&self->rand, g_rand_free);
	G_OBJECT_CLASS(cw_notification_worker_parent_class)->dispose(object);
}

static void
cw_notification_worker_class_init(CwNotificationWorkerClass *klass)
{
	G_OBJECT_CLASS(klass)->dispose = cw_notification_worker_dispose;
}

static void
cw_notification_worker_init(CwNotificationWorker *self)
{
	self->targets = g_ptr_array_new_with_free_func((GDestroyNotify) cw_worker_target_free);
	self->rand = g_rand_new();
}

/** cw_notification_worker_new: Returns: (transfer full): the worker, or NULL. */
CwNotificationWorker *
cw_notification_worker_new(CwStore *store, CwClock *clock, CwOutboxRouter *router, GError **error)
{
	g_autoptr(CwNotificationWorker) self = g_object_new(CW_TYPE_NOTIFICATION_WORKER, NULL);

	self->store = g_object_ref(store);
	self->clock = g_object_ref(clock);
	self->router = g_object_ref(router);
	for (guint i = 0; i < cw_outbox_router_get_n_targets(router); i++) {
		const CwOutboxTarget *t = cw_outbox_router_get_target(router, i);
		g_autoptr(GObject) obj =
		    cw_extension_new(CW_EXTENSION_POINT_NOTIFIER, t->type, error);
		CwWorkerTarget *wt;
		if (obj == NULL ||
		    !cw_notifier_configure(CW_NOTIFIER(obj), t->section_json, error)) {
			g_prefix_error(error, "notifications[%u] ('%s'): ", i, t->name);
			return NULL;
		}
		wt = g_new0(CwWorkerTarget, 1);
		wt->worker = self;
		wt->target = t;
		wt->notifier = CW_NOTIFIER(g_steal_pointer(&obj));
		cw_notifier_get_limits(wt->notifier, &wt->limits);
		wt->limits.coalesce_max = CLAMP(wt->limits.coalesce_max, 1, CW_WORKER_MAX_COALESCE);
		wt->limits.max_per_minute =
		    MIN(wt->limits.max_per_minute, G_N_ELEMENTS(wt->minute));
		for (guint j = 0; j < G_N_ELEMENTS(wt->minute); j++)
			wt->minute[j] = G_MININT64;
		g_ptr_array_add(self->targets, wt);
	}
	return g_steal_pointer(&self);
}

/** cw_notification_worker_set_manager: the service's bots, for the commands. */
void
cw_notification_worker_set_manager(CwNotificationWorker *self, CwStrategyManager *manager)
{
	g_set_object(&self->manager, manager);
}

void
cw_notification_worker_set_seed(CwNotificationWorker *self, guint32 seed)
{
	g_rand_set_seed(self->rand, seed);
}

guint
cw_notification_worker_get_n_in_flight(CwNotificationWorker *self)
{
	guint n = 0;

	for (guint i = 0; i < self->targets->len; i++)
		n += ((CwWorkerTarget *) g_ptr_array_index(self->targets, i))->cancellable != NULL;
	return n;
}

guint64
cw_notification_worker_get_n_sent(CwNotificationWorker *self)
{
	return self->n_sent;
}

guint64
cw_notification_worker_get_n_failed(CwNotificationWorker *self)
{
	return self->n_failed;
}

guint64
cw_notification_worker_get_n_dead(CwNotificationWorker *self)
{
	return self->n_dead;
}

guint64
cw_notification_worker_get_n_ignored(CwNotificationWorker *self)
{
	guint64 n = 0;

	for (guint i = 0; i < self->targets->len; i++)
		n += cw_notifier_get_n_ignored(
		    ((CwWorkerTarget *) g_ptr_array_index(self->targets, i))->notifier);
	return n;
}

/* Exponential backoff with jitter: initial * 2^(attempt-1), capped,
 * then a random share of half of it off ("equal jitter"). */
static gint64
cw_notification_worker_backoff_ms(CwNotificationWorker *self, const CwOutboxTarget *t,
				  guint attempts)
{
	double d = t->backoff_initial_s * 1000.0 * exp2(MIN(attempts, 40) - 1.0);

	d = MIN(d, t->backoff_max_s * 1000.0);
	return (gint64) (d / 2 + g_rand_double(self->rand) * d / 2);
}

static CwNotificationLevel
cw_notification_worker_level(const char *text)
{
	if (g_strcmp0(text, "critical") == 0)
		return CW_NOTIFICATION_CRITICAL;
	if (g_strcmp0(text, "warning") == 0)
		return CW_NOTIFICATION_WARNING;
	return CW_NOTIFICATION_INFO;
}

/* One message, or one digest of several rows sent as a single message. */
static CwNotification *
cw_notification_worker_message(GPtrArray *rows)
{
	CwStoreOutboxRow *first = g_ptr_array_index(rows, 0);
	CwStoreOutboxRow *last = g_ptr_array_index(rows, rows->len - 1);
	CwNotification *m;
	g_autoptr(GString) body = NULL;
	g_autofree char *key = NULL;
	g_autofree char *title = NULL;
	CwNotificationLevel level = CW_NOTIFICATION_INFO;
	gboolean silent = TRUE;

	if (rows->len == 1) {
		m = cw_notification_new(first->key, first->event_type,
					cw_notification_worker_level(first->level), first->bot_name,
					first->strategy_id, first->title, first->body,
					first->created_at);
		m->silent = first->silent;
		return m;
	}
	body = g_string_new(NULL);
	for (guint i = 0; i < rows->len; i++) {
		CwStoreOutboxRow *r = g_ptr_array_index(rows, i);
		level = MAX(level, cw_notification_worker_level(r->level));
		silent = silent && r->silent;
		g_string_append_printf(body, "%s%s%s%s", i > 0 ? "\n\n" : "", r->title,
				       r->body[0] != '\0' ? "\n" : "", r->body);
	}
	/* the same rows give the same key, so a repeat is recognised */
	key = g_strdup_printf("digest-%s-%s", first->key, last->key);
	title = g_strdup_printf("%u notifications", rows->len);
	m = cw_notification_new(key, "digest", level, NULL, NULL, title, body->str,
				first->created_at);
	m->silent = silent;
	return m;
}

static void cw_notification_worker_log(CwWorkerTarget *t, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

/* Failures are logged at most every 10 s per notifier; the rows keep the
 * last error each. */
static void
cw_notification_worker_log(CwWorkerTarget *t, const char *format, ...)
{
	gint64 now = g_get_monotonic_time();
	g_autofree char *text = NULL;
	va_list args;

	if (t->logged_us != 0 && now - t->logged_us < CW_WORKER_LOG_US)
		return;
	t->logged_us = now;
	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	g_warning("notifications: %s: %s", t->target->name, text);
}

static void
cw_notification_worker_dead(CwWorkerTarget *t, CwStoreOutboxRow *row, guint attempts,
			    const char *error_text, gboolean permanent)
{
	CwNotificationWorker *self = t->worker;
	g_autoptr(GError) error = NULL;
	g_autofree char *payload = NULL;
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	self->n_dead++;
	if (!cw_store_outbox_mark_dead(self->store, row->id, attempts, error_text, &error))
		cw_notification_worker_log(t, "%s", error->message);
	if (!permanent)
		return;
	/* a receiver that refuses for good (blocked, chat not found) is a
	 * health problem the operator hears of through the journal */
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "source");
	json_builder_add_string_value(b, "notifications");
	json_builder_set_member_name(b, "notifier");
	json_builder_add_string_value(b, t->target->name);
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, error_text);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	payload = cw_json_to_string(root, FALSE);
	if (cw_store_event_append(self->store, 0, NULL, "HEALTH_WARNING",
				  cw_clock_now_ms(self->clock), payload, &error) < 0)
		cw_notification_worker_log(t, "%s", error->message);
}

static void
cw_notification_worker_settle(CwWorkerTarget *t, const CwNotifyResult *result,
			      const char *error_text)
{
	CwNotificationWorker *self = t->worker;
	gint64 now = cw_clock_now_ms(self->clock);

	for (guint i = 0; i < t->in_flight->len; i++) {
		CwStoreOutboxRow *row = g_ptr_array_index(t->in_flight, i);
		g_autoptr(GError) error = NULL;
		guint attempts = row->attempts + 1;
		gboolean ok = TRUE;
		switch (result->outcome) {
		case CW_NOTIFY_OK:
			self->n_sent++;
			ok = cw_store_outbox_mark_sent(self->store, row->id, now, &error);
			break;
		case CW_NOTIFY_RATE_LIMITED:
			/* the receiver's pace, not a failure: no attempt counted */
			ok = cw_store_outbox_mark_retry(
			    self->store, row->id, row->attempts,
			    now + (gint64) (MAX(result->retry_after_s, 1.0) * 1000), error_text,
			    &error);
			break;
		case CW_NOTIFY_PERMANENT:
			self->n_failed++;
			cw_notification_worker_dead(t, row, attempts, error_text, TRUE);
			break;
		case CW_NOTIFY_TRANSIENT:
		default:
			self->n_failed++;
			if (attempts >= t->target->max_attempts)
				cw_notification_worker_dead(t, row, attempts, error_text, FALSE);
			else
				ok = cw_store_outbox_mark_retry(
				    self->store, row->id, attempts,
				    now + MAX(cw_notification_worker_backoff_ms(self, t->target,
										attempts),
					      (gint64) (result->retry_after_s * 1000)),
				    error_text, &error);
			break;
		}
		if (!ok)
			cw_notification_worker_log(t, "%s", error->message);
	}
	if (result->outcome == CW_NOTIFY_RATE_LIMITED)
		t->next_allowed_ms = now + (gint64) (MAX(result->retry_after_s, 1.0) * 1000);
}

typedef struct {
	CwNotificationWorker *worker; /* a ref: the callback may come after dispose */
	CwWorkerTarget *target;
} CwWorkerSend;

static void
cw_notification_worker_sent(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CwWorkerSend *send = user_data;
	g_autoptr(CwNotificationWorker) self = send->worker;
	CwWorkerTarget *t = send->target;
	g_autoptr(GError) error = NULL;
	CwNotifyResult result;
	gboolean ok;

	g_free(send);
	ok = cw_notifier_send_finish(CW_NOTIFIER(source), res, &result, &error);
	/* stopped or disposed: the rows stay pending for the next start */
	if (self->targets == NULL ||
	    (!ok && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)))
		return;
	if (!ok)
		cw_notification_worker_log(t, "%s (%s)", error != NULL ? error->message : "failed",
					   cw_notify_outcome_to_string(result.outcome));
	cw_notification_worker_settle(t, &result, error != NULL ? error->message : NULL);
	g_clear_object(&t->cancellable);
	g_clear_pointer(&t->in_flight, g_ptr_array_unref);
}

/* Whether t may send at now: its minimum interval and its cap a minute. */
static gboolean
cw_worker_target_may_send(CwWorkerTarget *t, gint64 now)
{
	guint n = 0;

	if (now < t->next_allowed_ms)
		return FALSE;
	if (t->limits.max_per_minute == 0)
		return TRUE;
	for (guint i = 0; i < G_N_ELEMENTS(t->minute); i++)
		n += t->minute[i] != G_MININT64 && now - t->minute[i] < 60000;
	return n < t->limits.max_per_minute;
}

static void
cw_notification_worker_tick_target(CwNotificationWorker *self, CwWorkerTarget *t, gint64 now)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autoptr(CwNotification) message = NULL;
	CwWorkerSend *send;

	if (t->cancellable != NULL || !cw_worker_target_may_send(t, now))
		return;
	rows =
	    cw_store_outbox_due(self->store, t->target->name, now, t->limits.coalesce_max, &error);
	if (rows == NULL) {
		cw_notification_worker_log(t, "%s", error->message);
		return;
	}
	if (rows->len == 0)
		return;
	message = cw_notification_worker_message(rows);
	t->in_flight = g_steal_pointer(&rows);
	t->cancellable = g_cancellable_new();
	t->next_allowed_ms = now + t->limits.min_interval_ms;
	t->minute[t->minute_pos] = now;
	t->minute_pos = (t->minute_pos + 1) % G_N_ELEMENTS(t->minute);
	send = g_new0(CwWorkerSend, 1);
	send->worker = g_object_ref(self);
	send->target = t;
	cw_notifier_send_async(t->notifier, message, t->cancellable, cw_notification_worker_sent,
			       send);
}

static void
cw_notification_worker_polled(GObject *source, GAsyncResult *res, gpointer user_data)
{
	CwWorkerSend *send = user_data;
	g_autoptr(CwNotificationWorker) self = send->worker;
	CwWorkerTarget *t = send->target;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) commands = NULL;

	g_free(send);
	commands = cw_notifier_poll_commands_finish(CW_NOTIFIER(source), res, &error);
	if (self->targets == NULL || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g_clear_object(&t->poll);
	if (cw_notifier_get_n_ignored(t->notifier) > t->n_ignored_logged) {
		t->n_ignored_logged = cw_notifier_get_n_ignored(t->notifier);
		cw_notification_worker_log(
		    t, "%" G_GUINT64_FORMAT " commands ignored so far: their chat is not allowed",
		    t->n_ignored_logged);
	}
	if (commands == NULL) {
		cw_notification_worker_log(t, "commands: %s", error->message);
		t->poll_next_ms = cw_clock_now_ms(self->clock) + 5000;
		return;
	}
	for (guint i = 0; i < commands->len; i++) {
		CwNotifierCommand *c = g_ptr_array_index(commands, i);
		g_autofree char *label = NULL;
		g_autofree char *data = NULL;
		g_autofree char *answer = cw_notification_commands_run(
		    self->store, self->manager, t->target->name, c->chat_id, c->text,
		    cw_clock_now_ms(self->clock), &label, &data);
		cw_notifier_reply(t->notifier, c, answer, label, data);
	}
}

static void
cw_notification_worker_poll(CwNotificationWorker *self, CwWorkerTarget *t, gint64 now)
{
	CwWorkerSend *send;

	if (t->poll != NULL || now < t->poll_next_ms || !cw_notifier_takes_commands(t->notifier))
		return;
	t->poll = g_cancellable_new();
	send = g_new0(CwWorkerSend, 1);
	send->worker = g_object_ref(self);
	send->target = t;
	cw_notifier_poll_commands_async(t->notifier, t->poll, cw_notification_worker_polled, send);
}

/* How late a daily summary may still go out (a service down at its time
 * sends it when it comes back within this). */
#define CW_WORKER_SUMMARY_GRACE_MS (60 * 60 * 1000)

static void
cw_notification_worker_summary_text(GPtrArray *figures, GString *body)
{
	double pnl = 0, equity = 0;
	gint64 trades = 0;

	for (guint i = 0; i < figures->len; i++) {
		CwStoreDailyFigures *f = g_ptr_array_index(figures, i);
		g_string_append_printf(body, "%s: %" G_GINT64_FORMAT " trades, PnL %+.2f",
				       f->bot_name, f->trades, f->net_pnl);
		if (f->has_equity)
			g_string_append_printf(body, ", equity %.2f, drawdown %.2f%%", f->equity,
					       f->max_drawdown_pct);
		g_string_append_c(body, '\n');
		trades += f->trades;
		pnl += f->net_pnl;
		equity += f->has_equity ? f->equity : 0;
	}
	g_string_append_printf(body, "total: %" G_GINT64_FORMAT " trades, PnL %+.2f, equity %.2f",
			       trades, pnl, equity);
}

/* Writes today's summary row once its local time has come; the key holds
 * the local date, so a restart does not send it twice. */
static void
cw_notification_worker_daily(CwNotificationWorker *self, CwWorkerTarget *t, gint64 now)
{
	const CwOutboxTarget *target = t->target;
	g_autoptr(GDateTime) local = NULL;
	g_autoptr(GDateTime) fire = NULL;
	g_autoptr(GPtrArray) figures = NULL;
	g_autoptr(GString) body = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *date = NULL;
	g_autofree char *title = NULL;
	g_autofree char *key = NULL;
	gint64 fire_ms;

	if (target->summary_tz == NULL)
		return;
	{
		g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(now / 1000);
		local = utc != NULL ? g_date_time_to_timezone(utc, target->summary_tz) : NULL;
	}
	if (local == NULL)
		return;
	fire = g_date_time_new(target->summary_tz, g_date_time_get_year(local),
			       g_date_time_get_month(local), g_date_time_get_day_of_month(local),
			       (int) target->summary_minute / 60, (int) target->summary_minute % 60,
			       0);
	if (fire == NULL)
		return;
	fire_ms = g_date_time_to_unix(fire) * 1000;
	if (now < fire_ms || now >= fire_ms + CW_WORKER_SUMMARY_GRACE_MS ||
	    t->summary_done_ms == fire_ms)
		return;
	figures = cw_store_daily_figures(self->store, fire_ms - 24 * 3600 * 1000, fire_ms, &error);
	if (figures == NULL) {
		cw_notification_worker_log(t, "daily summary: %s", error->message);
		return;
	}
	body = g_string_new(NULL);
	cw_notification_worker_summary_text(figures, body);
	date = g_date_time_format(fire, "%Y-%m-%d");
	title = g_strdup_printf("Daily summary %s", date);
	key = g_strdup_printf("cw-daily-%s", date);
	if (!cw_outbox_router_enqueue_for(self->router, self->store, target, "daily_summary", title,
					  body->str, key, now, &error)) {
		cw_notification_worker_log(t, "daily summary: %s", error->message);
		return;
	}
	t->summary_done_ms = fire_ms;
}

/** cw_notification_worker_tick: starts the sends that are due now. */
void
cw_notification_worker_tick(CwNotificationWorker *self)
{
	gint64 now = cw_clock_now_ms(self->clock);

	for (guint i = 0; i < self->targets->len; i++) {
		cw_notification_worker_daily(self, g_ptr_array_index(self->targets, i), now);
		cw_notification_worker_tick_target(self, g_ptr_array_index(self->targets, i), now);
		cw_notification_worker_poll(self, g_ptr_array_index(self->targets, i), now);
	}
}

static gboolean
cw_notification_worker_on_tick(gpointer user_data)
{
	cw_notification_worker_tick(user_data);
	return G_SOURCE_CONTINUE;
}

void
cw_notification_worker_start(CwNotificationWorker *self, guint interval_ms)
{
	if (self->tick_id != 0)
		return;
	self->tick_id = g_timeout_add_full(G_PRIORITY_LOW, MAX(interval_ms, 10),
					   cw_notification_worker_on_tick, self, NULL);
}

/** cw_notification_worker_stop: the rows in flight stay pending. */
void
cw_notification_worker_stop(CwNotificationWorker *self)
{
	g_clear_handle_id(&self->tick_id, g_source_remove);
	for (guint i = 0; self->targets != NULL && i < self->targets->len; i++) {
		CwWorkerTarget *t = g_ptr_array_index(self->targets, i);
		if (t->cancellable != NULL)
			g_cancellable_cancel(t->cancellable);
		if (t->poll != NULL)
			g_cancellable_cancel(t->poll);
	}
}

/** cw_notification_worker_read_config: checks and keeps "notifications". */
gboolean
cw_notification_worker_read_config(JsonObject *service_config, GError **error)
{
	CwServiceContext *ctx = cw_service_context_get_default();
	g_autoptr(CwOutboxRouter) router = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree char *text = NULL;
	JsonArray *array = NULL;

	if (!cw_config_read_array(service_config, "", "notifications", 0, 1000, &array, error))
		return FALSE;
	if (array == NULL)
		return TRUE;
	router = cw_outbox_router_new_from_json(array, error);
	if (router == NULL)
		return FALSE;
	node = json_node_new(JSON_NODE_ARRAY);
	json_node_set_array(node, array);
	text = cw_json_to_string(node, FALSE);
	cw_service_context_set_setting(ctx, "notifications", g_variant_new_string(text));
	return TRUE;
}

/** cw_notification_worker_new_from_settings: FALSE with error on a bad notifier. */
gboolean
cw_notification_worker_new_from_settings(CwStore *store, CwNotificationWorker **out, GError **error)
{
	CwServiceContext *ctx = cw_service_context_get_default();
	g_autoptr(GVariant) value = cw_service_context_get_setting(ctx, "notifications");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(CwOutboxRouter) router = NULL;
	g_autoptr(CwClock) clock = NULL;
	JsonArray *array = NULL;
	JsonNode *root;

	*out = NULL;
	if (value != NULL && g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
		if (!json_parser_load_from_data(parser, g_variant_get_string(value, NULL), -1,
						error))
			return FALSE;
		root = json_parser_get_root(parser);
		if (root != NULL && JSON_NODE_HOLDS_ARRAY(root))
			array = json_node_get_array(root);
	}
	router = cw_outbox_router_new_from_json(array, error);
	if (router == NULL)
		return FALSE;
	if (cw_outbox_router_get_n_targets(router) > 0) {
		clock = cw_wall_clock_new();
		*out = cw_notification_worker_new(store, clock, router, error);
		if (*out == NULL)
			return FALSE;
	}
	/* with no notifier too: serve claims every event it journals, so
	 * notifiers configured later do not get the history */
	cw_outbox_router_attach(router, store);
	return TRUE;
}
