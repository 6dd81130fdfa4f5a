/* Fixed-capacity ring of doubles with a running sum. */
#include "cw-strategies.h"

#include <math.h>

/* A value leaving that is 2^12 times the remaining sum took that many bits
 * of its accuracy: re-sum at once. */
#define CW_RING_CANCEL_RATIO 4096.0

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

/* Exact sum, oldest first. Called once per lap so the running sum cannot
 * drift over millions of pushes (O(1) amortised), and when an outlier
 * leaves the window. */
static void
cw_ring_resum(CwRing *ring)
{
	double sum = 0.0;

	for (guint i = ring->count; i > 0; i--)
		sum += cw_ring_get(ring, i - 1);
	ring->sum = sum;
}

/**
 * cw_ring_push:
 * @ring: the ring
 * @x: the new value
 *
 * Returns: the value that fell out of the ring, NAN while it was not full.
 */
double
cw_ring_push(CwRing *ring, double x)
{
	double out = NAN;

	if (ring->count == ring->capacity) {
		out = ring->values[ring->head];
		ring->sum -= out;
	} else {
		ring->count++;
	}
	ring->values[ring->head] = x;
	ring->sum += x;
	ring->head++;
	if (ring->head == ring->capacity)
		ring->head = 0;
	if (ring->count == ring->capacity &&
	    (ring->head == 0 || fabs(out) > CW_RING_CANCEL_RATIO * fabs(ring->sum)))
		cw_ring_resum(ring);
	return out;
}
