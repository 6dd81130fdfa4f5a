#include "cw-core.h"

/* Subscribers live in a flat array that publish() walks without allocating.
 * Unsubscribing during a dispatch only clears the slot; the array is
 * compacted once the outermost dispatch returns, so indices stay valid for
 * nested and re-entrant publishes. */

typedef struct {
	guint id;
	guint64 mask;
	CwStrategyId strategy_id;
	CwEventFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} CwSubscriber;

struct _CwEventBus {
	GObject parent_instance;
	GArray *subscribers; /* of CwSubscriber */
	guint next_id;
	guint dispatch_depth;
	gboolean needs_compaction;
	guint64 n_published;
	guint64 subscribed_mask; /* union of the live subscribers' masks */
};

G_DEFINE_TYPE(CwEventBus, cw_event_bus, G_TYPE_OBJECT)

static void
cw_event_bus_release(CwSubscriber *sub)
{
	GDestroyNotify destroy = sub->destroy;
	gpointer data = sub->user_data;

	sub->func = NULL;
	sub->destroy = NULL;
	sub->user_data = NULL;
	if (destroy != NULL)
		destroy(data);
}

static void
cw_event_bus_compact(CwEventBus *self)
{
	guint j = 0;

	for (guint i = 0; i < self->subscribers->len; i++) {
		CwSubscriber *sub = &g_array_index(self->subscribers, CwSubscriber, i);
		if (sub->func == NULL)
			continue;
		if (i != j)
			g_array_index(self->subscribers, CwSubscriber, j) = *sub;
		j++;
	}
	g_array_set_size(self->subscribers, j);
	self->needs_compaction = FALSE;
}

static void
cw_event_bus_update_mask(CwEventBus *self)
{
	guint64 mask = 0;

	for (guint i = 0; i < self->subscribers->len; i++) {
		const CwSubscriber *sub = &g_array_index(self->subscribers, CwSubscriber, i);
		if (sub->func != NULL)
			mask |= sub->mask;
	}
	self->subscribed_mask = mask;
}

static void
cw_event_bus_finalize(GObject *object)
{
	CwEventBus *self = CW_EVENT_BUS(object);

	for (guint i = 0; i < self->subscribers->len; i++)
		cw_event_bus_release(&g_array_index(self->subscribers, CwSubscriber, i));
	g_array_unref(self->subscribers);
	G_OBJECT_CLASS(cw_event_bus_parent_class)->finalize(object);
}

static void
cw_event_bus_class_init(CwEventBusClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = cw_event_bus_finalize;
}

static void
cw_event_bus_init(CwEventBus *self)
{
	self->subscribers = g_array_sized_new(FALSE, TRUE, sizeof(CwSubscriber), 8);
	self->next_id = 1;
}

/**
 * cw_event_bus_new:
 *
 * Returns: (transfer full): a bus with no subscribers.
 */
CwEventBus *
cw_event_bus_new(void)
{
	return g_object_new(CW_TYPE_EVENT_BUS, NULL);
}

guint
cw_event_bus_subscribe(CwEventBus *self, guint64 type_mask, CwStrategyId strategy_id,
		       CwEventFunc func, gpointer user_data, GDestroyNotify destroy)
{
	CwSubscriber sub = {
	    .id = self->next_id++,
	    .mask = type_mask,
	    .strategy_id = strategy_id,
	    .func = func,
	    .user_data = user_data,
	    .destroy = destroy,
	};

	g_return_val_if_fail(CW_IS_EVENT_BUS(self), 0);
	g_return_val_if_fail(func != NULL, 0);

	/* appending may move the array, but dispatch re-reads by index */
	g_array_append_val(self->subscribers, sub);
	self->subscribed_mask |= type_mask;
	return sub.id;
}

void
cw_event_bus_unsubscribe(CwEventBus *self, guint id)
{
	g_return_if_fail(CW_IS_EVENT_BUS(self));

	for (guint i = 0; i < self->subscribers->len; i++) {
		CwSubscriber *sub = &g_array_index(self->subscribers, CwSubscriber, i);
		if (sub->id != id || sub->func == NULL)
			continue;
		cw_event_bus_release(sub);
		cw_event_bus_update_mask(self);
		if (self->dispatch_depth > 0)
			self->needs_compaction = TRUE;
		else
			cw_event_bus_compact(self);
		return;
	}
}

void
cw_event_bus_publish(CwEventBus *self, const CwEvent *event)
{
	guint64 bit;
	guint n;

	g_return_if_fail(CW_IS_EVENT_BUS(self));
	g_return_if_fail(event != NULL);

	if ((guint) event->type >= CW_EVENT_LAST)
		return;
	bit = CW_EVENT_MASK(event->type);
	self->n_published++;
	self->dispatch_depth++;
	/* subscribers added during this dispatch see the next event, not this one */
	n = self->subscribers->len;
	for (guint i = 0; i < n; i++) {
		CwSubscriber *sub = &g_array_index(self->subscribers, CwSubscriber, i);
		if (sub->func == NULL || (sub->mask & bit) == 0)
			continue;
		if (sub->strategy_id != 0 && sub->strategy_id != event->strategy_id)
			continue;
		sub->func(event, sub->user_data);
	}
	self->dispatch_depth--;
	if (self->dispatch_depth == 0 && self->needs_compaction)
		cw_event_bus_compact(self);
}

/**
 * cw_event_bus_has_subscribers:
 * @self: the bus
 * @type: an event type
 *
 * A bit test, for publishers that would rather not build an event nobody
 * hears. Subscribers limited to one strategy count for every strategy.
 *
 * Returns: %TRUE when at least one subscriber listens to @type.
 */
gboolean
cw_event_bus_has_subscribers(CwEventBus *self, CwEventType type)
{
	if ((guint) type >= CW_EVENT_LAST)
		return FALSE;
	return (self->subscribed_mask & CW_EVENT_MASK(type)) != 0;
}

/**
 * cw_event_bus_wants:
 * @self: the bus
 * @type: an event type
 *
 * cw_event_bus_has_subscribers() for a publisher that skips building the
 * event when nobody listens: a %FALSE answer counts the event as published
 * (cw_event_bus_get_n_published() stays the same whether or not the
 * publisher skips).
 *
 * Returns: %TRUE when the event should be built and published.
 */
gboolean
cw_event_bus_wants(CwEventBus *self, CwEventType type)
{
	if ((guint) type >= CW_EVENT_LAST)
		return TRUE; /* publish() decides */
	if ((self->subscribed_mask & CW_EVENT_MASK(type)) != 0)
		return TRUE;
	self->n_published++;
	return FALSE;
}

guint
cw_event_bus_get_n_subscribers(CwEventBus *self)
{
	guint n = 0;

	g_return_val_if_fail(CW_IS_EVENT_BUS(self), 0);
	for (guint i = 0; i < self->subscribers->len; i++) {
		if (g_array_index(self->subscribers, CwSubscriber, i).func != NULL)
			n++;
	}
	return n;
}

guint64
cw_event_bus_get_n_published(CwEventBus *self)
{
	g_return_val_if_fail(CW_IS_EVENT_BUS(self), 0);
	return self->n_published;
}
