/* Monotonic deque for rolling max/min over a window of positions: O(1)
 * amortised per push, storage of window entries taken once at init. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_mono_deque_init:
 * @self: the deque
 * @window: largest window that cw_mono_deque_push() will be given, >= 1
 * @is_max: %TRUE for a rolling maximum, %FALSE for a minimum
 */
void
cw_mono_deque_init(CwMonoDeque *self, guint window, gboolean is_max)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(window >= 1);

	self->values = g_new0(double, window);
	self->index = g_new0(gint64, window);
	self->capacity = window;
	self->is_max = is_max;
	cw_mono_deque_reset(self);
}

/**
 * cw_mono_deque_clear:
 * @self: the deque
 *
 * Frees the storage.
 */
void
cw_mono_deque_clear(CwMonoDeque *self)
{
	g_return_if_fail(self != NULL);

	g_clear_pointer(&self->values, g_free);
	g_clear_pointer(&self->index, g_free);
	self->capacity = 0;
	self->head = 0;
	self->len = 0;
}

/**
 * cw_mono_deque_reset:
 * @self: the deque
 *
 * Empties the deque, keeping the storage.
 */
void
cw_mono_deque_reset(CwMonoDeque *self)
{
	g_return_if_fail(self != NULL);

	self->head = 0;
	self->len = 0;
}

static inline guint
cw_mono_deque_slot(const CwMonoDeque *self, guint k)
{
	guint pos = self->head + k;

	return pos >= self->capacity ? pos - self->capacity : pos;
}

/**
 * cw_mono_deque_push:
 * @self: the deque
 * @i: position of @x, strictly greater than the previous one
 * @x: the value
 * @window: window length, 1 <= window <= the capacity given to init
 *
 * Returns: the maximum (or minimum) of the values at positions
 *   i - window + 1 .. i.
 */
double
cw_mono_deque_push(CwMonoDeque *self, gint64 i, double x, guint window)
{
	guint back;

	if (window > self->capacity)
		window = self->capacity;

	/* drop what left the window: at most window - 1 entries remain */
	while (self->len > 0 && self->index[self->head] <= i - (gint64) window) {
		self->head = cw_mono_deque_slot(self, 1);
		self->len--;
	}
	/* drop what x dominates */
	while (self->len > 0) {
		back = cw_mono_deque_slot(self, self->len - 1);
		if (self->is_max ? self->values[back] > x : self->values[back] < x)
			break;
		self->len--;
	}
	back = cw_mono_deque_slot(self, self->len);
	self->values[back] = x;
	self->index[back] = i;
	self->len++;
	return self->values[self->head];
}
