/*-------------------------------------------------------------------------
 *
 * ig_waits.h
 *	  Wait-event sampling: the bounded aggregation table the sampler fills
 *	  and the snapshot drains, and the arithmetic of a profile.
 *
 * The table counts samples by key (wait_event_info, query id) in a fixed
 * array with open addressing (linear probing), so that adding a sample is
 * a hash and a few probes and the size in shared memory is a constant:
 * sizeof(IgWaitTable) = 48 + 24 * (IG_WAITS_NENTRIES + 1) = 49,224 bytes.
 * It is filled to IG_WAITS_MAX_USED entries at most, which keeps probe
 * sequences short; a sample whose key finds no room is counted in the
 * overflow entry (and in "overflowed") rather than lost.
 *
 * Draining is by difference: the reader copies the table, and later
 * subtracts exactly that copy (ig_waits_subtract), so samples added in
 * between are kept for the next drain.  Entries that reach zero are
 * removed, so a key stays in the table only while it has samples pending.
 *
 * The table does no locking: the caller serialises writers.
 *
 * IDENTIFICATION
 *	  src/core/ig_waits.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef INFRAGUARD_IG_WAITS_H
#define INFRAGUARD_IG_WAITS_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#define IG_WAITS_NENTRIES 2048	/* a power of two */
#define IG_WAITS_MAX_USED (IG_WAITS_NENTRIES * 3 / 4)

/* One sample: what an active backend was doing at one sampling round. */
typedef struct IgWaitSample
{
	uint32_t	event;			/* wait_event_info; 0 = not waiting (CPU) */
	uint64_t	queryid;		/* 0 = unknown */
} IgWaitSample;

typedef struct IgWaitEntry
{
	uint64_t	queryid;
	uint64_t	count;			/* samples pending; 0 = free slot */
	uint32_t	event;
	uint32_t	pad;
} IgWaitEntry;

typedef struct IgWaitTable
{
	uint64_t	ticks;			/* sampling rounds pending */
	uint64_t	samples;		/* samples pending, overflow included */
	uint64_t	overflowed;		/* samples of keys that found no room */
	int64_t		since;			/* caller's clock: start of the pending
								 * period (set by ig_waits_init and by a
								 * subtraction) */
	uint32_t	nused;			/* entries in use */
	uint32_t	pad;
	uint64_t	pad2;
	IgWaitEntry overflow;		/* event and queryid unused */
	IgWaitEntry entries[IG_WAITS_NENTRIES];
} IgWaitTable;

/* Empty the table; since = now. */
extern void ig_waits_init(IgWaitTable *t, int64_t now);

/*
 * Count one sampling round: ticks += 1 and each of the n samples under its
 * key.  n may be 0 (a round that found no active backend).
 */
extern void ig_waits_add_round(IgWaitTable *t, const IgWaitSample *samples, int n);

/* Count of a key (0 if absent); for tests and readers. */
extern uint64_t ig_waits_lookup(const IgWaitTable *t, uint32_t event, uint64_t queryid);

/*
 * Subtract a copy taken earlier (by struct assignment or memcpy) from the
 * table: what the copy counted is removed, what was added since is kept.
 * Entries that reach zero are freed; since becomes now.  Returns IG_OK, or
 * 1 if the copy counted more than the table holds for some key (the table
 * was reset in between): that key is then cleared rather than wrapped.
 */
extern int	ig_waits_subtract(IgWaitTable *t, const IgWaitTable *taken, int64_t now);

/*
 * Profile arithmetic.  share_pct: part of the active samples in percent
 * (NaN-free: 0 when there are none).  avg_sessions: average number of
 * backends in that state over the sampled rounds (samples / ticks).
 */
extern double ig_waits_share_pct(uint64_t samples, uint64_t total);
extern double ig_waits_avg_sessions(uint64_t samples, uint64_t ticks);

/*
 * The sampler's schedule, in microseconds of a monotonic clock.  Returns
 * the next round's deadline after a round due at "deadline" ran at "now":
 * deadline + period normally (no drift); if the sampler fell more than one
 * period behind (a loaded machine), the missed rounds are skipped rather
 * than run in a burst: now + period.  period must be > 0.
 */
extern int64_t ig_waits_next_deadline(int64_t deadline, int64_t now, int64_t period);

/* The period of a frequency in microseconds (hz >= 1); 1,000,000 / hz. */
extern int64_t ig_waits_period_us(int hz);

#endif							/* INFRAGUARD_IG_WAITS_H */
