/*-------------------------------------------------------------------------
 *
 * ig_procfs.c
 *	  Parsers for Linux /proc/stat, /proc/meminfo and /proc/loadavg text,
 *	  and the arithmetic on their values.
 *
 * Design notes:
 *	- Hand-written scanners instead of sscanf/strtoull/strtod: strtoull
 *	  accepts a sign (and turns "-1" into a huge value), strtod follows the
 *	  locale's decimal separator, and sscanf can neither tell "12abc" from
 *	  "12" nor report overflow.  Here a number is a run of ASCII digits that
 *	  must end at a blank or a newline, and overflow is reported.
 *	- Every scan stops at the terminating NUL, so truncated files and
 *	  binary junk are safe: the worst outcome is IG_EPARSE.  A line that is
 *	  used must end with a newline, so a short read that cuts a number in
 *	  two is an error, never a wrong value.
 *	- Lines are matched only at their start, so "cpu" inside another line
 *	  or "Cached:" vs "SwapCached:" cannot be confused.
 *
 * IDENTIFICATION
 *	  src/core/ig_procfs.c
 *
 *-------------------------------------------------------------------------
 */
#include "ig_procfs.h"

#include <limits.h>
#include <string.h>

#define KB_BYTES	UINT64_C(1024)

/* more stat fields than this are only checked, never stored */
#define STAT_FIELDS 8

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number (or unit) must be followed by a blank or a newline.  The end of
 * the buffer is not accepted: /proc files end with a newline, so a number
 * that runs into the NUL may have been cut by a short read ("15" of "1521").
 */
static inline bool
is_token_end(char c)
{
	return c == '\n' || is_blank(c);
}

static const char *
skip_blanks(const char *p)
{
	while (is_blank(*p))
		p++;
	return p;
}

/* Start of the next line, or the terminating NUL. */
static const char *
next_line(const char *p)
{
	while (*p != '\0' && *p != '\n')
		p++;
	return *p == '\n' ? p + 1 : p;
}

/*
 * Parse an unsigned decimal integer after optional blanks.  On IG_OK *pp is
 * moved past the digits.  Digits are consumed to the end even after an
 * overflow, so that "99999999999999999999x" is a parse error, not an
 * overflow.
 */
