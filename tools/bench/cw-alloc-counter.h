/* Heap allocation counter of candlewick-bench (see
 * cw-alloc-counter.c). Weak: absent in sanitizer builds and in test
 * programs, where the function pointer is NULL. */
#pragma once

#include <glib.h>

guint64 cw_alloc_counter_read(void) __attribute__((weak));
