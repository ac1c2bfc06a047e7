/*-------------------------------------------------------------------------
 *
 * ig_waits.c
 *	  Wait-event sampling aggregation table and profile arithmetic (see
 *	  ig_waits.h).  Pure C: no PostgreSQL header.
 *
 * IDENTIFICATION
 *	  src/core/ig_waits.c
 *
 *-------------------------------------------------------------------------
 */
#include "ig_waits.h"

#include <string.h>

#define MASK (IG_WAITS_NENTRIES - 1)

/* 64-bit mix (splitmix64's finaliser): query ids and events spread well. */
static uint32_t
home_of(uint32_t event, uint64_t queryid)
{
	uint64_t	x = queryid ^ ((uint64_t) event * 0x9E3779B97F4A7C15ULL);

	x ^= x >> 30;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 27;
	x *= 0x94D049BB133111EBULL;
	x ^= x >> 31;
	return (uint32_t) (x & MASK);
}

void
ig_waits_init(IgWaitTable *t, int64_t now)
{
	memset(t, 0, sizeof(*t));
	t->since = now;
}

/* Slot holding the key, or -1; *free_at gets the first free slot seen. */
static int
find(const IgWaitTable *t, uint32_t event, uint64_t queryid, int *free_at)
{
	uint32_t	i = home_of(event, queryid);
	uint32_t	probes;

	for (probes = 0; probes < IG_WAITS_NENTRIES; probes++)
	{
		const IgWaitEntry *e = &t->entries[i];

		if (e->count == 0)
		{
			if (free_at)
				*free_at = (int) i;
			return -1;
		}
		if (e->event == event && e->queryid == queryid)
			return (int) i;
		i = (i + 1) & MASK;
	}
	if (free_at)
		*free_at = -1;
	return -1;
}

static void
add_one(IgWaitTable *t, uint32_t event, uint64_t queryid, uint64_t n)
{
	int			free_at = -1;
	int			at = find(t, event, queryid, &free_at);

	t->samples += n;
	if (at >= 0)
	{
		t->entries[at].count += n;
		return;
	}
	if (free_at < 0 || t->nused >= IG_WAITS_MAX_USED)
	{
		t->overflow.count += n;
		t->overflowed += n;
		return;
	}
	t->entries[free_at].event = event;
	t->entries[free_at].queryid = queryid;
	t->entries[free_at].count = n;
	t->nused++;
}

void
ig_waits_add_round(IgWaitTable *t, const IgWaitSample *samples, int n)
{
	int			i;

	t->ticks++;
	for (i = 0; i < n; i++)
		add_one(t, samples[i].event, samples[i].queryid, 1);
}

uint64_t
ig_waits_lookup(const IgWaitTable *t, uint32_t event, uint64_t queryid)
{
	int			at = find(t, event, queryid, NULL);

	return at >= 0 ? t->entries[at].count : 0;
}

/*
 * Free slot i and close the gap (Knuth's algorithm R for linear probing):
 * later entries of the same probe run move back, so lookups never stop
 * early at the hole.
 */
static void
remove_at(IgWaitTable *t, uint32_t i)
{
	uint32_t	j = i;

	t->entries[i].count = 0;
	t->nused--;
	for (;;)
	{
		uint32_t	h;

		j = (j + 1) & MASK;
		if (t->entries[j].count == 0)
			return;
		h = home_of(t->entries[j].event, t->entries[j].queryid);
		/* entry j may fill the hole at i unless its home lies in (i, j] */
		if ((i <= j) ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		t->entries[i] = t->entries[j];
		t->entries[j].count = 0;
		i = j;
	}
}

static uint64_t
sub_clamped(uint64_t a, uint64_t b, int *status)
{
	if (b > a)
	{
		*status = 1;
		return 0;
	}
	return a - b;
}

int
ig_waits_subtract(IgWaitTable *t, const IgWaitTable *taken, int64_t now)
{
	int			status = 0;
	uint32_t	k;

	t->ticks = sub_clamped(t->ticks, taken->ticks, &status);
	t->samples = sub_clamped(t->samples, taken->samples, &status);
	t->overflowed = sub_clamped(t->overflowed, taken->overflowed, &status);
	t->overflow.count = sub_clamped(t->overflow.count, taken->overflow.count, &status);
	for (k = 0; k < IG_WAITS_NENTRIES; k++)
	{
		const IgWaitEntry *e = &taken->entries[k];
		int			at;

		if (e->count == 0)
			continue;
		at = find(t, e->event, e->queryid, NULL);
		if (at < 0)
		{
			status = 1;
			continue;
		}
		t->entries[at].count = sub_clamped(t->entries[at].count, e->count, &status);
		if (t->entries[at].count == 0)
			remove_at(t, (uint32_t) at);
	}
	t->since = now;
	return status;
}

double
ig_waits_share_pct(uint64_t samples, uint64_t total)
{
	if (total == 0)
		return 0.0;
	return 100.0 * (double) samples / (double) total;
}

double
ig_waits_avg_sessions(uint64_t samples, uint64_t ticks)
{
	if (ticks == 0)
		return 0.0;
	return (double) samples / (double) ticks;
}

int64_t
ig_waits_next_deadline(int64_t deadline, int64_t now, int64_t period)
{
	int64_t		next = deadline + period;

	if (next + period <= now)
		return now + period;
	return next;
}

int64_t
ig_waits_period_us(int hz)
{
	if (hz < 1)
		hz = 1;
	return 1000000 / hz;
}
