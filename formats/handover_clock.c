/*
 * handover_clock.c — which contact variant of the doctor's page applies at a
 * moment (handover_html.h): office hours (kantooruren) or evening, night and
 * weekend (ANW).
 *
 * Office hours are Monday to Friday, 08:00 up to 17:00 local time in
 * Europe/Amsterdam, on days that are not a public holiday. Local time is
 * computed here, not with localtime() and the TZ database (which a container
 * may lack, or have set to UTC): CET is UTC+1, CEST is UTC+2 from the last
 * Sunday of March 01:00 UTC up to the last Sunday of October 01:00 UTC (the EU
 * rule since 1996; earlier years are computed with the same rule).
 *
 * The public holidays that count as weekend are those of the general
 * collective agreements: Nieuwjaarsdag, Eerste en Tweede Paasdag, Koningsdag,
 * Bevrijdingsdag in lustrum years, Hemelvaartsdag, Eerste en Tweede
 * Pinksterdag, Eerste en Tweede Kerstdag. Easter is computed with the
 * anonymous Gregorian algorithm. Everything is integer arithmetic on the
 * proleptic Gregorian calendar; nothing here allocates.
 */

#include "handover_html.h"
#include "handover_internal.h"

#define DAY 86400L

static long floor_div(long a, long b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* 0 Sunday … 6 Saturday; 1970-01-01 was a Thursday. */
static int weekday_of(long days)
{
    return (int)(((days % 7) + 7 + 4) % 7);
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int leap(long y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(long y, int m)
{
    static const int n[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* The day number of the last Sunday of a month. */
static long last_sunday(long y, int m)
{
    long last = ho_days_from_civil(y, m, days_in_month(y, m));
    return last - weekday_of(last);
}

void ho_local(time_t t, ho_local_time *out)
{
    long s = (long)t;
    long y;
    int m, d;
    civil_from_days(floor_div(s, DAY), &y, &m, &d);
    long start = last_sunday(y, 3) * DAY + 3600, end = last_sunday(y, 10) * DAY + 3600;
    out->summer = s >= start && s < end;
    long local = s + (out->summer ? 7200 : 3600);
    long days = floor_div(local, DAY), secs = local - days * DAY;
    civil_from_days(days, &out->year, &out->month, &out->day);
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs % 3600 / 60);
    out->weekday = weekday_of(days);
}

/* Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus). */
static void easter(long year, int *month, int *day)
{
    long a = year % 19, b = year / 100, c = year % 100;
    long d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3;
    long h = (19 * a + b - d - g + 15) % 30;
    long i = c / 4, k = c % 4;
    long l = (32 + 2 * e + 2 * i - h - k) % 7;
    long m = (a + 11 * h + 22 * l) / 451;
    *month = (int)((h + l - 7 * m + 114) / 31);
    *day = (int)((h + l - 7 * m + 114) % 31 + 1);
}

const char *handover_holiday_nl(int year, int month, int day)
{
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return NULL;
    if (month == 1 && day == 1)
        return "Nieuwjaarsdag";
    if (month == 12 && day == 25)
        return "Eerste Kerstdag";
    if (month == 12 && day == 26)
        return "Tweede Kerstdag";
    /* Koningsdag: 27 April, or Saturday 26 April when the 27th is a Sunday. */
    long apr27 = ho_days_from_civil(year, 4, 27);
    if (month == 4 && day == (weekday_of(apr27) == 0 ? 26 : 27))
        return "Koningsdag";
    /* Bevrijdingsdag is a paid day off under most collective agreements only
     * once every five years (2025, 2030, …); in other years it is a working day. */
    if (month == 5 && day == 5 && year % 5 == 0)
        return "Bevrijdingsdag";
    /* Goede Vrijdag is not a general holiday (only some agreements give it),
     * so it stays a working day here. */
    int em, ed;
    easter(year, &em, &ed);
    long offset = ho_days_from_civil(year, month, day) - ho_days_from_civil(year, em, ed);
    switch (offset) {
    case 0: return "Eerste Paasdag";
    case 1: return "Tweede Paasdag";
    case 39: return "Hemelvaartsdag";
    case 49: return "Eerste Pinksterdag";
    case 50: return "Tweede Pinksterdag";
    default: return NULL;
    }
}

handover_html_variant handover_html_variant_at(time_t t)
{
    ho_local_time l;
    ho_local(t, &l);
    if (l.weekday == 0 || l.weekday == 6 || handover_holiday_nl((int)l.year, l.month, l.day))
        return HANDOVER_HTML_ANW;
    return l.hour >= 8 && l.hour < 17 ? HANDOVER_HTML_OFFICE : HANDOVER_HTML_ANW;
}

/* ---- parsing a dateTime with a zone ------------------------------------ */

/* n digits at *p into *v; advances. 0 when they are not all digits. */
static int digits(const char **p, int n, long *v)
{
    *v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return 0;
        *v = *v * 10 + (**p - '0');
    }
    return 1;
}

int handover_time_parse(const char *s, time_t *t)
{
    long y, mo, d, h, mi, sec = 0, zh = 0, zm = 0;
    int sign = 0;
    if (!s || !digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
        !digits(&s, 2, &d) || *s++ != 'T' || !digits(&s, 2, &h) || *s++ != ':' ||
        !digits(&s, 2, &mi))
        return FHIR_E_INVALID;
    if (*s == ':') {
        s++;
        if (!digits(&s, 2, &sec))
            return FHIR_E_INVALID;
        if (*s == '.') {
            s++;
            if (*s < '0' || *s > '9')
                return FHIR_E_INVALID;
            while (*s >= '0' && *s <= '9')
                s++;
        }
    }
    if (*s == 'Z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '+' ? 1 : -1;
        if (!digits(&s, 2, &zh) || *s++ != ':' || !digits(&s, 2, &zm) || zh > 14 || zm > 59)
            return FHIR_E_INVALID;
    } else {
        return FHIR_E_INVALID; /* a time without a zone is not one moment */
    }
    if (*s || y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo) || h > 23 ||
        mi > 59 || sec > 60)
        return FHIR_E_INVALID;
    long v = ho_days_from_civil(y, mo, d) * DAY + h * 3600 + mi * 60 + sec -
             sign * (zh * 3600 + zm * 60);
    *t = (time_t)v;
    return 0;
}
