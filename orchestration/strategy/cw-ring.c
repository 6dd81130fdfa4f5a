/* Fixed-capacity ring of doubles with a running sum. */
#include "cw-strategies.h"

#include <math.h>

/**
 * cw_ring_init:
 * @ring: the ring
 * @capacity: number of values kept, >= 1
 *
 * Allocates the storage once; pushes never allocate.
 */
void
cw_ring_init(CwRing *ring, guint capacity)
{
	g_return_if_fail(ring != NULL);
	g_return_if_fail(capacity >= 1);

	ring->values = g_new0(double, capacity);
	ring->capacity = capacity;
	cw_ring_reset(ring);
}

/**
 * cw_ring_clear:
 * @ring: the ring
 *
 * Frees the storage. The ring may be initialised again afterwards.
 */
void
cw_ring_clear(CwRing *ring)
{
	g_return_if_fail(ring != NULL);

	g_clear_pointer(&ring->values, g_free);
	ring->capacity = 0;
	ring->count = 0;
	ring->head = 0;
	ring->sum = 0.0;
}

/**
 * cw_ring_reset:
 * @ring: the ring
 *
 * Forgets every value, keeping the storage.
 */
void
cw_ring_reset(CwRing *ring)
{
	g_return_if_fail(ring != NULL);

	ring->count = 0;
	ring->head = 0;
	ring->sum = 0.0;
}

/**
 * cw_ring_resum:
 * @ring: the ring
 *
 * Exact sum, oldest first. cw_ring_push() calls it once per lap so the
 * running sum cannot drift over millions of pushes (O(1) amortised), and
 * when an outlier leaves the window.
 */
void
cw_ring_resum(CwRing *ring)
{
	guint start = ring->head + ring->capacity - ring->count; /* the oldest */
	guint end;
	double sum = 0.0;

	if (start >= ring->capacity)
		start -= ring->capacity;
	/* oldest to newest: [start, end) then, after the wrap, [0, head) */
	end = start + ring->count <= ring->capacity ? start + ring->count : ring->capacity;
	for (guint i = start; i < end; i++)
		sum += ring->values[i];
	if (end - start < ring->count)
		for (guint i = 0; i < ring->head; i++)
			sum += ring->values[i];
	ring->sum = sum;
}