static IgStatus
parse_u64(const char **pp, uint64_t *out)
{
	const char *p = skip_blanks(*pp);
	uint64_t	v = 0;
	bool		overflow = false;

	if (!is_digit(*p))
		return IG_EPARSE;
	for (; is_digit(*p); p++)
	{
		unsigned	d = (unsigned) (*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			v = v * 10 + d;
	}
	if (!is_token_end(*p))
		return IG_EPARSE;
	if (overflow)
		return IG_EOVERFLOW;
	*pp = p;
	*out = v;
	return IG_OK;
}

/*
 * Parse a non-negative decimal like "0.52" or "12" after optional blanks,
 * independently of the locale.  Up to 18 fraction digits are used; more are
 * checked and ignored.
 *
 * Exactly: the digits are read as one integer and divided once by the power
 * of ten, so "1.68" is 168 / 100, the double nearest 1.68 (both operands are
 * exact in a double below 2^53 and 10^22, and IEEE division rounds
 * correctly), never 1 + 0.68 = 1.6800000000000002.  Longer inputs fall back
 * to adding the two parts.
 */
/* integers up to 2^53 are exact in a double */
#define IG_EXACT_MANTISSA	(UINT64_C(1) << 53)

static uint64_t
pow10_u64(int n)
{
	uint64_t	v = 1;

	while (n-- > 0)
		v *= 10;
	return v;
}

static IgStatus
parse_decimal(const char **pp, double *out)
{
	const char *p = skip_blanks(*pp);
	uint64_t	ipart = 0;
	uint64_t	frac = 0;
	double		scale = 1.0;
	int			fdigits = 0;
	bool		overflow = false;

	if (!is_digit(*p))
		return IG_EPARSE;
	for (; is_digit(*p); p++)
	{
		unsigned	d = (unsigned) (*p - '0');

		if (ipart > (UINT64_MAX - d) / 10)
			overflow = true;
		else
			ipart = ipart * 10 + d;
	}
	if (*p == '.')
	{
		p++;
		if (!is_digit(*p))
			return IG_EPARSE;
		for (; is_digit(*p); p++)
		{
			if (fdigits < 18)
			{
				frac = frac * 10 + (uint64_t) (*p - '0');
				scale *= 10.0;
				fdigits++;
			}
		}
	}
	if (!is_token_end(*p))
		return IG_EPARSE;
	if (overflow)
		return IG_EOVERFLOW;
	*pp = p;
	if (fdigits <= 15 && frac <= IG_EXACT_MANTISSA &&
		ipart <= (IG_EXACT_MANTISSA - frac) / pow10_u64(fdigits))
		*out = (double) (ipart * pow10_u64(fdigits) + frac) / scale;
	else
		*out = (double) ipart + (double) frac / scale;
	return IG_OK;
}

IgStatus
ig_procfs_parse_stat(const char *buf, IgCpuTimes *out)
{
	const char *line;
	const char *p;
	uint64_t	f[STAT_FIELDS] = {0};
	int			nfields = 0;

	if (buf == NULL)
		return IG_EPARSE;

	for (line = buf; *line != '\0'; line = next_line(line))
		if (strncmp(line, "cpu", 3) == 0 && is_blank(line[3]))
			break;
	if (*line == '\0')
		return IG_EPARSE;

	p = line + 3;
	for (;;)
	{
		uint64_t	v;
		IgStatus	st;

		p = skip_blanks(p);
		if (*p == '\n')
			break;
		if (*p == '\0')
			return IG_EPARSE;	/* truncated line */
		st = parse_u64(&p, &v);
		if (st != IG_OK)
			return st;
		if (nfields < STAT_FIELDS)
			f[nfields++] = v;
	}
	if (nfields < 4)
		return IG_EPARSE;

	out->user = f[0];
	out->nice = f[1];
	out->system = f[2];
	out->idle = f[3];
	out->iowait = f[4];
	out->irq = f[5];
	out->softirq = f[6];
	out->steal = f[7];
	return IG_OK;
}

int
ig_procfs_count_cpus(const char *buf)
{
	const char *line;
	int			n = 0;

	if (buf == NULL)
		return 0;
	for (line = buf; *line != '\0'; line = next_line(line))
		if (strncmp(line, "cpu", 3) == 0 && is_digit(line[3]) && n < INT_MAX)
			n++;
	return n;
}

/* *acc += b - a; false if b < a or the sum overflows */
static bool
add_delta(uint64_t *acc, uint64_t a, uint64_t b)
{
	uint64_t	d;

	if (b < a)
		return false;
	d = b - a;
	if (*acc > UINT64_MAX - d)
		return false;
	*acc += d;
	return true;
}

IgStatus
ig_cpu_busy_pct(const IgCpuTimes *prev, const IgCpuTimes *cur, double *pct)
{
	uint64_t	prev_idle;
	uint64_t	cur_idle;
	uint64_t	d_idle;
	uint64_t	d_total = 0;

	/* idle and iowait may trade time between samples; see the header */
	if (prev->idle > UINT64_MAX - prev->iowait ||
		cur->idle > UINT64_MAX - cur->iowait)
		return IG_EOVERFLOW;
	prev_idle = prev->idle + prev->iowait;
	cur_idle = cur->idle + cur->iowait;

	if (cur->user < prev->user || cur->nice < prev->nice ||
		cur->system < prev->system || cur_idle < prev_idle ||
		cur->irq < prev->irq || cur->softirq < prev->softirq ||
		cur->steal < prev->steal)
		return IG_ERANGE;

	/* no field goes backwards now, so a false return means overflow */
	if (!add_delta(&d_total, prev->user, cur->user) ||
		!add_delta(&d_total, prev->nice, cur->nice) ||
		!add_delta(&d_total, prev->system, cur->system) ||
		!add_delta(&d_total, prev_idle, cur_idle) ||
		!add_delta(&d_total, prev->irq, cur->irq) ||
		!add_delta(&d_total, prev->softirq, cur->softirq) ||
		!add_delta(&d_total, prev->steal, cur->steal))
		return IG_EOVERFLOW;
	if (d_total == 0)
		return IG_ENODATA;

	d_idle = cur_idle - prev_idle;
	*pct = 100.0 * (double) (d_total - d_idle) / (double) d_total;
	return IG_OK;
}

typedef enum MemKey
{
	MK_TOTAL,
	MK_FREE,
	MK_AVAILABLE,
	MK_BUFFERS,
	MK_CACHED,
	MK_SWAP_TOTAL,
	MK_SWAP_FREE,
	MK_COUNT
} MemKey;

static const char *const mem_key_names[MK_COUNT] = {
	"MemTotal",
	"MemFree",
	"MemAvailable",
	"Buffers",
	"Cached",
	"SwapTotal",
	"SwapFree",
};

/* Which key starts this line ("Key:"), or MK_COUNT if none of ours. */
static MemKey
mem_key_of(const char *line)
{
	int			k;

	for (k = 0; k < MK_COUNT; k++)
	{
		size_t		len = strlen(mem_key_names[k]);

		/* strncmp stops at a NUL in line, so line[len] is in bounds */
		if (strncmp(line, mem_key_names[k], len) == 0 && line[len] == ':')
			return (MemKey) k;
	}
	return MK_COUNT;
}

/* Parse " <number> kB" after the colon, converting to bytes. */
static IgStatus
parse_kb_value(const char *p, uint64_t *bytes)
{
	uint64_t	kb;
	IgStatus	st;

	st = parse_u64(&p, &kb);
	if (st != IG_OK)
		return st;
	p = skip_blanks(p);
	if (p[0] != 'k' || p[1] != 'B' || !is_token_end(p[2]))
		return IG_EPARSE;
	if (kb > UINT64_MAX / KB_BYTES)
		return IG_EOVERFLOW;
	*bytes = kb * KB_BYTES;
	return IG_OK;
}

IgStatus
ig_procfs_parse_meminfo(const char *buf, IgMemInfo *out)
{
	uint64_t	val[MK_COUNT] = {0};
	bool		seen[MK_COUNT] = {false};
	const char *line;

	if (buf == NULL || buf[0] == '\0')
		return IG_EPARSE;

	/*
	 * A short read that stops at a line boundary would otherwise look like
	 * an old kernel without MemAvailable, and yield a silently different
	 * answer.
	 */
	if (buf[strlen(buf) - 1] != '\n')
		return IG_EPARSE;

	for (line = buf; *line != '\0'; line = next_line(line))
	{
		MemKey		k = mem_key_of(line);
		IgStatus	st;

		if (k == MK_COUNT || seen[k])
			continue;
		st = parse_kb_value(line + strlen(mem_key_names[k]) + 1, &val[k]);
		if (st != IG_OK)
			return st;
		seen[k] = true;
	}

	if (!seen[MK_TOTAL])
		return IG_EPARSE;

	out->total_bytes = val[MK_TOTAL];
	out->swap_total_bytes = val[MK_SWAP_TOTAL];
	out->swap_free_bytes = val[MK_SWAP_FREE];
	if (seen[MK_AVAILABLE])
	{
		out->available_bytes = val[MK_AVAILABLE];
		out->available_estimated = false;
	}
	else
	{
		uint64_t	est;

		/*
		 * The pre-3.14 rule of thumb.  It overestimates (not all page cache
		 * is reclaimable), hence the cap and the flag for the caller.
		 */
		if (!seen[MK_FREE])
			return IG_EPARSE;
		est = val[MK_FREE];
		if (est > UINT64_MAX - val[MK_BUFFERS])
			return IG_EOVERFLOW;
		est += val[MK_BUFFERS];
		if (est > UINT64_MAX - val[MK_CACHED])
			return IG_EOVERFLOW;
		est += val[MK_CACHED];
		out->available_bytes = est < val[MK_TOTAL] ? est : val[MK_TOTAL];
		out->available_estimated = true;
	}
	return IG_OK;
}

IgStatus
ig_mem_used_pct(const IgMemInfo *m, double *pct)
{
	if (m->total_bytes == 0)
		return IG_ENODATA;
	if (m->available_bytes >= m->total_bytes)
		*pct = 0.0;
	else
		*pct = 100.0 * (double) (m->total_bytes - m->available_bytes) /
			(double) m->total_bytes;
	return IG_OK;
}

IgStatus
ig_procfs_parse_loadavg(const char *buf, double load[3])
{
	const char *p = buf;
	double		v[3];
	int			i;

	if (buf == NULL)
		return IG_EPARSE;
	for (i = 0; i < 3; i++)
	{
		IgStatus	st = parse_decimal(&p, &v[i]);

		if (st != IG_OK)
			return st;
	}
	/* copy only on success, so a failed parse leaves load[] untouched */
	for (i = 0; i < 3; i++)
		load[i] = v[i];
	return IG_OK;
}
