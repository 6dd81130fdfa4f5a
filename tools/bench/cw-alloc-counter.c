/* Counts heap allocations for candlewick-bench, by interposing malloc in
 * the executable (glibc exports its allocator as __libc_*). Linked only into
 * builds without sanitizers, which interpose malloc themselves. */
#include <glib.h>
#include <stddef.h>

#include "cw-alloc-counter.h"

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);

static guint64 cw_alloc_count;

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);
void *memalign(size_t alignment, size_t size);

void *
malloc(size_t size)
{
	__atomic_add_fetch(&cw_alloc_count, 1, __ATOMIC_RELAXED);
	return __libc_malloc(size);
}

void *
calloc(size_t n, size_t size)
{
	__atomic_add_fetch(&cw_alloc_count, 1, __ATOMIC_RELAXED);
	return __libc_calloc(n, size);
}

void *
realloc(void *ptr, size_t size)
{
	__atomic_add_fetch(&cw_alloc_count, 1, __ATOMIC_RELAXED);
	return __libc_realloc(ptr, size);
}

void *
memalign(size_t alignment, size_t size)
{
	__atomic_add_fetch(&cw_alloc_count, 1, __ATOMIC_RELAXED);
	return __libc_memalign(alignment, size);
}

guint64
cw_alloc_counter_read(void)
{
	return __atomic_load_n(&cw_alloc_count, __ATOMIC_RELAXED);
}
