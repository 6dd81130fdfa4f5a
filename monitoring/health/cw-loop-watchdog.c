#include "cw-health.h"

struct _CwLoopWatchdog {
	gint64 block_us;
	gint64 recovery_us;
	gint64 tick_us;
	CwLoopBlockedFunc func;
	gpointer user_data;
	guint source;
	GThread *thread;
	GMutex lock;
	GCond cond;
	gboolean quit;
	gpointer last_tick;    /* atomic: monotonic us of the loop's last tick */
	gint blocked;          /* atomic: the thread sees a block now */
	gint64 blocked_since;  /* written by the thread under lock */
	gint64 last_block_end; /* main thread */
	double last_block_s;
	guint64 n_blocks;
	double blocked_seconds;
};

static gboolean
cw_loop_watchdog_tick_cb(gpointer user_data)
{
	CwLoopWatchdog *self = user_data;
	gint64 now = g_get_monotonic_time();
	gint64 prev = (gint64) GPOINTER_TO_SIZE(g_atomic_pointer_get(&self->last_tick));
	double seconds;

	g_atomic_pointer_set(&self->last_tick, GSIZE_TO_POINTER((gsize) now));
	/* the loop itself sees the gap even when the thread was not scheduled */
	if (now - prev <= self->block_us + self->tick_us && !g_atomic_int_get(&self->blocked))
		return G_SOURCE_CONTINUE;
	g_atomic_int_set(&self->blocked, 0);
	seconds = (double) (now - prev) / G_USEC_PER_SEC;
	self->n_blocks++;
	self->blocked_seconds += seconds;
	self->last_block_s = seconds;
	self->last_block_end = now;
	if (self->func != NULL)
		self->func(seconds, self->user_data);
	return G_SOURCE_CONTINUE;
}

static gpointer
cw_loop_watchdog_thread(gpointer data)
{
	CwLoopWatchdog *self = data;

	g_mutex_lock(&self->lock);
	while (!self->quit) {
		gint64 now = g_get_monotonic_time();
		gint64 last = (gint64) GPOINTER_TO_SIZE(g_atomic_pointer_get(&self->last_tick));
		if (now - last > self->block_us && !g_atomic_int_get(&self->blocked)) {
			self->blocked_since = last;
			g_atomic_int_set(&self->blocked, 1);
		}
		g_cond_wait_until(&self->cond, &self->lock, now + self->tick_us);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

/* block_s: the longest acceptable block; recovery_s: how long the loop
 * counts as failing after one. func is called on the main thread. */
CwLoopWatchdog *
cw_loop_watchdog_new(double block_s, double recovery_s, CwLoopBlockedFunc func, gpointer user_data)
{
	CwLoopWatchdog *self = g_new0(CwLoopWatchdog, 1);

	self->block_us = (gint64) (block_s * G_USEC_PER_SEC);
	self->recovery_us = (gint64) (recovery_s * G_USEC_PER_SEC);
	self->tick_us = CLAMP(self->block_us / 4, 10000, 250000);
	self->func = func;
	self->user_data = user_data;
	self->last_tick = GSIZE_TO_POINTER((gsize) g_get_monotonic_time());
	self->last_block_end = G_MININT64 / 2;
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->source =
	    g_timeout_add((guint) (self->tick_us / 1000), cw_loop_watchdog_tick_cb, self);
	self->thread = g_thread_new("cw-watchdog", cw_loop_watchdog_thread, self);
	return self;
}

void
cw_loop_watchdog_free(CwLoopWatchdog *self)
{
	if (self == NULL)
		return;
	g_mutex_lock(&self->lock);
	self->quit = TRUE;
	g_cond_signal(&self->cond);
	g_mutex_unlock(&self->lock);
	g_thread_join(self->thread);
	g_source_remove(self->source);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}

gboolean
cw_loop_watchdog_is_failing(CwLoopWatchdog *self, char *detail, gsize detail_len)
{
	gint64 now = g_get_monotonic_time();

	if (g_atomic_int_get(&self->blocked)) {
		g_mutex_lock(&self->lock);
		g_snprintf(detail, detail_len, "main loop blocked for %.1f s",
			   (double) (now - self->blocked_since) / G_USEC_PER_SEC);
		g_mutex_unlock(&self->lock);
		return TRUE;
	}
	if (now - self->last_block_end < self->recovery_us) {
		g_snprintf(detail, detail_len, "main loop was blocked for %.1f s, %.1f s ago",
			   self->last_block_s,
			   (double) (now - self->last_block_end) / G_USEC_PER_SEC);
		return TRUE;
	}
	g_snprintf(detail, detail_len, "main loop responsive");
	return FALSE;
}

guint64
cw_loop_watchdog_get_n_blocks(CwLoopWatchdog *self)
{
	return self->n_blocks;
}

double
cw_loop_watchdog_get_blocked_seconds(CwLoopWatchdog *self)
{
	return self->blocked_seconds;
}
